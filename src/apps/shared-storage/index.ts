import type { Component } from '../../lib/component.js';
import { defineAppModule, type StackParts } from '../module.js';
import type { VolumeHandle } from '../../lib/handles.js';
import { CLAIMS, mediaVolume, PATHS, symlinkVolume, transcodeVolume } from '../../lib/storage.js';
import { MediaNamespace, needsPrivilegedPss, NfsVolumes, StorageClasses, SymlinkLibrary } from './shared-storage.js';

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

/** The namespace and, in Longhorn mode, the storage classes, NFS volumes and the symlink library. */
export const sharedStorageModule = defineAppModule({
  folder: 'shared-storage',
  build({ scope, config: cfg, parts, add }) {
    const longhorn = cfg.storage.mode === 'longhorn';
    parts.storageClasses = longhorn ? add(new StorageClasses(scope, 'storage-classes', cfg)) : undefined;
    const ns = (parts.namespace = add(new MediaNamespace(scope, 'namespace', { site: cfg, privileged: needsPrivilegedPss(cfg) })));
    parts.nfs = longhorn ? add(new NfsVolumes(scope, 'nfs', cfg, { dependsOn: [ns] })) : undefined;
    parts.symlinks = longhorn
      ? add(new SymlinkLibrary(scope, 'symlink-library', cfg, { dependsOn: [ns, ...(parts.storageClasses ? [parts.storageClasses] : [])] }))
      : undefined;
    parts.mediaLibrary = { volume: mediaVolume(cfg), mount: { volume: CLAIMS.media, path: PATHS.media }, owner: parts.nfs };
    parts.symlinkLibrary = { volume: symlinkVolume(cfg), mount: { volume: CLAIMS.symlinks, path: PATHS.symlinks }, owner: parts.symlinks };
    parts.transcodeCache = { volume: transcodeVolume(cfg), mount: { volume: CLAIMS.transcode, path: PATHS.transcode }, owner: parts.nfs };
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
