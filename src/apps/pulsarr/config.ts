import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool } from '../../config/schema.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Pulsarr (Plex watchlists → Sonarr/Radarr, port 3003). @default - enabled */
    readonly pulsarr: FirstLoginAppConfig;
  }
}

export const pulsarrConfig: AppConfigSlice<'pulsarr'> = {
  key: 'pulsarr',
  schema: appSchema({ ingress: bool }),
  defaults: { enabled: true, ingress: false },
};
