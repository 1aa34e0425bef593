import type { StackConfig } from '../../config/types.js';
import type { Component } from '../../lib/component.js';
import { defineAppModule, type StackParts } from '../module.js';
import type { VolumeHandle } from '../../lib/handles.js';
import { CLAIMS, mediaVolume, PATHS, symlinkVolume, transcodeVolume } from '../../lib/storage.js';
import { MediaNamespace, NfsVolumes, StorageClasses, SymlinkLibrary } from './shared-storage.js';

declare module '../module.js' {
  interface StackParts {
    namespace?: MediaNamespace;
    /** Longhorn mode only. */
    storageClasses?: StorageClasses;
    /** The NAS exports (Longhorn mode only). */
    nfs?: NfsVolumes;
    /** The RWX symlink library (Longhorn mode only). */
    symlinks?: SymlinkLibrary;
    /** The permanent media library, read-write (NFS in Longhorn mode, a host path otherwise). */
    mediaLibrary?: VolumeHandle;
    /** The symlink library (Longhorn RWX, or a host path). */
    symlinkLibrary?: VolumeHandle;
    /** Plex's and the ClusterPlex workers' transcode scratch space (NFS in Longhorn mode, a host path otherwise). */
    transcodeCache?: VolumeHandle;
  }
}

/**
 * Whether the namespace must enforce the `privileged` Pod Security level rather than `baseline`:
 * Decypharr's privileged FUSE container, host-path volumes (single-node mode), a VPN sidecar's
 * NET_ADMIN and ProtonWire's unsafe sysctls are all outside `baseline`.
 */
function needsPrivilegedPss(cfg: StackConfig): boolean {
  return cfg.apps.decypharr.enabled || cfg.storage.mode === 'hostPath' || cfg.apps.qbittorrent.enabled;
}

/** The namespace and, in Longhorn mode, the storage classes, NFS volumes and the symlink library. */
export const sharedStorageModule = defineAppModule({
  folder: 'shared-storage',
  build({ scope, config: cfg, parts, add }) {
    const s = cfg.storage;
    const classes =
      s.mode === 'longhorn'
        ? add(new StorageClasses(scope, 'storage-classes', { namespace: cfg.namespace, rwxStorageClass: s.rwxStorageClass, rwxReplicas: s.rwxReplicas }))
        : undefined;
    parts.storageClasses = classes;
    const ns = (parts.namespace = add(new MediaNamespace(scope, 'namespace', { site: cfg, privileged: needsPrivilegedPss(cfg) })));
    parts.nfs = classes ? add(new NfsVolumes(scope, 'nfs', { namespace: ns, media: s.media, transcode: s.transcode })) : undefined;
    parts.symlinks = classes ? add(new SymlinkLibrary(scope, 'symlink-library', { namespace: ns, storageClasses: classes, size: s.symlinkLibrarySize })) : undefined;
    // A single node has host paths: nothing creates them, nothing to wait for.
    parts.mediaLibrary = parts.nfs?.media ?? { volume: mediaVolume(cfg), mount: { volume: CLAIMS.media, path: PATHS.media } };
    parts.symlinkLibrary = parts.symlinks?.library ?? { volume: symlinkVolume(cfg), mount: { volume: CLAIMS.symlinks, path: PATHS.symlinks } };
    parts.transcodeCache = parts.nfs?.transcode ?? { volume: transcodeVolume(cfg), mount: { volume: CLAIMS.transcode, path: PATHS.transcode } };
  },
});

/** The namespace and the shared volumes every app with media mounts waits for. */
export function storageBase(parts: StackParts): Component[] {
  return [parts.namespace, parts.nfs, parts.symlinks].filter((c): c is NonNullable<typeof c> => c !== undefined);
}

/** The namespace (the shared-storage module comes first of the apps). */
export function namespaceOf(parts: StackParts): MediaNamespace {
  if (!parts.namespace) throw new Error('the shared-storage module must come before the apps in the registry');
  return parts.namespace;
}
