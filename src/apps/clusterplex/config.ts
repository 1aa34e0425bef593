import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { absPath, bool, dnsLabel, inCidr, int, ipv4Value, node, oneOf, optional, parseCidr, unicastIpv4, type ConfigIssue } from '../../config/schema.js';
import type { AppConfig, StackConfig } from '../../config/types.js';

/** How the orchestrator's Service is reached: in the cluster only, or from the LAN too (an external worker). */
export interface OrchestratorServiceConfig {
  /**
   * `ClusterIP`: in-cluster only. An external worker needs `LoadBalancer` or `NodePort`; both get
   * `externalTrafficPolicy: Local` (the worker's own address reaches the pod, and only a node
   * running the orchestrator answers). @default 'ClusterIP'
   */
  readonly type: 'ClusterIP' | 'LoadBalancer' | 'NodePort';
  /**
   * Fixed LoadBalancer IP (MetalLB): the address an external worker dials. k3s ServiceLB ignores it
   * and publishes the address of the node that runs the orchestrator. @default - assigned by the load balancer
   */
  readonly loadBalancerIP?: string;
  /** Fixed node port (type `NodePort`). @default - assigned by Kubernetes */
  readonly nodePort?: number;
}

/** Host directories of the machine that runs the external worker, mounted at exactly the PMS paths. */
export interface ExternalWorkerPathsConfig {
  /** The media library. @default - `storage.media.path` (the worker runs on the NAS that exports it); required with `storage.mode: 'hostPath'` */
  readonly media?: string;
  /** The transcode share (also holds PMS's shared Drivers/Cache). @default - `storage.transcode.path`; required with `storage.mode: 'hostPath'` */
  readonly transcode?: string;
  /** The symlink library, if the NAS mounts it. @default - not mounted: streaming titles transcode on PMS's side */
  readonly symlinks?: string;
  /** Decypharr's DFS, if the NAS mounts its export. @default - not mounted: streaming titles transcode on PMS's side */
  readonly dfs?: string;
}

/** A ClusterPlex worker outside the cluster (Docker Compose on the NAS), for GPU transcodes without the GPU node. */
export interface ExternalWorkerConfig {
  /** Write `docs/<cluster>/clusterplex-external-worker.compose.yaml`. @default false */
  readonly enabled: boolean;
  /**
   * LAN address of the worker's host: its source address, the only one the NetworkPolicies admit
   * to the orchestrator and Plex's relay (as a /32). @default - none (required when enabled)
   */
  readonly address?: string;
  /** The worker's hostname: the name the orchestrator logs when it registers. @default 'clusterplex-worker-nas' */
  readonly hostname: string;
  /**
   * The address the worker dials for the orchestrator: its LoadBalancer IP, or (NodePort, k3s
   * ServiceLB) the LAN address of the node that runs it — with `externalTrafficPolicy: Local` only
   * that node keeps the worker's address. @default - `orchestratorService.loadBalancerIP`
   */
  readonly orchestratorAddress?: string;
  /** Where the worker reaches Plex's relay (progress reports). @default - `apps.plex.loadBalancerIP` */
  readonly plexAddress?: string;
  /** @default - see ExternalWorkerPathsConfig */
  readonly paths: ExternalWorkerPathsConfig;
  /** Pass the host's Intel GPU (`/dev/dri`) and transcode with VA-API. @default true */
  readonly gpu: boolean;
}

export interface ClusterPlexConfig extends AppConfig {
  /** Number of GPU workers. @default 1 */
  readonly workers: number;
  /** @default 'LOAD_RANK' */
  readonly workerSelectionStrategy: 'LOAD_RANK' | 'LOAD_CPU' | 'LOAD_TASKS' | 'RR';
  /** @default - see OrchestratorServiceConfig */
  readonly orchestratorService: OrchestratorServiceConfig;
  /** @default - see ExternalWorkerConfig (off) */
  readonly externalWorker: ExternalWorkerConfig;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /** ClusterPlex orchestrator and GPU workers. @default - enabled, 1 worker */
    readonly clusterplex: ClusterPlexConfig;
  }
}

