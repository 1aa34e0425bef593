import type { AppFacts } from '../../gates/behaviour-facts.js';

/** FlareSolverr's facts (sources: docs/app-facts-verified.md). */

// renovate: datasource=docker depName=ghcr.io/flaresolverr/flaresolverr
export const FLARESOLVERR_IMAGE = 'ghcr.io/flaresolverr/flaresolverr:v3.5.0';

/** FlareSolverr's API port; Byparr listens on the same port and speaks the same `POST /v1` API. */
export const SOLVER_PORT = 8191;

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const FLARESOLVERR_FACTS: AppFacts = {
  images: {
    'ghcr.io/flaresolverr/flaresolverr': {
      // useradd without -u on Debian: the first regular uid, 1000 [I].
      imageUser: { uid: 1000, gid: 1000 },
      asRoot: { kind: 'stays-root' },
      source: 'FlareSolverr/FlareSolverr v3.5.0:Dockerfile (useradd flaresolverr, USER flaresolverr, ENTRYPOINT dumb-init)',
    },
  },
  containers: {
    'flaresolverr/flaresolverr': { writes: ['/tmp', '/dev/shm'], source: 'FlareSolverr/FlareSolverr v3.5.0 (Chromium profile in /tmp, shared memory)' },
  },
};
