import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { ApiObject } from 'cdk8s';
import type { SiteConfig, StackConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import { addNfsVolume, CLAIMS } from '../../lib/storage.js';
import { PRUNE_DISABLED } from '../../output/state.js';

/**
 * Whether the namespace must enforce the `privileged` Pod Security level rather than `baseline`:
 * Decypharr's privileged FUSE container, host-path volumes (single-node mode), a VPN sidecar's
 * NET_ADMIN and ProtonWire's unsafe sysctls are all outside `baseline`.
 */
export function needsPrivilegedPss(cfg: StackConfig): boolean {
  return cfg.apps.decypharr.enabled || cfg.storage.mode === 'hostPath' || cfg.apps.qbittorrent.enabled;
}

/**
 * The namespace of the media apps. Flux never prunes it (a refactor must not delete every PVC
 * with it). Pod Security: `privileged` is required by Decypharr's FUSE mount; `restricted` is
 * reported as a warning so every other workload stays visible in audits.
 */
export interface MediaNamespaceProps {
  /** The site settings every app in the namespace follows (its name is `site.namespace`). */
  readonly site: SiteConfig;
  /** Enforce the `privileged` Pod Security level (see `needsPrivilegedPss`). @default false */
  readonly privileged?: boolean;
}

export class MediaNamespace extends Component {
  /** The namespace's name. */
  readonly name: string;
  /** The site settings the apps in it follow (placement, storage mode, ingress, user…). */
  readonly site: SiteConfig;
  readonly namespaceObject: ApiObject;

  constructor(scope: Construct, id: string, props: MediaNamespaceProps) {
    const cfg = props.site;
    super(scope, id, {
      dir: `apps/${cfg.namespace}`,
      fluxName: `${cfg.namespace}-namespace`,
      namespace: cfg.namespace,
      wait: true,
      description: `the ${cfg.namespace} namespace`,
    });
    this.name = cfg.namespace;
    this.site = cfg;
    this.namespaceObject = setFileName(
      new k8s.KubeNamespace(this, 'namespace', {
        metadata: {
          name: cfg.namespace,
          labels: {
            'app.kubernetes.io/part-of': 'media-stack',
            'pod-security.kubernetes.io/enforce': props.privileged ? 'privileged' : 'baseline',
            'pod-security.kubernetes.io/warn': 'restricted',
          },
          annotations: { ...PRUNE_DISABLED },
        },
      }),
      'namespace.yaml',
    );
    this.node.defaultChild = this.namespaceObject;
  }
}

/**
 * Mount options of the RWX share. They replace Longhorn's defaults as a whole (longhorn-manager
 * csi/node_server.go: `vers=4.1,noresvport,timeo=600,retrans=5` + `softerr`), so the version and
 * noresvport are repeated. Decypharr, the Arrs and arr-wiring write the symlink library: `hard`,
 * since a soft timeout fails writes midway (nfs(5)); a share manager that moves makes I/O wait.
 */
export const LONGHORN_RWX_NFS_OPTIONS = ['vers=4.1', 'noresvport', 'hard', 'timeo=600', 'retrans=5'] as const;

/** StorageClasses the stack needs (Longhorn mode): the RWX class of the symlink library. */
export class StorageClasses extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig) {
    super(scope, id, {
      dir: 'infrastructure/storage',
      fluxName: 'storage-classes',
      namespace: cfg.namespace,
      description: `StorageClass ${cfg.storage.rwxStorageClass} (Longhorn RWX over NFSv4, ${cfg.storage.rwxReplicas} replicas)`,
    });
    setFileName(
      new k8s.KubeStorageClass(this, 'rwx', {
        metadata: {
          name: cfg.storage.rwxStorageClass,
          labels: { 'app.kubernetes.io/part-of': 'media-stack' },
          // A StorageClass's parameters are immutable: Flux recreates it when they change (e.g. the
          // nfsOptions), which leaves existing PVs alone; without this the apply fails forever.
          annotations: { 'kustomize.toolkit.fluxcd.io/force': 'enabled' },
        },
        provisioner: 'driver.longhorn.io',
        allowVolumeExpansion: true,
        // The symlink library is state: keep the volume when its claim is deleted by mistake.
        reclaimPolicy: 'Retain',
        volumeBindingMode: 'Immediate',
        parameters: {
          numberOfReplicas: String(cfg.storage.rwxReplicas),
          staleReplicaTimeout: '2880',
          migratable: 'false',
          nfsOptions: LONGHORN_RWX_NFS_OPTIONS.join(','),
        },
      }),
      'storageclass-longhorn-rwx.yaml',
    );
  }
}

/**
 * The NFS volumes from the NAS: the permanent media library and the transcode scratch space
 * (RWX, mounted at the same path by Plex and every ClusterPlex worker). Static PVs, because the
 * library already exists; players mount it read-only, the *arr apps read-write (the
 * streaming → permanent upgrade moves files into it).
 */
export class NfsVolumes extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/nfs`,
      fluxName: `${cfg.namespace}-nfs`,
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      wait: true,
      description: `NFS volumes ${CLAIMS.media} (${cfg.storage.media.server}:${cfg.storage.media.path}) and ${CLAIMS.transcode} (${cfg.storage.transcode.server}:${cfg.storage.transcode.path})`,
    });
    addNfsVolume(this, cfg, 'media', {
      claim: CLAIMS.media,
      nfs: cfg.storage.media,
      accessModes: ['ReadWriteMany'],
      files: ['pv-media.yaml', 'pvc-media.yaml'],
    });
    addNfsVolume(this, cfg, 'transcode', {
      claim: CLAIMS.transcode,
      nfs: cfg.storage.transcode,
      accessModes: ['ReadWriteMany'],
      files: ['pv-transcode.yaml', 'pvc-transcode.yaml'],
    });
  }
}

/** The Longhorn RWX symlink library shared by Decypharr, Sonarr, Radarr, Plex and the workers. */
export class SymlinkLibrary extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig, props: { dependsOn?: Component[] } = {}) {
    super(scope, id, {
      dir: `apps/${cfg.namespace}/storage`,
      fluxName: `${cfg.namespace}-storage`,
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      wait: true,
      description: `the ${CLAIMS.symlinks} volume (${cfg.storage.rwxStorageClass}, ${cfg.storage.symlinkLibrarySize})`,
    });
    setFileName(
      new k8s.KubePersistentVolumeClaim(this, 'symlinks', {
        metadata: { name: CLAIMS.symlinks, namespace: cfg.namespace, labels: { 'app.kubernetes.io/part-of': 'media-stack' }, annotations: { ...PRUNE_DISABLED } },
        spec: {
          accessModes: ['ReadWriteMany'],
          storageClassName: cfg.storage.rwxStorageClass,
          resources: { requests: { storage: k8s.Quantity.fromString(cfg.storage.symlinkLibrarySize) } },
        },
      }),
      'pvc-symlink-library.yaml',
    );
  }
}
