import * as k8s from '../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { NfsExport, SiteConfig } from '../config/types.js';
import { setFileName } from './component.js';
import { appLabels } from './pod.js';
import { publishFact } from './published-facts.js';
import { PRUNE_DISABLED } from '../output/state.js';

/**
 * Mount paths shared by every pod that follows Decypharr's symlinks or shares transcodes.
 * Symlinks created by Decypharr point into DFS_PATH, so every reader must see the DFS there;
 * ClusterPlex requires the transcode and media paths to match between Plex and its workers.
 */
export const PATHS = {
  /** The DFS with the NFS export; use `dfsPath(cfg)`, which knows the single-node layout. */
  dfs: '/mnt/dfs',
  /**
   * Decypharr's host directory (`apps.decypharr.dfsHostPath`) inside the Decypharr pod. The FUSE
   * mount lives in its subdirectory `DFS_HOST_SUBDIR`, never on the volume root: a crash leaves a
   * dead mount (ENOTCONN) behind, and kubelet cannot set up a hostPath volume whose root is dead.
   */
  dfsHost: '/mnt/dfs-host',
  symlinks: '/mnt/streaming-media',
  media: '/mnt/media',
  transcode: '/transcode',
  downloads: '/mnt/downloads',
  config: '/config',
} as const;

/** Names of the shared claims (also the volume names in pods). */
export const CLAIMS = {
  media: 'media-library',
  transcode: 'transcode-cache',
  symlinks: 'symlink-library',
  dfs: 'decypharr-dfs',
  downloads: 'downloads',
} as const;

/** The subdirectory of `apps.decypharr.dfsHostPath` that holds the DFS FUSE mount on the node. */
const DFS_HOST_SUBDIR = 'dfs';
/** The subdirectory as Decypharr's pod sees it (its host path is mounted at PATHS.dfsHost). */
export const DFS_SHARED_DIR = `${PATHS.dfsHost}/${DFS_HOST_SUBDIR}`;
/** Always in the DFS root, and only there while the FUSE mount is up (what every reader waits for). */
export const DFS_MARKER = 'version.txt';

/**
 * Environment of Decypharr's container naming the FUSE mount point (the path the symlinks point
 * into) and the shared subdirectory bound there; read by its start script and by the runbooks.
 */
export const DFS_ENV = { mountPoint: 'DFS_MOUNT_POINT', sharedDir: 'DFS_SHARED_DIR' } as const;

/**
 * The path of the DFS in every pod that uses it (Decypharr's `mount_path`, the symlinks' target,
 * the readers' view). On a single node the readers bind the parent host directory, never the mount
 * point itself: a bind of a mount point keeps the old (dead) mount after Decypharr remounts, while
 * a HostToContainer bind of the parent follows the unmount and the new mount. With the NFS export
 * it is `PATHS.dfs`, a bind in Decypharr's container.
 */
export function dfsPath(cfg: SiteConfig): string {
  return cfg.storage.mode === 'hostPath' ? DFS_SHARED_DIR : PATHS.dfs;
}

const q = (s: string) => k8s.Quantity.fromString(s);

const LAYOUT_VOLUMES = new WeakSet<k8s.Volume>();

/** A host directory of the single-node layout (under the data root, or the DFS host path). */
export function hostPathVolume(name: string, path: string, type: 'Directory' | 'DirectoryOrCreate' = 'DirectoryOrCreate'): k8s.Volume {
  const volume = { name, hostPath: { path, type } };
  LAYOUT_VOLUMES.add(volume);
  return volume;
}

/** Whether `v` is a host directory of the single-node layout (made by `hostPathVolume`, or under the data root). */
export function isLayoutHostPath(site: SiteConfig, v: k8s.Volume): boolean {
  return v.hostPath !== undefined && (LAYOUT_VOLUMES.has(v) || v.hostPath.path.startsWith(`${site.storage.hostPathRoot}/`));
}

function claimVolume(name: string, claimName: string, readOnly = false): k8s.Volume {
  return { name, persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly: true } : {}) } };
}

/** Per-app config volume: a Longhorn claim `config-<app>`, or `<root>/config/<app>` on the host. */
export function configVolume(cfg: SiteConfig, app: string): k8s.Volume {
  return cfg.storage.mode === 'hostPath' ? hostPathVolume('config', `${cfg.storage.hostPathRoot}/config/${app}`) : claimVolume('config', `config-${app}`);
}

/** Creates the config claim for an app (Longhorn mode only), protected from Flux's pruning. */
export function addConfigClaim(scope: Construct, cfg: SiteConfig, app: string, size: string): void {
  addAppClaim(scope, cfg, { id: 'config-pvc', name: `config-${app}`, app, size, fileName: 'pvc-config.yaml' });
  if (cfg.storage.mode !== 'hostPath') publishFact(scope, { kind: 'config-claim', instance: app, claim: `config-${app}` });
}

export interface AppClaimProps {
  /** Construct id. */
  readonly id: string;
  /** Claim name. */
  readonly name: string;
  /** App label of the claim. */
  readonly app: string;
  readonly size: string;
  readonly fileName: string;
}

