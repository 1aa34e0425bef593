import type { AppFacts, WaitSignal } from '../../gates/behaviour-facts.js';

/** Decypharr's images: the app and the rclone sidecar that re-exports its DFS over NFS. */
export const DECYPHARR_IMAGES = {
  // renovate: datasource=docker depName=ghcr.io/sirrobot01/decypharr
  decypharr: 'ghcr.io/sirrobot01/decypharr:v2.4',
  // renovate: datasource=docker depName=rclone/rclone
  rclone: 'rclone/rclone:1.75.0',
} as const;

/** The CronJob that registers Decypharr's UI login (src/apps/decypharr/decypharr-setup.py). */
export const DECYPHARR_SETUP_JOB = 'decypharr-setup';

/** Decypharr serves UI, qBittorrent API (/api/v2), SABnzbd API (/sabnzbd) and WebDAV on one port. */
export const DECYPHARR_PORT = 8282;
/** rclone serve nfs (NFSv3 + MOUNT on one port). */
export const DECYPHARR_NFS_PORT = 2049;

/** The image's own entrypoint and command (Dockerfile `ENTRYPOINT`/`CMD` of the pinned tag). */
export const DECYPHARR_ENTRYPOINT = '/entrypoint.sh';
export const DECYPHARR_CMD = ['/usr/bin/decypharr', '--config', '/app'] as const;

/** The FUSE mount is up: version.txt is in the DFS root (what every reader waits for). */
const DFS_MOUNTED: WaitSignal = {
  name: 'dfs-mounted',
  file: 'version.txt',
  inFuseMount: true,
  why: 'version.txt is always in the DFS root and only there when the FUSE mount is up',
};

/** The NFS export serves the DFS (multi-node readers read through it). */
const DFS_EXPORTED: WaitSignal = {
  name: 'dfs-exported',
  file: '/mnt/dfs-host/dfs/version.txt',
  why: 'the readers see the DFS through the NFS export of the directory the FUSE mount propagates to; version.txt is in it only while the mount is up',
};

/** Who Decypharr's containers run as and what they write (sources: docs/app-facts-verified.md). */
export const DECYPHARR_FACTS: AppFacts = {
  images: {
    'ghcr.io/sirrobot01/decypharr': {
      imageUser: { uid: 0, gid: 0 },
      entrypoint: DECYPHARR_ENTRYPOINT,
      asRoot: { kind: 'drops-to-env', uidEnv: 'PUID', gidEnv: 'PGID', defaultUid: 1000, defaultGid: 1000, via: 'su-exec "$PUID:$PGID"' },
      preparesAsRoot: ['/app'],
      source:
        'sirrobot01/decypharr v2.4:scripts/entrypoint.sh (root: chown -R $PUID:$PGID /app, exec su-exec "$PUID:$PGID"; non-root: exec as is), Dockerfile (no USER, ENTRYPOINT /entrypoint.sh)',
    },
    'rclone/rclone': {
      imageUser: { uid: 0, gid: 0 },
      asRoot: { kind: 'stays-root' },
      source: 'rclone/rclone v1.75.0:Dockerfile (user rclone created, no USER; ENTRYPOINT ["rclone"])',
    },
  },
  containers: {
    'decypharr/seed-config': { writes: ['/app'], source: 'src/apps/decypharr/decypharr.ts (cp /seed/config.json /app/config.json)' },
    'decypharr/decypharr': {
      writes: ['/app', '/mnt/streaming-media'],
      // With the NFS export the start script binds /mnt/dfs to the subdirectory dfs of the shared
      // host path; on a single node mount_path is that subdirectory (DFS_MOUNT_POINT says which).
      fuseMounts: [{ path: '/mnt/dfs', via: '/mnt/dfs-host/dfs', pathEnv: 'DFS_MOUNT_POINT' }],
      provides: [DFS_MOUNTED],
      source:
        'sirrobot01/decypharr v2.4: config, logs and DFS cache under /app (scripts/entrypoint.sh, seed config cache_dir /app/cache/dfs); symlinks in download_folder /mnt/streaming-media/downloads; DFS FUSE root at mount.mount_path (pkg/mount/dfs), version.txt in it (pkg/manager/entry.go)',
    },
    'decypharr-setup/decypharr-setup': { writes: ['/tmp'], source: "src/apps/decypharr/decypharr-setup.py (HTTP calls only; /tmp is the setup job's scratch)" },
    'decypharr/rclone-nfs-server': {
      writes: ['/cache/nfs-handles', '/tmp'],
      provides: [DFS_EXPORTED],
      source: 'src/apps/decypharr/decypharr.ts args (--nfs-cache-dir, --config/--cache-dir under /tmp)',
    },
  },
};
