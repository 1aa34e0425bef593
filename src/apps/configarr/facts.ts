import { rootImage, type AppFacts } from '../../gates/behaviour-facts.js';

/** Configarr's facts (sources: docs/app-facts-verified.md). */

// renovate: datasource=docker depName=ghcr.io/raydak-labs/configarr
export const CONFIGARR_IMAGE = 'ghcr.io/raydak-labs/configarr:1.30.1';

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const CONFIGARR_FACTS: AppFacts = {
  images: {
    'ghcr.io/raydak-labs/configarr': rootImage('raydak-labs/configarr v1.30.1:Dockerfile (prod stage: "#USER node" commented out, CMD dumb-init node index.js)'),
  },
  containers: {
    'configarr/configarr': { writes: ['/app/repos', '/tmp'], source: 'raydak-labs/configarr (clones the TRaSH/Recyclarr repos into /app/repos)' },
  },
};
