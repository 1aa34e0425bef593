import type { AppFacts } from '../../gates/behaviour-facts.js';
import type { SiteConfig } from '../../config/types.js';

/** ClusterPlex's images: the orchestrator and the Docker mods for PMS and for the workers (which run the Plex image). */
export const CLUSTERPLEX_IMAGES = {
  // renovate: datasource=docker depName=ghcr.io/pabloromeo/clusterplex_dockermod
  clusterplexPmsMod: 'ghcr.io/pabloromeo/clusterplex_dockermod:1.4.15',
  // renovate: datasource=docker depName=ghcr.io/pabloromeo/clusterplex_worker_dockermod
  clusterplexWorkerMod: 'ghcr.io/pabloromeo/clusterplex_worker_dockermod:1.4.15',
  // renovate: datasource=docker depName=ghcr.io/pabloromeo/clusterplex_orchestrator
  clusterplexOrchestrator: 'ghcr.io/pabloromeo/clusterplex_orchestrator:1.4.15',
} as const;

/** The orchestrator: its app label (= Service name) and port. */
export const ORCHESTRATOR = { app: 'clusterplex-orchestrator', port: 3500 } as const;
/** Worker health server (`LISTENING_PORT`); no Plex server listens in a worker. */
export const WORKER_PORT = 3501;

/** Where PMS (with the PMS mod) and the workers reach the orchestrator. */
export function orchestratorUrl(site: Pick<SiteConfig, 'namespace'>): string {
  return `http://${ORCHESTRATOR.app}.${site.namespace}.svc.cluster.local:${ORCHESTRATOR.port}`;
}

/** Who ClusterPlex's containers run as and what they write (the worker's image is Plex's: src/apps/plex/facts.ts). */
export const CLUSTERPLEX_FACTS: AppFacts = {
  images: {
    'ghcr.io/pabloromeo/clusterplex_orchestrator': {
      imageUser: { uid: 0, gid: 0 },
      asRoot: { kind: 'stays-root' },
      source: 'pabloromeo/clusterplex v1.4.15:orchestrator/Dockerfile (FROM node:lts-slim, no USER, CMD node server.js)',
    },
  },
  containers: {
    'clusterplex-orchestrator/orchestrator': { writes: [], source: 'pabloromeo/clusterplex v1.4.15 orchestrator (in-memory state only)' },
    'clusterplex-worker/worker': {
      // PMS's Drivers and Cache directories, shared through the transcode volume.
      writes: ['/transcode', '/codecs', '/config/Library/Application Support/Plex Media Server/Drivers', '/config/Library/Application Support/Plex Media Server/Cache'],
      preparesAsRoot: ['/codecs'],
      source:
        'pabloromeo/clusterplex v1.4.15:worker/docker-mod/root/etc/s6-overlay/s6-rc.d/4-setup-codecs-dir/run (mkdir -p /codecs; chown abc:abc /codecs); transcodes into /transcode',
    },
  },
};
