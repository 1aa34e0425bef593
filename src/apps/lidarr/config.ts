import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { extraInstances, type ArrInstanceConfig } from '../servarr/config.js';

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Lidarr (music, port 8686): a third Servarr next to Sonarr and Radarr, with the same media,
     * symlink and DFS mounts; the wiring job adds it to Prowlarr and gives it the download clients
     * and the root folder `/mnt/media/music`.
     * @default - disabled, no extra instances
     */
    readonly lidarr: ArrInstanceConfig;
  }
}

export const lidarrConfig: AppConfigSlice<'lidarr'> = {
  key: 'lidarr',
  schema: appSchema({ extraInstances }),
  defaults: { enabled: false, extraInstances: [] },
};
