import { JsonPatch, type ApiObject } from 'cdk8s';
import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { SiteConfig } from '../../config/types.js';
import { Component, hostPeer, setFileName } from '../../lib/component.js';
import { useGpu, type GpuHandle, type PlexHandle } from '../../lib/handles.js';
import { appLabels, container, podSpec, selectorLabels } from '../../lib/pod.js';
import { clientAddressServiceProps, gpuNodePlacement, storageNodePlacement } from '../../lib/placement.js';
import { publishFact } from '../../lib/published-facts.js';
import { hostPathVolume } from '../../lib/storage.js';
import { addHeadlessService, addService, addWorkload, declareHostLayoutExceptions, scratchVolume } from '../../lib/workload.js';
import { clusterplexConfig, type ExternalWorkerConfig, type OrchestratorServiceConfig } from './config.js';
import { EXTERNAL_WORKER_FILE, EXTERNAL_WORKER_SERVICE, externalOrchestratorUrl, externalWorkerProject } from './external-worker.js';
import { CLUSTERPLEX_IMAGES, ORCHESTRATOR, orchestratorUrl, WORKER_PORT } from './facts.js';

export interface ClusterPlexProps {
  /** The site settings (placement, the stack user and the namespace, which is Plex's). */
  readonly site: SiteConfig;
  /** Plex with the ClusterPlex PMS mod: applied first; the workers run its image and mount its libraries at its paths. */
  readonly plex: PlexHandle;
  /** The GPU every worker requests a share of (the workers depend on its plugin). */
  readonly gpu: GpuHandle;
  /** Number of GPU workers. @default 1 */
  readonly workers?: number;
  /** How the orchestrator picks a worker. @default 'LOAD_RANK' */
  readonly workerSelectionStrategy?: 'LOAD_RANK' | 'LOAD_CPU' | 'LOAD_TASKS' | 'RR';
  /** How the orchestrator's Service is reached. @default - ClusterIP */
  readonly orchestratorService?: OrchestratorServiceConfig;
  /**
   * A worker outside the cluster: a Compose file for its host, and the orchestrator and Plex's
   * relay open to its `address` (a /32), which needs Plex's Service to keep client addresses
   * (`externalTrafficPolicy: Local`, as Plex sets it). `plexAddress` is Plex's LoadBalancer IP.
   * @default - none
   */
  readonly externalWorker?: ExternalWorkerConfig & { readonly plexAddress: string };
}

/** The environment of a worker (in the cluster or outside it) that dials `orchestratorUrl`. */
function workerEnv(cfg: SiteConfig, orchestrator: string, gpu: boolean): Record<string, string> {
  return {
    PUID: String(cfg.uid),
    PGID: String(cfg.gid),
    TZ: cfg.timezone,
    VERSION: 'docker',
    DOCKER_MODS: CLUSTERPLEX_IMAGES.clusterplexWorkerMod,
    ORCHESTRATOR_URL: orchestrator,
    LISTENING_PORT: String(WORKER_PORT),
    STAT_CPU_INTERVAL: '10000',
    EAE_SUPPORT: '1',
    ...(gpu ? { FFMPEG_HWACCEL: 'vaapi' } : {}),
  };
}

/**
 * ClusterPlex orchestrator and Intel-GPU workers. Workers run the same pinned Plex image as PMS
 * (codecs break when versions differ), mount media, symlinks, DFS and transcode at exactly the
 * PMS paths, share PMS's Drivers/Cache directories, and use VA-API (`FFMPEG_HWACCEL=vaapi`; QSV
 * is rejected by the worker).
 */
export class ClusterPlex extends Component {
  /** The orchestrator's Deployment. */
  readonly workload: ApiObject;
  /** The orchestrator's Service. */
  readonly service: ApiObject;
  /** The workers' StatefulSet. @default - none with 0 workers */
  readonly workers?: ApiObject;

