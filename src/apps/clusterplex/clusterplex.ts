import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { StackConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { IMAGES } from '../../lib/images.js';
import { PORTS } from '../../lib/ports.js';
import { appLabels, container, podSpec, selectorLabels } from '../../lib/pod.js';
import { gpuNodePlacement, storageNodePlacement } from '../../lib/placement.js';
import { CLAIMS, dfsMount, dfsVolume, hostPathVolume, mediaVolume, PATHS, symlinkVolume, transcodeVolume } from '../../lib/storage.js';
import { setFileName } from '../../lib/component.js';
import { addHeadlessService, addService, addWorkload, declareHostLayoutExceptions, scratchVolume } from '../../lib/workload.js';
import { GPU_RESOURCE, ORCHESTRATOR_PORT, orchestratorUrl, sharedPlexDirMounts } from '../plex/plex.js';

/** Worker health server (`LISTENING_PORT`); no Plex server listens in a worker. */
export const WORKER_PORT = PORTS.clusterplexWorker;

/**
 * ClusterPlex orchestrator and Intel-GPU workers. Workers run the same pinned Plex image as PMS
 * (codecs break when versions differ), mount media, symlinks, DFS and transcode at exactly the
 * PMS paths, share PMS's Drivers/Cache directories, and use VA-API (`FFMPEG_HWACCEL=vaapi`; QSV
 * is rejected by the worker).
 */
export class ClusterPlex extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/clusterplex`,
      fluxName: 'clusterplex',
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `ClusterPlex orchestrator (port ${ORCHESTRATOR_PORT}) and ${cfg.apps.clusterplex.workers} GPU worker(s)`,
    });
    const c = cfg.apps.clusterplex;

    addWorkload(this, cfg, {
      name: 'clusterplex-orchestrator',
      app: 'clusterplex-orchestrator',
      controller: 'Deployment',
      fileName: 'orchestrator-deployment.yaml',
      pod: {
        ...storageNodePlacement(cfg),
        containers: [
          container({
            name: 'orchestrator',
            image: IMAGES.clusterplexOrchestrator,
            ports: [{ name: 'http', port: ORCHESTRATOR_PORT }],
            env: {
              TZ: cfg.timezone,
              LISTENING_PORT: String(ORCHESTRATOR_PORT),
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
    addService(this, cfg, {
      name: 'clusterplex-orchestrator',
      instance: 'clusterplex-orchestrator',
      ports: [{ name: 'http', port: ORCHESTRATOR_PORT }],
      fileName: 'orchestrator-service.yaml',
    });

    if (c.workers === 0) return;
    const codecs = { volume: 'codecs', path: '/codecs' };
    const worker = container({
      name: 'worker',
      image: IMAGES.plex,
      ports: [{ name: 'health', port: WORKER_PORT }],
      env: {
        PUID: String(cfg.uid),
        PGID: String(cfg.gid),
        TZ: cfg.timezone,
        VERSION: 'docker',
        DOCKER_MODS: IMAGES.clusterplexWorkerMod,
        ORCHESTRATOR_URL: orchestratorUrl(cfg),
        LISTENING_PORT: String(WORKER_PORT),
        STAT_CPU_INTERVAL: '10000',
        EAE_SUPPORT: '1',
        FFMPEG_HWACCEL: 'vaapi',
      },
      mounts: [
        { volume: CLAIMS.media, path: PATHS.media, readOnly: true },
        { volume: CLAIMS.symlinks, path: PATHS.symlinks, readOnly: true },
        ...(cfg.apps.decypharr.enabled ? [dfsMount(cfg)] : []),
        { volume: CLAIMS.transcode, path: PATHS.transcode },
        ...sharedPlexDirMounts(),
        codecs,
      ],
      // The mod installs packages and downloads codecs at start: allow 10 minutes.
      probes: { check: { http: '/health', port: 'health' }, startupSeconds: 600 },
      resources: { cpuRequest: '500m', memoryRequest: '512Mi', memoryLimit: '3Gi' },
      extendedResources: { [GPU_RESOURCE]: 1 },
      security: { runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false },
    });
    const volumes: k8s.Volume[] = [
      mediaVolume(cfg),
      symlinkVolume(cfg),
      ...(cfg.apps.decypharr.enabled ? [dfsVolume(cfg, cfg.apps.decypharr.dfsHostPath)] : []),
      transcodeVolume(cfg),
      ...(cfg.storage.mode === 'hostPath'
        ? [hostPathVolume('codecs', `${cfg.storage.hostPathRoot}/config/clusterplex-worker/codecs`)]
        : []),
    ];
    const name = 'clusterplex-worker';
    const labels = appLabels(name);
    const workerPod = podSpec(cfg, { ...gpuNodePlacement(cfg), startsAsRoot: true, containers: [worker], volumes });
    const workerSet = setFileName(
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
    );
    declareHostLayoutExceptions(this, cfg, workerSet, workerPod);
    addHeadlessService(this, cfg, { name, instance: name, ports: [{ name: 'health', port: WORKER_PORT }] });
    const self = { app: name };
    this.addCall(
      { from: self, to: { app: 'clusterplex-orchestrator' }, ports: [ORCHESTRATOR_PORT], why: 'workers register with the orchestrator and take jobs' },
      { from: self, to: { app: 'plex' }, ports: [PORTS.plex, PORTS.plexRelay], why: 'progress reports through the PMS relay' },
      { from: self, to: 'internet', ports: 'any', why: 'the worker mod installs packages and downloads codecs at start' },
    );
    this.addSecurityExceptionFor(workerSet, {
      container: 'worker',
      rules: ['run-as-non-root', 'read-only-root-filesystem', 'drop-all-capabilities'],
      reason:
        'linuxserver s6-overlay image with the ClusterPlex worker Docker mod: starts as root to install the mod and join the /dev/dri groups, then runs as PUID/PGID',
    });
  }
}
