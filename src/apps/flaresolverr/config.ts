import { appSchema, type AppConfigSlice } from '../../config/apps.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /** FlareSolverr (Cloudflare challenge solver for Prowlarr, port 8191). @default - disabled */
    readonly flaresolverr: AppConfig;
  }
}

export const flaresolverrConfig: AppConfigSlice<'flaresolverr'> = {
  key: 'flaresolverr',
  schema: appSchema(),
  defaults: { enabled: false },
};
