import type { AppFacts } from '../../gates/behaviour-facts.js';

export const PULSARR_IMAGES = {
  // renovate: datasource=docker depName=lakker/pulsarr
  pulsarr: 'lakker/pulsarr:0.19.4',
} as const;

export const PULSARR_PORT = 3003;

/** The Arr kinds Pulsarr requests titles from (watchlists hold series and movies). */
export const PULSARR_ARR_KINDS: readonly string[] = ['sonarr', 'radarr'];

/** Who Pulsarr runs as and what it writes (sources: docs/app-facts-verified.md §1). */
export const PULSARR_FACTS: AppFacts = {
  images: {
    'lakker/pulsarr': {
      imageUser: { uid: 0, gid: 0 },
      asRoot: { kind: 'drops-to-env', uidEnv: 'PUID', gidEnv: 'PGID', defaultUid: 1000, defaultGid: 1000, via: 'su-exec' },
      preparesAsRoot: ['/app/data'],
      source:
        'jamcalli/Pulsarr Dockerfile and docker-entrypoint.sh (docs/app-facts-verified.md §1: no USER; root mode chowns /app/data and runs via su-exec as PUID/PGID; rootless mode runs as is)',
    },
  },
  containers: {
    'pulsarr/pulsarr': {
      writes: ['/app/data', '/app/build-cache', '/tmp'],
      source: 'docs/app-facts-verified.md §1 (entrypoint mkdir -p /app/data/db /app/data/logs /app/build-cache)',
    },
    'pulsarr-setup/pulsarr-setup': { writes: ['/tmp'], source: 'src/apps/pulsarr/pulsarr-setup.py (HTTP calls only; setup-job.ts mounts /tmp)' },
  },
};
