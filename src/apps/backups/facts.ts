import type { AppFacts } from '../../gates/behaviour-facts.js';

/** The container of every config-backup CronJob (one per app data directory). */
export const CONFIG_BACKUP_CONTAINER = 'config-backup';
/** The container of the per-database PostgreSQL dump CronJob. */
export const PG_DUMP_CONTAINER = 'pg-dump';
/** Where a backup container mounts the app's data directory and the backup target. */
export const BACKUP_PATHS = { source: '/source', target: '/backups', scripts: '/scripts' } as const;

/** What the behaviour gate checks the backup containers against (their images are the shared python and the postgres image). */
export const BACKUPS_FACTS: AppFacts = {
  containers: {
    [`*/${CONFIG_BACKUP_CONTAINER}`]: {
      // SQLite's online backup reads a live WAL database through its -shm index: a reader takes part in the locking there.
      writes: [BACKUP_PATHS.source, BACKUP_PATHS.target, '/tmp'],
      source: 'src/apps/backups/config-backup.py (archives and their staging under /backups; SQLite -shm locking in /source)',
    },
    [`*/${PG_DUMP_CONTAINER}`]: { writes: [BACKUP_PATHS.target, '/tmp'], source: 'src/apps/backups/backups.ts pgDumpScript (pg_dump per database under /backups)' },
  },
};
