import type { Construct } from 'constructs';
import type { StackConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { publishFact } from '../../lib/published-facts.js';
import { IMAGES } from '../../lib/images.js';
import { PORTS } from '../../lib/ports.js';
import { container, withOverrides, type EnvValue, type Mount } from '../../lib/pod.js';
import { clientAddressServiceProps, gpuNodePlacement, streamingStackLabels, storageNodePlacement } from '../../lib/placement.js';
import {
  addConfigClaim, CLAIMS, configVolume, dfsMount, dfsVolume, mediaVolume, PATHS, symlinkVolume, transcodeVolume,
} from '../../lib/storage.js';
import { addIngress, addHeadlessService, addService, addWorkload } from '../../lib/workload.js';

export const PLEX_PORT = PORTS.plex;
/** ClusterPlex's nginx relay in the PMS pod: workers report progress through it. */
export const PLEX_RELAY_PORT = PORTS.plexRelay;
export const ORCHESTRATOR_PORT = PORTS.clusterplexOrchestrator;
export const GPU_RESOURCE = 'gpu.intel.com/i915';
export const PLEX_APP_SUPPORT = '/config/Library/Application Support/Plex Media Server';

/**
 * Plex's hardware drivers and cache, shared with ClusterPlex workers through the transcode
 * volume: Plex downloads the VA drivers matching the GPU where PMS runs, and workers need the
 * same files to transcode on their GPU (clusterplex#223, #321).
 */
export function sharedPlexDirMounts(): Mount[] {
  return [
    { volume: CLAIMS.transcode, path: `${PLEX_APP_SUPPORT}/Drivers`, subPath: 'plex-shared/Drivers' },
    { volume: CLAIMS.transcode, path: `${PLEX_APP_SUPPORT}/Cache`, subPath: 'plex-shared/Cache' },
  ];
}

export function orchestratorUrl(cfg: StackConfig): string {
  return `http://clusterplex-orchestrator.${cfg.namespace}.svc.cluster.local:${ORCHESTRATOR_PORT}`;
}

/**
 * Plex Media Server (linuxserver image, the base the ClusterPlex mods target) with the ClusterPlex
 * PMS mod when ClusterPlex is enabled. The same pinned Plex build runs in the workers.
 *
 * It starts as root: s6-overlay adds the user to the /dev/dri groups, installs the Docker mod
 * and then runs Plex as PUID/PGID. Docker mods do not run under a non-root or read-only setup.
 */
export class Plex extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/plex`,
      fluxName: 'plex',
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `Plex Media Server on port ${PLEX_PORT}${cfg.apps.clusterplex.enabled ? ' with the ClusterPlex PMS mod' : ''}`,
    });
    const p = cfg.apps.plex;
    const clusterplex = cfg.apps.clusterplex.enabled;
    const onGpuNode = p.placement === 'gpu-node';
    const placement = onGpuNode ? gpuNodePlacement(cfg) : storageNodePlacement(cfg, { streamingStack: true });
    this.addSecret('plex-secrets', [
      {
        key: 'claim',
        source: { kind: 'operator', optional: true, description: 'Plex claim token for the first start (https://www.plex.tv/claim, valid 4 minutes; ignored once claimed)' },
      },
      {
        key: 'token',
        source: { kind: 'operator', optional: !cfg.apps.pulsarr.enabled, description: 'Plex auth token (X-Plex-Token) for Pulsarr watchlist sync' },
      },
    ]);

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
        DOCKER_MODS: IMAGES.clusterplexPmsMod,
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

    addConfigClaim(this, cfg, 'plex', p.configSize ?? '50Gi');
    const workload = addWorkload(this, cfg, {
      name: 'plex',
      controller: 'StatefulSet',
      podLabels: onGpuNode ? {} : streamingStackLabels(cfg),
      pod: {
        // On the GPU node PMS sees the GPU and plans hardware transcodes; every volume it reads
        // (Longhorn RWX, NAS NFS, the DFS export) mounts on any node, so it need not follow the
        // streaming stack.
        ...placement,
        startsAsRoot: true,
        supplementalGroups: p.gpu ? [p.renderGroupId] : [],
        containers: [
          container({
            name: 'plex',
            image: IMAGES.plex,
            ports,
            env,
            mounts: [
              { volume: 'config', path: PATHS.config },
              { volume: CLAIMS.media, path: PATHS.media, readOnly: true },
              { volume: CLAIMS.symlinks, path: PATHS.symlinks, readOnly: true },
              ...(cfg.apps.decypharr.enabled ? [dfsMount(cfg)] : []),
              { volume: CLAIMS.transcode, path: PATHS.transcode },
              ...(clusterplex ? sharedPlexDirMounts() : []),
            ],
            // First start installs the mod and migrates the database: allow 10 minutes.
            probes: { check: { http: '/identity', port: 'plex' }, startupSeconds: 600 },
            resources: withOverrides({ cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '4Gi' }, p.resources),
            extendedResources: p.gpu ? { [GPU_RESOURCE]: 1 } : {},
            security: { runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false },
          }),
        ],
        volumes: [
          configVolume(cfg, 'plex'),
          mediaVolume(cfg),
          symlinkVolume(cfg),
          ...(cfg.apps.decypharr.enabled ? [dfsVolume(cfg, cfg.apps.decypharr.dfsHostPath)] : []),
          transcodeVolume(cfg),
        ],
      },
    });
    this.addSecurityExceptionFor(workload, {
      container: 'plex',
      rules: ['run-as-non-root', 'read-only-root-filesystem', 'drop-all-capabilities'],
      reason:
        'linuxserver s6-overlay image: starts as root to add the user to the /dev/dri groups and install the ClusterPlex Docker mod, then runs Plex as PUID/PGID; mods do not run non-root or read-only',
    });

    const self = { app: 'plex' };
    // Players on the LAN (and remote clients) connect to the LoadBalancer with their own addresses.
    this.addCall({ from: 'anywhere', to: self, ports: [PLEX_PORT], why: 'Plex clients' });
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'plex.tv sign-in, metadata agents and updates' });
    if (clusterplex) this.addCall({ from: self, to: { app: 'clusterplex-orchestrator' }, ports: [ORCHESTRATOR_PORT], why: 'transcode jobs to the ClusterPlex orchestrator' });
    addService(this, cfg, {
      name: 'plex',
      instance: 'plex',
      ports,
      type: p.serviceType,
      ...(p.loadBalancerIP ? { loadBalancerIP: p.loadBalancerIP } : {}),
      // Plex needs the clients' real addresses to tell LAN from remote streams (MetalLB
      // speakers need the same tolerations as ServiceLB's svclb pods: see the runbook).
      ...clientAddressServiceProps(p.serviceType, placement),
    });
    addHeadlessService(this, cfg, { name: 'plex', instance: 'plex', ports: [{ name: 'plex', port: PLEX_PORT }] });
    // Plex clients sign in with their plex.tv account and cannot answer a forward-auth login.
    addIngress(this, cfg, { name: 'plex', instance: 'plex', service: 'plex', port: 'plex', forwardAuth: false, call: { coveredBy: "the Plex clients' call from anywhere" } });
  }
}
