import type { AppConfigSlice } from '../../config/apps.js';
import { cronSchedule } from '../../config/cron.js';
import { bool, int, leaf, node, str } from '../../config/schema.js';
import { hostPath } from '../../config/schema.js';

/**
 * Backups of every app's own config (its volume or host directory) to the NAS, off by default:
 * the target has to exist first. Longhorn layout: Longhorn `RecurringJob`s (snapshots, and
 * backups to Longhorn's backup target) that every config claim joins as a group. Host-path layout:
 * a CronJob per app data directory writing a consistent archive (SQLite files through SQLite's
 * online backup) to the target; PostgreSQL (when enabled) is dumped per database instead of copied.
 */
export interface BackupsConfig {
  /** Back up the config of every app. @default false (the target must exist first) */
  readonly enabled: boolean;
  /**
   * Where the backups go: the NAS as `nfs://<server>:<export path>` (both layouts; in the Longhorn
   * layout it is the backup target the runbook sets in Longhorn), `cifs://<server>/<share>` (Longhorn
   * layout only: Longhorn's SMB backupstore) or an absolute host directory (host-path layout only,
   * e.g. a second disk).
   * @default 'nfs://unraid.homelab:/mnt/user/backups'
   */
  readonly target: string;
  /** Cron schedule of the backups (the host-path CronJobs run it in `timezone`). @default '15 4 * * *' */
  readonly schedule: string;
  /** How many backups of each volume or directory are kept (older ones are deleted). @default 14 */
  readonly retain: number;
  /** Longhorn layout: take snapshots (in the cluster, no NAS needed) between the backups. @default true */
  readonly snapshots: boolean;
  /** Longhorn layout: cron schedule of the snapshots. @default '0 * * * *' */
  readonly snapshotSchedule: string;
  /** Longhorn layout: snapshots kept per volume. @default 24 */
  readonly snapshotRetain: number;
  /**
   * Longhorn layout: the recurring job group the config claims join
   * (`recurring-job-group.longhorn.io/<group>`); the RecurringJobs are `<group>-snapshot` and
   * `<group>-backup`. Never `default` (Longhorn gives that group's jobs to every volume without one).
   * @default 'media-config'
   */
  readonly group: string;
  /** Longhorn layout: the namespace Longhorn runs in (its RecurringJobs live there). @default 'longhorn-system' */
  readonly longhornNamespace: string;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** Config backups to the NAS (day two). @default - disabled */
    readonly backups: BackupsConfig;
  }
}

/** Longhorn limits a RecurringJob's name to 40 characters; the longer suffix is `-snapshot`. */
const MAX_GROUP = 40 - '-snapshot'.length;

const backupTarget = leaf((v, path) => {
  if (typeof v !== 'string' || v.length === 0) return `must be a non-empty string, got ${JSON.stringify(v)}`;
  if (v.startsWith('/')) return hostPath.check(v, path);
  if (/^nfs:\/\/[^\s/:]+:\/\S*$/.test(v) || /^cifs:\/\/[^\s/]+\/\S+$/.test(v)) return undefined;
  return `'${v}' is not valid: use 'nfs://<server>:/<export path>' (e.g. 'nfs://unraid.homelab:/mnt/user/backups'), 'cifs://<server>/<share>' (Longhorn layout) or an absolute host directory (host-path layout)`;
});

const group = str(
  new RegExp(`^(?!default$)[a-z0-9]([-a-z0-9]{0,${MAX_GROUP - 2}}[a-z0-9])?$`),
  `use lower-case letters, digits and "-", at most ${MAX_GROUP} characters (the RecurringJob '<group>-snapshot' has at most 40), and not 'default' (Longhorn applies that group to every volume without a job)`,
);

export const backupsConfig: AppConfigSlice<'backups'> = {
  key: 'backups',
  schema: node({
    enabled: bool,
    target: backupTarget,
    schedule: cronSchedule,
    retain: int(1, 1000),
    snapshots: bool,
    snapshotSchedule: cronSchedule,
    snapshotRetain: int(1, 250),
    group,
    longhornNamespace: str(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a namespace name such as "longhorn-system"'),
  }),
  defaults: {
    enabled: false,
    target: 'nfs://unraid.homelab:/mnt/user/backups',
    schedule: '15 4 * * *',
    retain: 14,
    snapshots: true,
    snapshotSchedule: '0 * * * *',
    snapshotRetain: 24,
    group: 'media-config',
    longhornNamespace: 'longhorn-system',
  },
};
