import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { extraInstances, type ArrInstanceConfig } from '../servarr/config.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Sonarr (TV, port 8989). @default - enabled, no extra instances */
    readonly sonarr: ArrInstanceConfig;
  }
}

export const sonarrConfig: AppConfigSlice<'sonarr'> = {
  key: 'sonarr',
  schema: appSchema({ extraInstances }),
  defaults: { enabled: true, extraInstances: [] },
};
