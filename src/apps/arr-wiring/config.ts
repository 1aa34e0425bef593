import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import type { AppConfig } from '../../config/types.js';

export interface ArrWiringConfig extends AppConfig {
  /** CronJob schedule of the reconciler. @default '17 * * * *' (hourly) */
  readonly schedule: string;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Reconciler CronJob that adds what an operator would click together: Sonarr/Radarr as
     * Prowlarr applications, Decypharr/qBittorrent as their download clients, their root folders,
     * FlareSolverr/Byparr as Prowlarr indexer proxies. Creates only what is missing; never changes
     * or deletes existing entries. @default - enabled, hourly at minute 17
     */
    readonly arrWiring: ArrWiringConfig;
  }
}

export const arrWiringConfig: AppConfigSlice<'arrWiring'> = {
  key: 'arrWiring',
  schema: appSchema({ schedule: cronSchedule }),
  defaults: { enabled: true, schedule: '17 * * * *' },
};
