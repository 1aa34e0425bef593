import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool } from '../../config/schema.js';
import { cronSchedule } from '../../config/cron.js';
import type { AppConfig } from '../../config/types.js';

export interface ArrWiringConfig extends AppConfig {
  /** CronJob schedule of the reconciler. @default '17 * * * *' (hourly) */
  readonly schedule: string;
  /**
   * With both Decypharr and qBittorrent: create the tags `streaming` and `downloads` in every Arr
   * and give a new qBittorrent client the tag `downloads`, so only items tagged `downloads` go to
   * qBittorrent and everything else to Decypharr. Off: both clients untagged (priority decides).
   * @default true
   */
  readonly tagRouting: boolean;
  /**
   * Add "Connect › Plex Media Server" to every Arr (library refresh after imports, renames,
   * deletes) with the Plex token, once Plex is claimed. @default true
   */
  readonly plexConnection: boolean;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Reconciler CronJob that adds what an operator would click together: Sonarr/Radarr as
     * Prowlarr applications, Decypharr/qBittorrent as their download clients (routed by tag),
     * their root folders, their Plex library refresh, FlareSolverr/Byparr as Prowlarr indexer proxies. Creates only what is missing; never changes
     * or deletes existing entries. @default - enabled, hourly at minute 17
     */
    readonly arrWiring: ArrWiringConfig;
  }
}

export const arrWiringConfig: AppConfigSlice<'arrWiring'> = {
  key: 'arrWiring',
  schema: appSchema({ schedule: cronSchedule, tagRouting: bool, plexConnection: bool }),
  defaults: { enabled: true, schedule: '17 * * * *', tagRouting: true, plexConnection: true },
};
