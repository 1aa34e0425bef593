import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { int, oneOf, storageSize, strList } from '../../config/schema.js';
import type { AppConfig } from '../../config/types.js';
import { ARR_KINDS } from '../servarr/table.js';

/** A Servarr kind that can keep its databases in PostgreSQL: any row of ARR_KINDS (`sonarr`, `radarr`, `prowlarr`…). */
export type PostgresArrKind = string;

/**
 * PostgreSQL 16 for the *arr apps (seed 004). When enabled, every listed app (and its extra
 * instances) gets `<KIND>__POSTGRES__*` env, its own role and a generated password, and an
 * init container (`postgres-init`) that creates `<instance>-main` and `<instance>-log` before
 * the app starts (the apps never create databases themselves).
 */
export interface PostgresConfig extends AppConfig {
  /** Apps whose main and log databases live in PostgreSQL. @default ['sonarr', 'radarr', 'prowlarr'] */
  readonly apps: readonly PostgresArrKind[];
  /** Cron schedule of the `pg_dumpall` backup CronJob. @default '30 3 * * *' */
  readonly backupSchedule: string;
  /** How many dumps the backup keeps (older ones are deleted). @default 7 */
  readonly backupRetention: number;
  /** Size of the backup volume (Longhorn mode; host path `<root>/backups/postgres` otherwise). @default '20Gi' */
  readonly backupSize: string;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** PostgreSQL for the *arr apps (seed 004). @default - disabled */
    readonly postgres: PostgresConfig;
  }
}

export const postgresConfig: AppConfigSlice<'postgres'> = {
  key: 'postgres',
  schema: appSchema({
    apps: strList(oneOf(ARR_KINDS.map((k) => k.name))),
    backupSchedule: cronSchedule,
    backupRetention: int(1, 365),
    backupSize: storageSize,
  }),
  defaults: { enabled: false, apps: ['sonarr', 'radarr', 'prowlarr'], backupSchedule: '30 3 * * *', backupRetention: 7, backupSize: '20Gi' },
};
