import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { extraInstances, type ArrInstanceConfig } from '../servarr/config.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Radarr (movies, port 7878). @default - enabled, no extra instances */
    readonly radarr: ArrInstanceConfig;
  }
}

export const radarrConfig: AppConfigSlice<'radarr'> = {
  key: 'radarr',
  schema: appSchema({ extraInstances }),
  defaults: { enabled: true, extraInstances: [] },
};
