import type { ApiObject } from 'cdk8s';
import type * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { ResourcesConfig, StackConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { useGpu, useVolume, type GpuHandle, type PlexHandle, type VolumeHandle } from '../../lib/handles.js';
import { publishFact } from '../../lib/published-facts.js';
import { container, withOverrides, type EnvValue, type Mount } from '../../lib/pod.js';
import { clientAddressServiceProps, gpuNodePlacement, streamingStackLabels, storageNodePlacement } from '../../lib/placement.js';
import { addConfigClaim, configVolume, PATHS } from '../../lib/storage.js';
import { addIngress, addHeadlessService, addService, addWorkload } from '../../lib/workload.js';
import { CLUSTERPLEX_IMAGES, ORCHESTRATOR, orchestratorUrl } from '../clusterplex/facts.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { plexConfig } from './config.js';
import { PLEX_APP_SUPPORT, PLEX_IMAGES, PLEX_PORT, PLEX_RELAY_PORT } from './facts.js';
import { addPlexSetupJob, addPlexTokenSecret, addPlexTokenWriter, PLEX_SETUP_JOB, PLEX_TOKEN_SECRET, plexSetupData } from './setup.js';

export interface PlexProps {
  /** The namespace (the app depends on it; its site settings place and configure the pod). */
  readonly namespace: MediaNamespace;
  /** The permanent media library (mounted read-only). */
  readonly media: VolumeHandle;
  /** The symlink library with Decypharr's downloads (mounted read-only). */
  readonly symlinks: VolumeHandle;
  /** The transcode scratch space (shared with the ClusterPlex workers). */
  readonly transcode: VolumeHandle;
  /** Decypharr's DFS, which the symlinks point into. @default - no DFS */
  readonly dfs?: VolumeHandle;
  /**
   * Give PMS a GPU share. Plex only asks ClusterPlex workers for hardware transcodes when it
   * decides on hardware encoding itself, which needs a GPU where PMS runs. @default - no GPU
   */
  readonly gpu?: GpuHandle;
  /** GID of the host's `render` group (owner of /dev/dri/renderD*), a supplemental group with `gpu`. @default 109 */
  readonly renderGroupId?: number;
  /** `gpu-node`: next to the workers, so PMS sees the GPU; `storage-nodes`: with the streaming stack. @default 'gpu-node' */
  readonly placement?: 'gpu-node' | 'storage-nodes';
  /** Service type for client access. @default 'LoadBalancer' */
  readonly serviceType?: 'LoadBalancer' | 'ClusterIP' | 'NodePort';
  /** Fixed LoadBalancer IP (MetalLB). @default - assigned by the load balancer */
  readonly loadBalancerIP?: string;
  /** Run the ClusterPlex PMS mod, which hands transcodes to the orchestrator. @default false */
  readonly clusterPlex?: boolean;
  /**
   * The stack config, for plex-setup's libraries and preferences (apps.plex.setupJob and
   * friends) and the token writer (apps.plex.tokenWriter). @default - neither: the Secret
   * plex-token is still created, for you to fill
   */
  readonly setup?: StackConfig;
  /** Container resources over the defaults. @default - 200m CPU, 512Mi memory, 4Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default '50Gi' */
  readonly configSize?: string;
}

/**
 * Plex's hardware drivers and cache, shared with ClusterPlex workers through the transcode
 * volume: Plex downloads the VA drivers matching the GPU where PMS runs, and workers need the
 * same files to transcode on their GPU (clusterplex#223, #321).
 */
function sharedPlexDirMounts(transcodeVolume: string): Mount[] {
  return [
    { volume: transcodeVolume, path: `${PLEX_APP_SUPPORT}/Drivers`, subPath: 'plex-shared/Drivers' },
    { volume: transcodeVolume, path: `${PLEX_APP_SUPPORT}/Cache`, subPath: 'plex-shared/Cache' },
  ];
}

/** A used volume, mounted read-only. */
const readOnly = (v: { volume: k8s.Volume; mount: Mount }) => ({ volume: v.volume, mount: { ...v.mount, readOnly: true } });

/**
 * Plex Media Server (linuxserver image, the base the ClusterPlex mods target) with the ClusterPlex
 * PMS mod when ClusterPlex is enabled. The same pinned Plex build runs in the workers.
 *
 * It starts as root: s6-overlay adds the user to the /dev/dri groups, installs the Docker mod
 * and then runs Plex as PUID/PGID. Docker mods do not run under a non-root or read-only setup.
 * `ApiObject.of(plex)` is its StatefulSet; the construct is the Plex handle of its clients.
 */
export class Plex extends Component implements PlexHandle {
  readonly app = 'plex';
  readonly port = PLEX_PORT;
  readonly url: string;
  readonly image = PLEX_IMAGES.plex;
  readonly token = PLEX_TOKEN_SECRET;
  readonly relayPort?: number;
  readonly libraries: PlexHandle['libraries'];
  readonly sharedDirMounts: readonly Mount[];
  /** The StatefulSet. */
  readonly workload: ApiObject;
  readonly service: ApiObject;
  /** @default - none when the ingress is off */
  readonly ingress?: ApiObject;
  /** The plex-setup CronJob. @default - none when apps.plex.setupJob is off */
  readonly setupJob?: ApiObject;

  constructor(scope: Construct, id: string, props: PlexProps) {
    const cfg = props.namespace.site;
    const clusterplex = props.clusterPlex ?? false;
    super(scope, id, {
      dir: `apps/${cfg.namespace}/plex`,
      fluxName: 'plex',
      namespace: cfg.namespace,
      description: `Plex Media Server on port ${PLEX_PORT}${clusterplex ? ' with the ClusterPlex PMS mod' : ''}`,
    });
    this.url = `http://plex.${cfg.namespace}.svc.cluster.local:${PLEX_PORT}`;
    const serviceType = props.serviceType ?? plexConfig.defaults.serviceType;
    const onGpuNode = (props.placement ?? plexConfig.defaults.placement) === 'gpu-node';
    const placement = onGpuNode ? gpuNodePlacement(cfg) : storageNodePlacement(cfg, { streamingStack: true });

    // Dependencies in phase order: the namespace, the libraries, Decypharr, the GPU plugin.
    this.addDependency(props.namespace);
    const media = readOnly(useVolume(this, props.media));
    const symlinks = readOnly(useVolume(this, props.symlinks));
    const dfs = props.dfs ? useVolume(this, props.dfs) : undefined;
    const transcode = useVolume(this, props.transcode);
    const gpu = props.gpu ? useGpu(this, props.gpu) : undefined;
    this.libraries = [media, symlinks, ...(dfs ? [dfs] : []), transcode];
    this.sharedDirMounts = sharedPlexDirMounts(transcode.mount.volume);
    this.relayPort = clusterplex ? PLEX_RELAY_PORT : undefined;

    this.addSecret('plex-secrets', [
      {
        key: 'claim',
        source: { kind: 'operator', optional: true, description: 'Plex claim token for the first start (https://www.plex.tv/claim, valid 4 minutes; ignored once claimed)' },
      },
    ]);
    // The token is not an input: the server's own, copied by the token writer once it is claimed.
    addPlexTokenSecret(this, cfg);
    const tokenWriter = props.setup?.apps.plex.tokenWriter ? addPlexTokenWriter(this, cfg, 'config') : undefined;

    const env: Record<string, EnvValue> = {
      PUID: String(cfg.uid),
      PGID: String(cfg.gid),
      TZ: cfg.timezone,
      VERSION: 'docker',
      PLEX_CLAIM: { secret: 'plex-secrets', key: 'claim', optional: true },
    };
    publishFact(this, { kind: 'secret-input', instance: 'plex', purpose: 'plex-claim', env: 'PLEX_CLAIM', secret: 'plex-secrets', key: 'claim' });
    if (clusterplex) {
      Object.assign(env, {
        DOCKER_MODS: CLUSTERPLEX_IMAGES.clusterplexPmsMod,
        ORCHESTRATOR_URL: orchestratorUrl(cfg),
        // The transcoder shim exits unless PMS_SERVICE (with the local relay) or PMS_IP is set.
        PMS_SERVICE: 'plex',
        PMS_PORT: String(PLEX_PORT),
        LOCAL_RELAY_ENABLED: '1',
        LOCAL_RELAY_PORT: String(PLEX_RELAY_PORT),
        TRANSCODE_OPERATING_MODE: 'both',
      });
    }
    const ports = [{ name: 'plex', port: PLEX_PORT }, ...(clusterplex ? [{ name: 'relay', port: PLEX_RELAY_PORT }] : [])];

    addConfigClaim(this, cfg, 'plex', props.configSize ?? '50Gi');
    const workload = (this.workload = addWorkload(this, cfg, {
      name: 'plex',
      controller: 'StatefulSet',
      podLabels: onGpuNode ? {} : streamingStackLabels(cfg),
      pod: {
        // On the GPU node PMS sees the GPU and plans hardware transcodes; every volume it reads
        // (Longhorn RWX, NAS NFS, the DFS export) mounts on any node, so it need not follow the
        // streaming stack.
        ...placement,
        startsAsRoot: true,
        ...(tokenWriter ? { serviceAccountName: tokenWriter.serviceAccountName } : {}),
        supplementalGroups: props.gpu ? [props.renderGroupId ?? plexConfig.defaults.renderGroupId] : [],
        resourceClaims: gpu?.podClaims,
        containers: [
          container({
            name: 'plex',
            image: this.image,
            ports,
            env,
            mounts: [{ volume: 'config', path: PATHS.config }, ...this.libraries.map((l) => l.mount), ...(clusterplex ? this.sharedDirMounts : [])],
            // First start installs the mod and migrates the database: allow 10 minutes.
            probes: { check: { http: '/identity', port: 'plex' }, startupSeconds: 600 },
            resources: withOverrides({ cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '4Gi' }, props.resources),
            extendedResources: gpu?.extendedResources,
            claims: gpu?.claims,
            security: { runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false },
          }),
          ...(tokenWriter ? [tokenWriter.container] : []),
        ],
        volumes: [configVolume(cfg, 'plex'), ...this.libraries.map((l) => l.volume), ...(tokenWriter?.volumes ?? [])],
      },
    }));
    this.node.defaultChild = workload;
    this.addSecurityExceptionFor(workload, {
      container: 'plex',
      rules: ['run-as-non-root', 'read-only-root-filesystem', 'drop-all-capabilities'],
      reason:
        'linuxserver s6-overlay image: starts as root to add the user to the /dev/dri groups and install the ClusterPlex Docker mod, then runs Plex as PUID/PGID; mods do not run non-root or read-only',
    });

    const self = { app: this.app };
    // Players on the LAN (and remote clients) connect to the LoadBalancer with their own addresses.
    this.addCall({ from: 'anywhere', to: self, ports: [PLEX_PORT], why: 'Plex clients' });
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'plex.tv sign-in, metadata agents and updates' });
    if (clusterplex) this.addCall({ from: self, to: { app: ORCHESTRATOR.app }, ports: [ORCHESTRATOR.port], why: 'transcode jobs to the ClusterPlex orchestrator' });
    this.service = addService(this, cfg, {
      name: 'plex',
      instance: 'plex',
      ports,
      type: serviceType,
      ...(props.loadBalancerIP ? { loadBalancerIP: props.loadBalancerIP } : {}),
      // Plex needs the clients' real addresses to tell LAN from remote streams (MetalLB
      // speakers need the same tolerations as ServiceLB's svclb pods: see the runbook).
      ...clientAddressServiceProps(serviceType, placement),
    });
    addHeadlessService(this, cfg, { name: 'plex', instance: 'plex', ports: [{ name: 'plex', port: PLEX_PORT }] });
    // Plex clients sign in with their plex.tv account and cannot answer a forward-auth login.
    this.ingress = addIngress(this, cfg, {
      name: 'plex',
      instance: 'plex',
      service: 'plex',
      port: 'plex',
      forwardAuth: false,
      call: { coveredBy: "the Plex clients' call from anywhere" },
    });
    const setup = props.setup?.apps.plex.setupJob ? plexSetupData(props.setup, { url: this.url, gpu: props.gpu !== undefined }) : undefined;
    if (setup) this.setupJob = addPlexSetupJob(this, props.setup!, setup);
    publishFact(this, {
      kind: 'plex-setup',
      instance: 'plex',
      ...(this.setupJob ? { job: { cronJob: this.setupJob.name, container: PLEX_SETUP_JOB } } : {}),
      settings: (setup?.prefs ?? []).map((p) => ({ what: p.what, id: p.id, value: p.value })),
      libraries: (setup?.libraries ?? []).map((l) => ({ name: l.name, type: l.type, folders: l.folders })),
      token: this.token,
      ...(tokenWriter ? { tokenWriter: { container: tokenWriter.container.name, serviceAccount: tokenWriter.serviceAccountName } } : {}),
    });
  }
}
