import type { SiteConfig } from '../../config/types.js';
import type { PlexHandle } from '../../lib/handles.js';
import type { Mount } from '../../lib/pod.js';
import { CLAIMS } from '../../lib/storage.js';
import type { ExternalWorkerConfig, OrchestratorServiceConfig } from './config.js';
import { ORCHESTRATOR, WORKER_PORT } from './facts.js';

/** The compose file's name below `docs/<cluster>/`: outside `clusters/`, so Flux never applies it. */
export const EXTERNAL_WORKER_FILE = 'clusterplex-external-worker.compose.yaml';
/** The Compose service name (the `docker compose` commands of the runbook use it). */
export const EXTERNAL_WORKER_SERVICE = 'clusterplex-worker';

/** Where a worker outside the cluster dials the orchestrator: its LoadBalancer IP, or a node's address and the node port. */
export function externalOrchestratorUrl(service: OrchestratorServiceConfig, worker: ExternalWorkerConfig): string {
  const host = worker.orchestratorAddress ?? service.loadBalancerIP;
  const port = service.type === 'NodePort' ? service.nodePort : ORCHESTRATOR.port;
  if (!host || port === undefined) throw new Error('apps.clusterplex.externalWorker.orchestratorAddress: no address the worker can dial (checked with the config)');
  return `http://${host}:${port}`;
}

/** The worker host's directory for each of PMS's volumes (by volume name); unmapped volumes are not mounted. */
function hostDirs(site: SiteConfig, w: ExternalWorkerConfig): ReadonlyMap<string, string> {
  const nfs = site.storage.mode === 'longhorn';
  const dirs: [string, string | undefined][] = [
    [CLAIMS.media, w.paths.media ?? (nfs ? site.storage.media.path : undefined)],
    [CLAIMS.transcode, w.paths.transcode ?? (nfs ? site.storage.transcode.path : undefined)],
    [CLAIMS.symlinks, w.paths.symlinks],
    [CLAIMS.dfs, w.paths.dfs],
  ];
  return new Map(dirs.filter((d): d is [string, string] => d[1] !== undefined));
}

/** A bind mount of the Compose spec (long syntax). */
interface ComposeBind {
  readonly type: 'bind';
  readonly source: string;
  readonly target: string;
  readonly read_only?: true;
}

/** The PMS mounts the worker needs, as binds of the host's directories at exactly PMS's paths; `missing` are the PMS paths it cannot mount. */
function externalWorkerBinds(site: SiteConfig, plex: PlexHandle, w: ExternalWorkerConfig): { binds: ComposeBind[]; missing: string[] } {
  const dirs = hostDirs(site, w);
  const binds: ComposeBind[] = [];
  const missing: string[] = [];
  const mounts: readonly Mount[] = [...plex.libraries.map((l) => l.mount), ...plex.sharedDirMounts];
  for (const m of mounts) {
    const dir = dirs.get(m.volume);
    if (!dir) {
      missing.push(m.path);
      continue;
    }
    binds.push({ type: 'bind', source: m.subPath ? `${dir}/${m.subPath}` : dir, target: m.path, ...(m.readOnly ? { read_only: true as const } : {}) });
  }
  return { binds, missing };
}

export interface ExternalWorkerProjectProps {
  readonly site: SiteConfig;
  readonly plex: PlexHandle;
  readonly worker: ExternalWorkerConfig;
  /** Plex's address on the LAN (its LoadBalancer IP): the worker resolves PMS's Service name to it. */
  readonly plexAddress: string;
  /** The worker's environment (shared with the in-cluster workers) for this orchestrator URL. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The Compose project (compose-spec) of one ClusterPlex worker outside the cluster: the identical
 * Plex build, PMS's paths, the worker mod and the in-cluster workers' settings. PMS rewrites the
 * transcoder's progress URL to `http://<PMS_SERVICE>:<relay port>` (pabloromeo/clusterplex v1.4.15
 * pms/app/transcoder.js), a name only the cluster resolves: `extra_hosts` maps it to Plex's
 * LoadBalancer, which serves the relay port too.
 */
export function externalWorkerProject(p: ExternalWorkerProjectProps): Record<string, unknown> {
  const { binds } = externalWorkerBinds(p.site, p.plex, p.worker);
  // No top-level `name`: the project is named after the file's folder, and Compose v1 (Debian's
  // docker-compose 1.29) rejects the key.
  return {
    services: {
      [EXTERNAL_WORKER_SERVICE]: {
        image: p.plex.image,
        // The orchestrator logs `Registering worker <id>|<hostname>`.
        hostname: p.worker.hostname,
        restart: 'unless-stopped',
        environment: p.env,
        extra_hosts: [`${p.plex.app}:${p.plexAddress}`],
        ...(p.worker.gpu ? { devices: ['/dev/dri:/dev/dri'] } : {}),
        volumes: [...binds, { type: 'volume', source: 'codecs', target: '/codecs' }],
        healthcheck: {
          test: ['CMD-SHELL', `curl -fsS http://localhost:${WORKER_PORT}/health > /dev/null || exit 1`],
          interval: '15s',
          timeout: '15s',
          retries: 5,
          // The mod installs packages and downloads codecs at start, as in the cluster.
          start_period: '600s',
        },
      },
    },
    // One codec cache, kept across restarts (as upstream's docker-compose.yaml does).
    volumes: { codecs: {} },
  };
}