/**
 * A ReadWriteOnce claim of the config StorageClass (Longhorn mode only), protected from Flux's
 * pruning. Mounted whole (no subPath), its root gets the pod's fsGroup, so a non-root container
 * can write it.
 */
export function addAppClaim(scope: Construct, cfg: SiteConfig, p: AppClaimProps): void {
  if (cfg.storage.mode === 'hostPath') return;
  setFileName(
    new k8s.KubePersistentVolumeClaim(scope, p.id, {
      metadata: { name: p.name, namespace: cfg.namespace, labels: appLabels(p.app), annotations: { ...PRUNE_DISABLED } },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: cfg.storage.configStorageClass,
        resources: { requests: { storage: q(p.size) } },
      },
    }),
    p.fileName,
  );
}

export function mediaVolume(cfg: SiteConfig): k8s.Volume {
  return cfg.storage.mode === 'hostPath' ? hostPathVolume(CLAIMS.media, `${cfg.storage.hostPathRoot}/library`) : claimVolume(CLAIMS.media, CLAIMS.media);
}

export function transcodeVolume(cfg: SiteConfig): k8s.Volume {
  return cfg.storage.mode === 'hostPath' ? hostPathVolume(CLAIMS.transcode, `${cfg.storage.hostPathRoot}/transcode`) : claimVolume(CLAIMS.transcode, CLAIMS.transcode);
}

export function symlinkVolume(cfg: SiteConfig): k8s.Volume {
  return cfg.storage.mode === 'hostPath' ? hostPathVolume(CLAIMS.symlinks, `${cfg.storage.hostPathRoot}/streaming-media`) : claimVolume(CLAIMS.symlinks, CLAIMS.symlinks);
}

export function downloadsVolume(cfg: SiteConfig): k8s.Volume {
  return cfg.storage.mode === 'hostPath' ? hostPathVolume(CLAIMS.downloads, `${cfg.storage.hostPathRoot}/downloads`) : claimVolume(CLAIMS.downloads, CLAIMS.downloads);
}

/**
 * The DFS as its readers see it: the NFS re-export of Decypharr's FUSE mount (any node), or on a
 * single node Decypharr's host directory, the parent of the mount (see `dfsPath`). A reader that
 * comes first may create that parent (root 0755 is all it needs); the `dfs` subdirectory below it
 * is Decypharr's, created and handed to the stack user by its start script, and the reader waits
 * for the DFS in it. `dfsHostPath` is `apps.decypharr.dfsHostPath`.
 */
export function dfsVolume(cfg: SiteConfig, dfsHostPath: string): k8s.Volume {
  return cfg.storage.mode === 'hostPath' ? hostPathVolume(CLAIMS.dfs, dfsHostPath) : claimVolume(CLAIMS.dfs, CLAIMS.dfs, true);
}

/** The mount options for the DFS export: propagation for host paths, none for NFS claims. */
export function dfsMount(cfg: SiteConfig): { volume: string; path: string; readOnly: true; propagation?: 'HostToContainer' } {
  return cfg.storage.mode === 'hostPath'
    ? { volume: CLAIMS.dfs, path: PATHS.dfsHost, readOnly: true, propagation: 'HostToContainer' }
    : { volume: CLAIMS.dfs, path: PATHS.dfs, readOnly: true };
}

/**
 * A static NFS PersistentVolume bound to one claim of the same name. Static, because the media
 * library already exists on the NAS (a provisioner would create a new empty subfolder).
 */
export function addNfsVolume(
  scope: Construct,
  cfg: SiteConfig,
  id: string,
  props: { claim: string; nfs: NfsExport; accessModes: string[]; readOnly?: boolean; files: [string, string] },
): void {
  const pvName = `${cfg.namespace}-${props.claim}`;
  setFileName(
    new k8s.KubePersistentVolume(scope, `${id}-pv`, {
      metadata: { name: pvName, labels: { 'app.kubernetes.io/part-of': 'media-stack' }, annotations: { ...PRUNE_DISABLED } },
      spec: {
        capacity: { storage: q(props.nfs.size) },
        accessModes: props.accessModes,
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        mountOptions: [...props.nfs.mountOptions],
        nfs: { server: props.nfs.server, path: props.nfs.path, ...(props.readOnly ? { readOnly: true } : {}) },
        claimRef: { namespace: cfg.namespace, name: props.claim },
      },
    }),
    props.files[0],
  );
  setFileName(
    new k8s.KubePersistentVolumeClaim(scope, `${id}-pvc`, {
      metadata: { name: props.claim, namespace: cfg.namespace, labels: { 'app.kubernetes.io/part-of': 'media-stack' }, annotations: { ...PRUNE_DISABLED } },
      spec: {
        accessModes: props.accessModes,
        storageClassName: '',
        volumeName: pvName,
        resources: { requests: { storage: q(props.nfs.size) } },
      },
    }),
    props.files[1],
  );
}
