import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { int, oneOf } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';

export interface ClusterPlexConfig extends AppConfig {
  /** Number of GPU workers. @default 1 */
  readonly workers: number;
  /** @default 'LOAD_RANK' */
  readonly workerSelectionStrategy: 'LOAD_RANK' | 'LOAD_CPU' | 'LOAD_TASKS' | 'RR';
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** ClusterPlex orchestrator and GPU workers. @default - enabled, 1 worker */
    readonly clusterplex: ClusterPlexConfig;
  }
}

export const clusterplexConfig: AppConfigSlice<'clusterplex'> = {
  key: 'clusterplex',
  schema: appSchema({ workers: int(0, 16), workerSelectionStrategy: oneOf(['LOAD_RANK', 'LOAD_CPU', 'LOAD_TASKS', 'RR']) }),
  defaults: { enabled: true, workers: 1, workerSelectionStrategy: 'LOAD_RANK' },
};
