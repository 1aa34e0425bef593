import type { AppFacts } from '../../gates/behaviour-facts.js';

/** Byparr's facts (sources: docs/app-facts-verified.md); its port is FlareSolverr's (`SOLVER_PORT`). */

// renovate: datasource=docker depName=ghcr.io/thephaseless/byparr
export const BYPARR_IMAGE = 'ghcr.io/thephaseless/byparr:3.0.0';

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const BYPARR_FACTS: AppFacts = {
  images: {
    'ghcr.io/thephaseless/byparr': {
      imageUser: { uid: 1000, gid: 0 },
      asRoot: { kind: 'stays-root' },
      source: 'ThePhaseless/Byparr v3.0.0:Dockerfile (USER 1000; /cache chmod -R o+w; HOME=/tmp)',
    },
  },
  containers: {
    'byparr/byparr': { writes: ['/tmp', '/dev/shm'], source: 'ThePhaseless/Byparr v3.0.0:Dockerfile (HOME=/tmp; /cache world-writable in the image)' },
  },
};
