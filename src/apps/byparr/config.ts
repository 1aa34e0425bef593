import { appSchema, type AppConfigSlice } from '../../config/apps.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Byparr (FlareSolverr-API compatible, port 8191). @default - disabled */
    readonly byparr: AppConfig;
  }
}

export const byparrConfig: AppConfigSlice<'byparr'> = {
  key: 'byparr',
  schema: appSchema(),
  defaults: { enabled: false },
};