  constructor(scope: Construct, id: string, props: ClusterPlexProps) {
    const cfg = props.site;
    const plex = props.plex;
    const c = {
      workers: props.workers ?? clusterplexConfig.defaults.workers,
      workerSelectionStrategy: props.workerSelectionStrategy ?? clusterplexConfig.defaults.workerSelectionStrategy,
    };
    if (plex.relayPort === undefined) throw new Error('ClusterPlex needs Plex with the ClusterPlex PMS mod: create Plex with `clusterPlex: true`');
    super(scope, id, {
      dir: `apps/${cfg.namespace}/clusterplex`,
      fluxName: 'clusterplex',
      namespace: cfg.namespace,
      description: `ClusterPlex orchestrator (port ${ORCHESTRATOR.port}) and ${c.workers} GPU worker(s)`,
    });
    this.addDependency(plex);

    this.workload = addWorkload(this, cfg, {
      name: ORCHESTRATOR.app,
      app: ORCHESTRATOR.app,
      controller: 'Deployment',
      fileName: 'orchestrator-deployment.yaml',
      pod: {
        ...storageNodePlacement(cfg),
        containers: [
          container({
            name: 'orchestrator',
            image: CLUSTERPLEX_IMAGES.clusterplexOrchestrator,
            ports: [{ name: 'http', port: ORCHESTRATOR.port }],
            env: {
              TZ: cfg.timezone,
              LISTENING_PORT: String(ORCHESTRATOR.port),
              WORKER_SELECTION_STRATEGY: c.workerSelectionStrategy,
            },
            mounts: [{ volume: 'tmp', path: '/tmp' }],
            probes: { check: { http: '/health', port: 'http' }, startupSeconds: 120 },
            resources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
          }),
        ],
        volumes: [scratchVolume()],
      },
    });
    this.node.defaultChild = this.workload;
    const orchestratorService = props.orchestratorService ?? clusterplexConfig.defaults.orchestratorService;
    this.service = addService(this, cfg, {
      name: ORCHESTRATOR.app,
      instance: ORCHESTRATOR.app,
      ports: [{ name: 'http', port: ORCHESTRATOR.port }],
      type: orchestratorService.type,
      ...(orchestratorService.loadBalancerIP ? { loadBalancerIP: orchestratorService.loadBalancerIP } : {}),
      // Local keeps the external worker's own address, which the NetworkPolicy admits.
      ...clientAddressServiceProps(orchestratorService.type, storageNodePlacement(cfg)),
      fileName: 'orchestrator-service.yaml',
    });
    if (orchestratorService.nodePort !== undefined) this.service.addJsonPatch(JsonPatch.add('/spec/ports/0/nodePort', orchestratorService.nodePort));
    if (props.externalWorker?.enabled) this.addExternalWorker(cfg, plex, orchestratorService, props.externalWorker);

    if (c.workers === 0) return;
    const gpu = useGpu(this, props.gpu);
    const codecs = { volume: 'codecs', path: '/codecs' };
    const worker = container({
      name: 'worker',
      // Codecs and transcoder break when the versions differ: the identical Plex build.
      image: plex.image,
      ports: [{ name: 'health', port: WORKER_PORT }],
      env: workerEnv(cfg, orchestratorUrl(cfg), true),
      // Exactly as PMS mounts them: the transcoder gets PMS's paths.
      mounts: [...plex.libraries.map((l) => l.mount), ...plex.sharedDirMounts, codecs],
      // The mod installs packages and downloads codecs at start: allow 10 minutes.
      probes: { check: { http: '/health', port: 'health' }, startupSeconds: 600 },
      resources: { cpuRequest: '500m', memoryRequest: '512Mi', memoryLimit: '3Gi' },
      extendedResources: gpu.extendedResources,
      claims: gpu.claims,
      security: { runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false },
    });
    // Plex already waits for the libraries' owners; the workers wait for Plex.
    const volumes: k8s.Volume[] = [
      ...plex.libraries.map((l) => l.volume),
      ...(cfg.storage.mode === 'hostPath' ? [hostPathVolume('codecs', `${cfg.storage.hostPathRoot}/config/clusterplex-worker/codecs`)] : []),
    ];
    const name = 'clusterplex-worker';
    const labels = appLabels(name);
    const workerPod = podSpec(cfg, { ...gpuNodePlacement(cfg), startsAsRoot: true, containers: [worker], volumes, resourceClaims: gpu.podClaims });
    const workerSet = (this.workers = setFileName(
      new k8s.KubeStatefulSet(this, 'worker', {
        metadata: { name, namespace: cfg.namespace, labels },
        spec: {
          serviceName: `${name}-headless`,
          replicas: c.workers,
          // Workers are interchangeable: start them in parallel.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: selectorLabels(name) },
          template: {
            metadata: { labels },
            spec: workerPod,
          },
          // One codec cache per worker, so codecs are not downloaded on every start.
          ...(cfg.storage.mode === 'hostPath'
            ? {}
            : {
                volumeClaimTemplates: [
                  {
                    metadata: { name: 'codecs' },
                    spec: {
                      accessModes: ['ReadWriteOnce'],
                      storageClassName: cfg.storage.configStorageClass,
                      resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } },
                    },
                  },
                ],
              }),
        },
      }),
      'worker-statefulset.yaml',
    ));
    declareHostLayoutExceptions(this, cfg, workerSet, workerPod);
    addHeadlessService(this, cfg, { name, instance: name, ports: [{ name: 'health', port: WORKER_PORT }] });
    const self = { app: name };
    this.addCall(
      { from: self, to: { app: ORCHESTRATOR.app }, ports: [ORCHESTRATOR.port], why: 'workers register with the orchestrator and take jobs' },
      { from: self, to: { app: plex.app }, ports: [plex.port, plex.relayPort], why: 'progress reports through the PMS relay' },
      { from: self, to: 'internet', ports: 'any', why: 'the worker mod installs packages and downloads codecs at start' },
    );
    this.addSecurityExceptionFor(workerSet, {
      container: 'worker',
      rules: ['run-as-non-root', 'read-only-root-filesystem', 'drop-all-capabilities'],
      reason: 'linuxserver s6-overlay image with the ClusterPlex worker Docker mod: starts as root to install the mod and join the /dev/dri groups, then runs as PUID/PGID',
    });
  }
  /**
   * The worker outside the cluster: its Compose file (written below `docs/<cluster>/` by the docs
   * stage, never applied by Flux) and its calls, from the LAN, to the orchestrator and Plex's relay.
   */
  private addExternalWorker(cfg: SiteConfig, plex: PlexHandle, service: OrchestratorServiceConfig, worker: ExternalWorkerConfig & { readonly plexAddress: string }): void {
    const url = externalOrchestratorUrl(service, worker);
    const project = externalWorkerProject({ site: cfg, plex, worker, plexAddress: worker.plexAddress, env: workerEnv(cfg, url, worker.gpu) });
    if (!worker.address) throw new Error("apps.clusterplex.externalWorker.address: the worker host's LAN address is required (checked with the config)");
    // Its own address only, not the LAN: the orchestrator has no authentication. Both Services it
    // dials keep that address (externalTrafficPolicy Local, see clientAddressServiceProps), else
    // the node would SNAT it and the /32 would never match.
    const from = hostPeer(`external ClusterPlex worker ${worker.hostname}`, worker.address);
    publishFact(this, { kind: 'compose-file', instance: EXTERNAL_WORKER_SERVICE, file: EXTERNAL_WORKER_FILE, project, peer: from });
    this.addCall(
      { from, to: { app: ORCHESTRATOR.app }, ports: [ORCHESTRATOR.port], why: 'the external ClusterPlex worker registers and takes jobs' },
      { from, to: { app: plex.app }, ports: [plex.relayPort!], why: 'the external ClusterPlex worker reports progress through the PMS relay' },
    );
  }
}