export const clusterplexConfig: AppConfigSlice<'clusterplex'> = {
  key: 'clusterplex',
  schema: appSchema({
    workers: int(0, 16),
    workerSelectionStrategy: oneOf(['LOAD_RANK', 'LOAD_CPU', 'LOAD_TASKS', 'RR']),
    orchestratorService: node({ type: oneOf(['ClusterIP', 'LoadBalancer', 'NodePort']), loadBalancerIP: optional(unicastIpv4), nodePort: optional(int(30000, 32767)) }),
    externalWorker: node({
      enabled: bool,
      address: optional(unicastIpv4),
      hostname: dnsLabel,
      orchestratorAddress: optional(unicastIpv4),
      plexAddress: optional(unicastIpv4),
      paths: node({ media: optional(absPath), transcode: optional(absPath), symlinks: optional(absPath), dfs: optional(absPath) }),
      gpu: bool,
    }),
  }),
  defaults: {
    enabled: true,
    workers: 1,
    workerSelectionStrategy: 'LOAD_RANK',
    orchestratorService: { type: 'ClusterIP' },
    externalWorker: { enabled: false, hostname: 'clusterplex-worker-nas', paths: {}, gpu: true },
  },
};

/** What an external worker needs from the rest of the config (checked with the other cross-field rules). */
export function externalWorkerIssues(c: StackConfig): ConfigIssue[] {
  const cp = c.apps.clusterplex;
  const w = cp.externalWorker;
  const issues: ConfigIssue[] = [];
  const need = (cond: boolean, path: string, message: string) => {
    if (cond) issues.push({ path, message });
  };
  need(
    cp.orchestratorService.loadBalancerIP !== undefined && cp.orchestratorService.type !== 'LoadBalancer',
    'apps.clusterplex.orchestratorService.loadBalancerIP',
    `is set but the type is '${cp.orchestratorService.type}'; set type to 'LoadBalancer' or remove loadBalancerIP`,
  );
  if (!cp.enabled || !w.enabled) return issues;
  const base = 'apps.clusterplex.externalWorker';
  need(!w.address, `${base}.address`, "is required: the worker host's LAN address, e.g. '192.168.1.20' (NetworkPolicies admit exactly it)");
  // A cluster address would admit whichever pod or Service holds it, not the worker's host.
  const addr = w.address ? ipv4Value(w.address) : undefined;
  for (const range of ['podCidr', 'serviceCidr'] as const) {
    const cidr = parseCidr(c.network[range]);
    need(
      addr !== undefined && cidr !== undefined && inCidr(addr, cidr),
      `${base}.address`,
      `'${w.address}' is inside network.${range} (${c.network[range]}), an address of the cluster, not of the worker's host; use the host's LAN address`,
    );
  }
  need(
    cp.orchestratorService.type === 'ClusterIP',
    'apps.clusterplex.orchestratorService.type',
    "is 'ClusterIP', which the external worker cannot reach from the LAN; set it to 'LoadBalancer' (with loadBalancerIP) or 'NodePort' (with nodePort)",
  );
  need(
    cp.orchestratorService.type === 'NodePort' && cp.orchestratorService.nodePort === undefined,
    'apps.clusterplex.orchestratorService.nodePort',
    'is required with type NodePort: the external worker dials a fixed port, e.g. 30500',
  );
  need(
    !w.orchestratorAddress && !(cp.orchestratorService.type === 'LoadBalancer' && cp.orchestratorService.loadBalancerIP),
    `${base}.orchestratorAddress`,
    'is required: set apps.clusterplex.orchestratorService.loadBalancerIP (type LoadBalancer) or the node address the worker dials here',
  );
  need(
    c.apps.plex.serviceType !== 'LoadBalancer',
    'apps.plex.serviceType',
    `is '${c.apps.plex.serviceType}', but the external worker reports progress to Plex's relay on its own port (32499) of the LoadBalancer; set it to 'LoadBalancer'`,
  );
  need(!w.plexAddress && !c.apps.plex.loadBalancerIP, `${base}.plexAddress`, "is required: set apps.plex.loadBalancerIP or the address of Plex's LoadBalancer here");
  for (const p of ['media', 'transcode'] as const) {
    need(
      c.storage.mode === 'hostPath' && !w.paths[p],
      `${base}.paths.${p}`,
      `is required with storage.mode 'hostPath': the worker host's directory with the same files as ${c.storage.hostPathRoot} on the node`,
    );
  }
  return issues;
}
