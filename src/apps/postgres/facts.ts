import type { AppFacts } from '../../gates/behaviour-facts.js';

/** PostgreSQL's facts (sources: docs/app-facts-verified.md). */

// Seed-004 component (app-facts §1b). Debian variant: it ships nss_wrapper, so the server runs as
// the stack UID instead of 999.
// renovate: datasource=docker depName=postgres
export const POSTGRES_IMAGE = 'postgres:16.13-bookworm';

/** Who the processes run as and what they write (the behaviour gate's input). */
export const POSTGRES_FACTS: AppFacts = {
  images: {
    postgres: {
      imageUser: { uid: 0, gid: 0 },
      asRoot: { kind: 'drops-to-user', uid: 999, gid: 999, via: 'gosu postgres' },
      source:
        'docker-library/postgres 6edb0a8:16/bookworm/docker-entrypoint.sh (as root: chown PGDATA to postgres, exec gosu postgres; otherwise runs as the current user), 16/bookworm/Dockerfile (postgres 999:999)',
    },
  },
  containers: {
    'postgres/postgres': {
      writes: ['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp'],
      source: 'docker-library/postgres 16/bookworm/docker-entrypoint.sh (PGDATA, /var/run/postgresql socket dir)',
    },
    'postgres-backup/pg-dumpall': { writes: ['/backups', '/tmp'], source: 'src/apps/postgres/postgres.ts backupScript' },
  },
};
