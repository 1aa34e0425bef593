import { appSchema, type AppConfigSlice } from '../../config/apps.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Prowlarr (indexers, port 9696). @default - enabled */
    readonly prowlarr: AppConfig;
  }
}

export const prowlarrConfig: AppConfigSlice<'prowlarr'> = {
  key: 'prowlarr',
  schema: appSchema(),
  defaults: { enabled: true },
};
