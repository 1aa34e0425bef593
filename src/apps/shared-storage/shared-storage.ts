import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { ApiObject } from 'cdk8s';
import type { NfsExport, SiteConfig } from '../../config/types.js';
import type { VolumeHandle } from '../../lib/handles.js';
import { Component, setFileName, type ComponentProps } from '../../lib/component.js';
import { addNfsVolume, CLAIMS, mediaVolume, PATHS, symlinkVolume, transcodeVolume } from '../../lib/storage.js';
import { PRUNE_DISABLED } from '../../output/state.js';

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
      // applied with the apps' ks.yaml by the folder above, as the anchors' namespace.yaml
      ownKustomization: false,
      namespace: cfg.namespace,
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

  /**
   * Props of an app's own folder `apps/<namespace>/<name>` and its Flux Kustomization `<name>`,
   * applied after this namespace and then `dependsOn`; `wait` for an app others need ready.
   */
  appFolder(name: string, description: string, opts: { readonly dependsOn?: readonly Component[]; readonly wait?: boolean } = {}): ComponentProps {
    return {
      dir: `apps/${this.name}/${name}`,
      fluxName: name,
      namespace: this.name,
      dependsOn: [this, ...(opts.dependsOn ?? [])],
      description,
      ...(opts.wait ? { wait: true } : {}),
    };
  }
}

/**
 * Mount options of the RWX share. They replace Longhorn's defaults as a whole (longhorn-manager
 * csi/node_server.go: `vers=4.1,noresvport,timeo=600,retrans=5` + `softerr`), so the version and
 * noresvport are repeated. Decypharr, the Arrs and arr-wiring write the symlink library: `hard`,
 * since a soft timeout fails writes midway (nfs(5)); a share manager that moves makes I/O wait.
 */
const LONGHORN_RWX_NFS_OPTIONS = ['vers=4.1', 'noresvport', 'hard', 'timeo=600', 'retrans=5'] as const;

export interface StorageClassesProps {
  /** The namespace whose apps use the classes (a StorageClass has none; its Secrets would go there). */
  readonly namespace: string;
  /** Name of the RWX StorageClass. */
  readonly rwxStorageClass: string;
  /** Longhorn replicas of each RWX volume. */
  readonly rwxReplicas: number;
}

/** StorageClasses the stack needs (Longhorn mode): the RWX class of the symlink library. `ApiObject.of(classes)` is the RWX class. */
export class StorageClasses extends Component {
  /** Name of the RWX class (for claims). */
  readonly rwxClassName: string;
  readonly rwx: ApiObject;

  constructor(scope: Construct, id: string, props: StorageClassesProps) {
    super(scope, id, {
      dir: 'infrastructure/storage',
      fluxName: 'storage-classes',
      namespace: props.namespace,
      description: `StorageClass ${props.rwxStorageClass} (Longhorn RWX over NFSv4, ${props.rwxReplicas} replicas)`,
    });
    this.rwxClassName = props.rwxStorageClass;
    this.rwx = setFileName(
      new k8s.KubeStorageClass(this, 'rwx', {
        metadata: {
          name: props.rwxStorageClass,
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
          numberOfReplicas: String(props.rwxReplicas),
          staleReplicaTimeout: '2880',
          migratable: 'false',
          nfsOptions: LONGHORN_RWX_NFS_OPTIONS.join(','),
        },
      }),
      'storageclass-longhorn-rwx.yaml',
    );
    this.node.defaultChild = this.rwx;
  }
}

/**
 * The NFS volumes from the NAS: the permanent media library and the transcode scratch space
 * (RWX, mounted at the same path by Plex and every ClusterPlex worker). Static PVs, because the
 * library already exists; players mount it read-only, the *arr apps read-write (the
 * streaming → permanent upgrade moves files into it).
 */
export interface NfsVolumesProps {
  /** The namespace of the claims (they depend on it). */
  readonly namespace: MediaNamespace;
  /** The NAS export of the permanent media library. */
  readonly media: NfsExport;
  /** The NAS export of the transcode scratch space. */
  readonly transcode: NfsExport;
}

export class NfsVolumes extends Component {
  /** The media library claim, mounted read-write at `/mnt/media` (its users depend on this component). */
  readonly media: VolumeHandle;
  /** The transcode claim, mounted at `/transcode`. */
  readonly transcode: VolumeHandle;

  constructor(scope: Construct, id: string, props: NfsVolumesProps) {
    const cfg = props.namespace.site;
    super(scope, id, {
      dir: `apps/${cfg.namespace}/nfs`,
      fluxName: `${cfg.namespace}-nfs`,
      namespace: cfg.namespace,
      dependsOn: [props.namespace],
      wait: true,
      description: `NFS volumes ${CLAIMS.media} (${props.media.server}:${props.media.path}) and ${CLAIMS.transcode} (${props.transcode.server}:${props.transcode.path})`,
    });
    this.media = { volume: mediaVolume(cfg), mount: { volume: CLAIMS.media, path: PATHS.media }, owner: this };
    this.transcode = { volume: transcodeVolume(cfg), mount: { volume: CLAIMS.transcode, path: PATHS.transcode }, owner: this };
    addNfsVolume(this, cfg, 'media', {
      claim: CLAIMS.media,
      nfs: props.media,
      accessModes: ['ReadWriteMany'],
      files: ['pv-media.yaml', 'pvc-media.yaml'],
    });
    addNfsVolume(this, cfg, 'transcode', {
      claim: CLAIMS.transcode,
      nfs: props.transcode,
      accessModes: ['ReadWriteMany'],
      files: ['pv-transcode.yaml', 'pvc-transcode.yaml'],
    });
  }
}

export interface SymlinkLibraryProps {
  /** The namespace of the claim (it depends on it). */
  readonly namespace: MediaNamespace;
  /** The classes whose RWX class the claim uses (it depends on them). */
  readonly storageClasses: StorageClasses;
  /** Requested size of the volume. */
  readonly size: string;
}

/** The Longhorn RWX symlink library shared by Decypharr, Sonarr, Radarr, Plex and the workers. `ApiObject.of(lib)` is its claim. */
export class SymlinkLibrary extends Component {
  /** The claim mounted at `/mnt/streaming-media` (its users depend on this component). */
  readonly library: VolumeHandle;
  readonly claim: ApiObject;

  constructor(scope: Construct, id: string, props: SymlinkLibraryProps) {
    const cfg = props.namespace.site;
    const storageClass = props.storageClasses.rwxClassName;
    super(scope, id, {
      dir: `apps/${cfg.namespace}/storage`,
      fluxName: `${cfg.namespace}-storage`,
      namespace: cfg.namespace,
      dependsOn: [props.namespace, props.storageClasses],
      wait: true,
      description: `the ${CLAIMS.symlinks} volume (${storageClass}, ${props.size})`,
    });
    this.library = { volume: symlinkVolume(cfg), mount: { volume: CLAIMS.symlinks, path: PATHS.symlinks }, owner: this };
    this.claim = setFileName(
      new k8s.KubePersistentVolumeClaim(this, 'symlinks', {
        metadata: { name: CLAIMS.symlinks, namespace: cfg.namespace, labels: { 'app.kubernetes.io/part-of': 'media-stack' }, annotations: { ...PRUNE_DISABLED } },
        spec: {
          accessModes: ['ReadWriteMany'],
          storageClassName: storageClass,
          resources: { requests: { storage: k8s.Quantity.fromString(props.size) } },
        },
      }),
      'pvc-symlink-library.yaml',
    );
    this.node.defaultChild = this.claim;
  }
}
