import type { AppFacts } from '../../gates/behaviour-facts.js';

/** Profilarr's facts (sources: docs/app-facts-verified.md). */

// renovate: datasource=docker depName=ghcr.io/dictionarry-hub/profilarr
export const PROFILARR_IMAGE = 'ghcr.io/dictionarry-hub/profilarr:2.2.0';

export const PROFILARR_PORT = 6868;

/** The CronJob that creates the admin account and the Arr connections (src/apps/profilarr/profilarr-setup.py). */
export const PROFILARR_SETUP_JOB = 'profilarr-setup';

/** The Servarr kinds its profiles are for (Sonarr and Radarr). */
export const PROFILARR_ARR_KINDS: readonly string[] = ['sonarr', 'radarr'];

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const PROFILARR_FACTS: AppFacts = {
  images: {
    'ghcr.io/dictionarry-hub/profilarr': {
      // The v2 sources are not in the readable snapshot; the stack always sets runAsUser.
      imageUser: 'unverified',
      asRoot: { kind: 'stays-root' },
      source: 'not verified (Dictionarry-Hub/profilarr snapshot holds v1 only); the pod runs it as runAsUser, so a non-root start cannot switch user',
    },
  },
  containers: {
    'profilarr-setup/profilarr-setup': { writes: ['/tmp'], source: "src/apps/profilarr/profilarr-setup.py (HTTP calls only; /tmp is the setup job's scratch)" },
    'profilarr/profilarr': { writes: ['/config', '/tmp'], source: 'app-facts: Profilarr v2 keeps its SQLite database in /config' },
  },
};
