import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool } from '../../config/schema.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Bazarr (subtitles for Sonarr and Radarr, port 6767). Connected to the main Sonarr and Radarr
     * instance (Bazarr has one of each) with their API keys from their Secrets; it writes the
     * subtitles next to the videos. It has no login until you set one in its UI (Settings ›
     * General › Security), so its Ingress waits for `ingress` like the first-login apps'.
     * @default - disabled
     */
    readonly bazarr: FirstLoginAppConfig;
  }
}

export const bazarrConfig: AppConfigSlice<'bazarr'> = {
  key: 'bazarr',
  schema: appSchema({ ingress: bool }),
  defaults: { enabled: false, ingress: false },
};
