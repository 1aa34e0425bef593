import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { bool, oneOf, str } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

export interface FailbackConfig extends AppConfig {
  /**
   * `cronjob`: one descheduler run per `schedule`, each after the import check; `deployment`: a
   * long-running descheduler that runs every `interval` (no import check is possible then, so
   * set `importGuard: false` with it). @default 'cronjob'
   */
  readonly mode: 'cronjob' | 'deployment';
  /** When the CronJob runs (mode `cronjob`). @default '0-59/10 * * * *' */
  readonly schedule: string;
  /** `--descheduling-interval` of the Deployment (mode `deployment`), a Go duration. @default '10m' */
  readonly interval: string;
  /**
   * Before each run, ask the Sonarr/Radarr queues (`/api/v3/queue`) whether an import is pending
   * or running, and skip the run (evict nothing) while one is. @default true
   */
  readonly importGuard: boolean;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Failback: the kubernetes-sigs descheduler evicts the streaming stack from the secondary
     * storage node once the primary is schedulable again (RemovePodsViolatingNodeAffinity on its
     * preferred node affinity). Longhorn layout only. @default - off (failback is a runbook step)
     */
    readonly failback: FailbackConfig;
  }
}

export const failbackConfig: AppConfigSlice<'failback'> = {
  key: 'failback',
  schema: appSchema({
    mode: oneOf(['cronjob', 'deployment']),
    schedule: cronSchedule,
    interval: str(/^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/, 'use a Go duration such as "10m" or "1h30m"'),
    importGuard: bool,
  }),
  defaults: { enabled: false, mode: 'cronjob', schedule: '0-59/10 * * * *', interval: '10m', importGuard: true },
};
