/**
 * What the behaviour gate knows about the apps: per image (keyed by repository) the user its
 * process runs as after the entrypoint, per container (keyed by `app/container`, `app` being the
 * pod's `app.kubernetes.io/name`) the paths it writes or mounts on and what others wait for, and
 * per storage provisioner how kubelet hands its volumes to a pod. The apps publish their own
 * facts (`AppFacts`, in src/apps/<app>/facts.ts); the tables here hold the entries not moved yet.
 * Every fact names its source; docs/app-facts-verified.md ("Process users and volume ownership") has the details.
 */

/** What an image's entrypoint does when the container starts as root. */
export type RootBehaviour =
  /** Keeps running as root. */
  | { readonly kind: 'stays-root' }
  /** Drops to the user named by two environment variables (linuxserver's PUID/PGID, su-exec…). */
  | { readonly kind: 'drops-to-env'; readonly uidEnv: string; readonly gidEnv: string; readonly defaultUid: number; readonly defaultGid: number; readonly via: string }
  /** Drops to a fixed user of the image (postgres' gosu). */
  | { readonly kind: 'drops-to-user'; readonly uid: number; readonly gid: number; readonly via: string };

export interface ImageFacts {
  /**
   * The image's `USER` as uid/gid: who the process starts as when neither the pod nor the
   * container sets `runAsUser`. `unverified` when the source could not be read.
   */
  readonly imageUser: { readonly uid: number; readonly gid: number } | 'unverified';
  /**
   * The image's ENTRYPOINT program: a pod `command` that execs it still runs it (and its user
   * switch). @default - a `command` replaces the entrypoint
   */
  readonly entrypoint?: string;
  /** What the entrypoint does when it starts as root (a non-root start can never switch user). */
  readonly asRoot: RootBehaviour;
  /**
   * Paths the entrypoint (started as root) hands to the user it drops to before dropping, e.g.
   * Decypharr's `chown -R $PUID:$PGID /app`. Only the mount at exactly this path counts.
   * @default []
   */
  readonly preparesAsRoot?: readonly string[];
  /**
   * Trees the entrypoint (started as root) chowns recursively to the dropped user, but only
   * while the tree's root is not owned by that user yet (linuxserver's init-plex-chown).
   * @default []
   */
  readonly chownsTreeWhileForeign?: readonly string[];
  readonly source: string;
}

const LINUXSERVER: ImageFacts = {
  imageUser: { uid: 0, gid: 0 },
  asRoot: { kind: 'drops-to-env', uidEnv: 'PUID', gidEnv: 'PGID', defaultUid: 911, defaultGid: 911, via: 's6-overlay init-adduser (usermod abc to PUID/PGID) and s6-setuidgid abc' },
  preparesAsRoot: ['/config'],
  chownsTreeWhileForeign: ['/config/Library'],
  source:
    'linuxserver/docker-baseimage-ubuntu noble:root/etc/s6-overlay/s6-rc.d/init-adduser/run (groupmod/usermod abc to PGID/PUID, default 911; lsiown abc:abc /config); linuxserver/docker-plex 1.43.3.10828-00f62d37d-ls315:root/etc/s6-overlay/s6-rc.d/svc-plex/run (s6-setuidgid abc), init-plex-chown/run (lsiown -R abc:abc /config/Library when its owner is not PUID)',
};

/**
 * The facts one app publishes for the behaviour gate (`AppModule.facts`), keyed as the gate
 * looks them up; a key is declared by one module only.
 */
export interface AppFacts {
  /** Keyed by image repository (the reference without tag and digest). @default {} */
  readonly images?: Readonly<Record<string, ImageFacts>>;
  /**
   * Keyed by `app/container`; `*` as app matches every app (shared init containers).
   * @default {}
   */
  readonly containers?: Readonly<Record<string, ContainerFacts>>;
}

/** An image that starts as root and never switches user (no USER, no privilege drop). */
export const rootImage = (source: string): ImageFacts => ({ imageUser: { uid: 0, gid: 0 }, asRoot: { kind: 'stays-root' }, source });

/** Keyed by image repository (the reference without tag and digest); entries no app publishes yet. */
export const IMAGE_FACTS: Readonly<Record<string, ImageFacts>> = {
  'lscr.io/linuxserver/plex': LINUXSERVER,
  'ghcr.io/sirrobot01/decypharr': {
    imageUser: { uid: 0, gid: 0 },
    entrypoint: '/entrypoint.sh',
    asRoot: { kind: 'drops-to-env', uidEnv: 'PUID', gidEnv: 'PGID', defaultUid: 1000, defaultGid: 1000, via: 'su-exec "$PUID:$PGID"' },
    preparesAsRoot: ['/app'],
    source: 'sirrobot01/decypharr v2.4:scripts/entrypoint.sh (root: chown -R $PUID:$PGID /app, exec su-exec "$PUID:$PGID"; non-root: exec as is), Dockerfile (no USER, ENTRYPOINT /entrypoint.sh)',
  },
  'rclone/rclone': rootImage('rclone/rclone v1.75.0:Dockerfile (user rclone created, no USER; ENTRYPOINT ["rclone"])'),
  postgres: {
    imageUser: { uid: 0, gid: 0 },
    asRoot: { kind: 'drops-to-user', uid: 999, gid: 999, via: 'gosu postgres' },
    source: 'docker-library/postgres 6edb0a8:16/bookworm/docker-entrypoint.sh (as root: chown PGDATA to postgres, exec gosu postgres; otherwise runs as the current user), 16/bookworm/Dockerfile (postgres 999:999)',
  },
  'ghcr.io/qdm12/gluetun': rootImage('qdm12/gluetun v3.41.1:Dockerfile (no USER; OPENVPN_PROCESS_USER=root; ENTRYPOINT /gluetun-entrypoint)'),
  'ghcr.io/tprasadtp/protonwire': rootImage('tprasadtp/protonvpn-docker 7.5.3:Dockerfile (FROM debian, no USER; ENTRYPOINT /usr/bin/protonwire, CMD connect --service)'),
  'quay.io/samba.org/samba-server': rootImage('samba-in-kubernetes/samba-container v0.9:images/server/Containerfile.fedora (no USER; ENTRYPOINT samba-container, CMD run smbd)'),
  'ghcr.io/flaresolverr/flaresolverr': {
    // useradd without -u on Debian: the first regular uid, 1000 [I].
    imageUser: { uid: 1000, gid: 1000 },
    asRoot: { kind: 'stays-root' },
    source: 'FlareSolverr/FlareSolverr v3.5.0:Dockerfile (useradd flaresolverr, USER flaresolverr, ENTRYPOINT dumb-init)',
  },
  'ghcr.io/thephaseless/byparr': {
    imageUser: { uid: 1000, gid: 0 },
    asRoot: { kind: 'stays-root' },
    source: 'ThePhaseless/Byparr v3.0.0:Dockerfile (USER 1000; /cache chmod -R o+w; HOME=/tmp)',
  },
  'ghcr.io/raydak-labs/configarr': rootImage('raydak-labs/configarr v1.30.1:Dockerfile (prod stage: "#USER node" commented out, CMD dumb-init node index.js)'),
  'ghcr.io/dictionarry-hub/profilarr': {
    // The v2 sources are not in the readable snapshot; the stack always sets runAsUser.
    imageUser: 'unverified',
    asRoot: { kind: 'stays-root' },
    source: 'not verified (Dictionarry-Hub/profilarr snapshot holds v1 only); the pod runs it as runAsUser, so a non-root start cannot switch user',
  },
  'lakker/pulsarr': {
    imageUser: { uid: 0, gid: 0 },
    asRoot: { kind: 'drops-to-env', uidEnv: 'PUID', gidEnv: 'PGID', defaultUid: 1000, defaultGid: 1000, via: 'su-exec' },
    preparesAsRoot: ['/app/data'],
    source: 'jamcalli/Pulsarr Dockerfile and docker-entrypoint.sh (docs/app-facts-verified.md §1: no USER; root mode chowns /app/data and runs via su-exec as PUID/PGID; rootless mode runs as is)',
  },
  'intel/intel-gpu-plugin': rootImage('intel/intel-device-plugins-for-kubernetes v0.36.0:build/docker/intel-gpu-plugin.Dockerfile (FINAL_BASE ubi9-micro, no USER)'),
  'ghcr.io/pabloromeo/clusterplex_orchestrator': rootImage('pabloromeo/clusterplex v1.4.15:orchestrator/Dockerfile (FROM node:lts-slim, no USER, CMD node server.js)'),
};

/** Something other components wait for, checked by a file the providing container can see. */
export interface WaitSignal {
  readonly name: string;
  /**
   * The file that exists exactly when the thing is there, as the providing container sees it:
   * absolute, or (with `inFuseMount`) relative to the container's first FUSE mount.
   */
  readonly file: string;
  /** `file` is relative to where the container's first `fuseMounts` entry resolves. @default false */
  readonly inFuseMount?: boolean;
  readonly why: string;
}

/** A FUSE mount of the process. */
export interface FuseMount {
  /** Where the process mounts it (the app's own setting, e.g. Decypharr's mount_path). */
  readonly path: string;
  /**
   * A container env var that holds `path` when the stack sets it per layout (the app reads the
   * path from a config file the gate does not parse; the stack hands the same value to its start
   * script in this variable). @default - always `path`
   */
  readonly pathEnv?: string;
  /**
   * The directory on a shared volume that `path` is a bind of, so the mount propagates from
   * there; it is what must be writable, must not be a volume root and must be unmounted. Counts
   * only when `path` is on no volume and `via` is (otherwise `path` itself does).
   * @default - `path` itself
   */
  readonly via?: string;
}

export interface ContainerFacts {
  /** Paths the process writes (each must be writable by the user it runs as). */
  readonly writes: readonly string[];
  /**
   * Paths it writes when the stack mounts something there (a library only some layouts have,
   * e.g. /mnt/downloads with qBittorrent). @default []
   */
  readonly writesIfMounted?: readonly string[];
  /**
   * Where the process mounts a FUSE filesystem. A non-root process mounts through the setuid
   * `fusermount3`, which refuses a mount point the user cannot write; every FUSE mount needs a
   * preStop unmount. @default []
   */
  readonly fuseMounts?: readonly FuseMount[];
  /** What others wait for; a waited-on container's readiness must check each. @default [] */
  readonly provides?: readonly WaitSignal[];
  /**
   * The signals this (init) container waits for (each provider's readiness must check its own; a
   * provider the pod layout does not have, e.g. the NFS sidecar on a single node, is skipped).
   * @default - waits for nothing
   */
  readonly waitsFor?: readonly { readonly app: string; readonly container: string; readonly signal: string }[];
  /** Paths this container's own start-up (e.g. a Docker mod) hands to the dropped user. @default [] */
  readonly preparesAsRoot?: readonly string[];
  readonly source: string;
}

const DFS_MOUNTED: WaitSignal = {
  name: 'dfs-mounted',
  file: 'version.txt',
  inFuseMount: true,
  why: 'version.txt is always in the DFS root and only there when the FUSE mount is up',
};

const DFS_EXPORTED: WaitSignal = {
  name: 'dfs-exported',
  file: '/mnt/dfs-host/dfs/version.txt',
  why: 'the readers see the DFS through the NFS export of the directory the FUSE mount propagates to; version.txt is in it only while the mount is up',
};

const ARR_LIBRARIES = ['/mnt/media', '/mnt/streaming-media', '/mnt/downloads'];

/** Keyed by `app/container`; entries no app publishes yet. */
export const CONTAINER_FACTS: Readonly<Record<string, ContainerFacts>> = {
  'sonarr/sonarr': { writes: ['/config', '/tmp'], writesIfMounted: ARR_LIBRARIES, source: 'home-operations apps/sonarr/entrypoint.sh (--data=/config); root folders /mnt/media/tv, /mnt/streaming-media/<instance>; imports from /mnt/downloads' },
  'radarr/radarr': { writes: ['/config', '/tmp'], writesIfMounted: ARR_LIBRARIES, source: 'home-operations apps/radarr/entrypoint.sh (--data=/config); root folders /mnt/media/movies, /mnt/streaming-media/<instance>; imports from /mnt/downloads' },
  'prowlarr/prowlarr': { writes: ['/config', '/tmp'], source: 'home-operations apps/prowlarr/entrypoint.sh (--data=/config)' },
  'lidarr/lidarr': { writes: ['/config', '/tmp'], writesIfMounted: ARR_LIBRARIES, source: 'home-operations apps/lidarr/entrypoint.sh (--data=/config); root folders /mnt/media/music, /mnt/streaming-media/<instance>; imports from /mnt/downloads' },
  'bazarr/bazarr': {
    writes: ['/config', '/tmp'],
    writesIfMounted: ['/mnt/media', '/mnt/streaming-media'],
    source: 'home-operations apps/bazarr/entrypoint.sh (--config /config); bazarr development a3102e8: bazarr/app/config.py (general.subfolder "current": subtitles next to the video)',
  },
  'profilarr/profilarr': { writes: ['/config', '/tmp'], source: 'app-facts: Profilarr v2 keeps its SQLite database in /config' },
  'decypharr/seed-config': { writes: ['/app'], source: 'src/apps/decypharr.ts (cp /seed/config.json /app/config.json)' },
  'decypharr/decypharr': {
    writes: ['/app', '/mnt/streaming-media'],
    // With the NFS export the start script binds /mnt/dfs to the subdirectory dfs of the shared
    // host path; on a single node mount_path is that subdirectory (DFS_MOUNT_POINT says which).
    fuseMounts: [{ path: '/mnt/dfs', via: '/mnt/dfs-host/dfs', pathEnv: 'DFS_MOUNT_POINT' }],
    provides: [DFS_MOUNTED],
    source: 'sirrobot01/decypharr v2.4: config, logs and DFS cache under /app (scripts/entrypoint.sh, seed config cache_dir /app/cache/dfs); symlinks in download_folder /mnt/streaming-media/downloads; DFS FUSE root at mount.mount_path (pkg/mount/dfs), version.txt in it (pkg/manager/entry.go)',
  },
  'decypharr/rclone-nfs-server': { writes: ['/cache/nfs-handles', '/tmp'], provides: [DFS_EXPORTED], source: 'src/apps/decypharr.ts args (--nfs-cache-dir, --config/--cache-dir under /tmp)' },
  'plex/plex': {
    writes: ['/config', '/transcode', '/config/Library/Application Support/Plex Media Server/Drivers', '/config/Library/Application Support/Plex Media Server/Cache'],
    source: 'linuxserver/docker-plex (config in /config; transcoder temp dir /transcode set in the stack); ClusterPlex shares Drivers and Cache (pabloromeo/clusterplex#321)',
  },
  'clusterplex-orchestrator/orchestrator': { writes: [], source: 'pabloromeo/clusterplex v1.4.15 orchestrator (in-memory state only)' },
  'clusterplex-worker/worker': {
    writes: ['/transcode', '/codecs', '/config/Library/Application Support/Plex Media Server/Drivers', '/config/Library/Application Support/Plex Media Server/Cache'],
    preparesAsRoot: ['/codecs'],
    source: 'pabloromeo/clusterplex v1.4.15:worker/docker-mod/root/etc/s6-overlay/s6-rc.d/4-setup-codecs-dir/run (mkdir -p /codecs; chown abc:abc /codecs); transcodes into /transcode',
  },
  'pulsarr/pulsarr': { writes: ['/app/data', '/app/build-cache', '/tmp'], source: 'docs/app-facts-verified.md §1 (entrypoint mkdir -p /app/data/db /app/data/logs /app/build-cache)' },
  'arr-wiring/arr-wiring': { writes: ['/tmp'], writesIfMounted: ['/mnt/streaming-media'], source: 'src/apps/arr-wiring/ (mkdir -p of each streaming root folder, arr-wiring.sh)' },
  'intel-gpu-plugin/intel-gpu-plugin': {
    writes: ['/var/lib/kubelet/device-plugins', '/var/run/cdi'],
    source: 'intel/intel-device-plugins-for-kubernetes v0.36.0 deployments/gpu_plugin/base/intel-gpu-plugin.yaml (kubelet device-plugin socket, CDI specs)',
  },
  'postgres/postgres': { writes: ['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp'], source: 'docker-library/postgres 16/bookworm/docker-entrypoint.sh (PGDATA, /var/run/postgresql socket dir)' },
  'postgres-backup/pg-dumpall': { writes: ['/backups', '/tmp'], source: 'src/apps/postgres.ts backupScript' },
  'qbittorrent/gluetun': { writes: ['/gluetun', '/tmp'], source: 'qdm12/gluetun v3.41.1 Dockerfile (VOLUME /gluetun; servers.json and state there)' },
  // Added by branch nodes-second: a bash step in the qBittorrent image that seeds its config.
  'qbittorrent/seed-config': { writes: ['/config'], source: 'home-operations apps/qbittorrent/entrypoint.sh (config in /config/qBittorrent/qBittorrent.conf)' },
  'qbittorrent/protonwire': { writes: ['/tmp'], source: 'tprasadtp/protonvpn-docker 7.5.3 (state and service-status file under /tmp; src/apps/qbittorrent.ts mounts it in memory)' },
  'qbittorrent/qbittorrent': { writes: ['/config', '/mnt/downloads', '/tmp'], source: 'home-operations apps/qbittorrent/entrypoint.sh (/config/qBittorrent); save path under /mnt/downloads' },
  'flaresolverr/flaresolverr': { writes: ['/tmp', '/dev/shm'], source: 'FlareSolverr/FlareSolverr v3.5.0 (Chromium profile in /tmp, shared memory)' },
  'byparr/byparr': { writes: ['/tmp', '/dev/shm'], source: 'ThePhaseless/Byparr v3.0.0:Dockerfile (HOME=/tmp; /cache world-writable in the image)' },
  'configarr/configarr': { writes: ['/app/repos', '/tmp'], source: 'raydak-labs/configarr (clones the TRaSH/Recyclarr repos into /app/repos)' },
  // smbd runs as root but writes share files as the authenticated user (uid from users.json): not modelled.
  'samba/render-users': { writes: ['/etc/samba-users'], source: 'src/apps/samba.ts (renders users.json)' },
  'samba/samba': { writes: [], source: 'samba-in-kubernetes/samba-container v0.9 (root; share writes happen as the mapped user, not modelled)' },
};

/** The facts of a container: the published ones over the table's, the app's own over the shared (`*`) ones. */
export function containerFactsFor(app: string, container: string, published: AppFacts['containers'] = {}): ContainerFacts | undefined {
  return published[`${app}/${container}`] ?? CONTAINER_FACTS[`${app}/${container}`] ?? published[`*/${container}`] ?? CONTAINER_FACTS[`*/${container}`];
}

/** The facts of an image: the published ones over the table's. */
export function imageFactsFor(repository: string, published: AppFacts['images'] = {}): ImageFacts | undefined {
  return published[repository] ?? IMAGE_FACTS[repository];
}

/** How kubelet hands volumes of a CSI driver to a pod. */
export interface ProvisionerFacts {
  /** `rwo-with-fstype`: fsGroup applied to ReadWriteOnce volumes only (CSIDriver fsGroupPolicy ReadWriteOnceWithFSType). */
  readonly fsGroup: 'rwo-with-fstype' | 'always' | 'never';
  /** Owner and mode of a new volume's root for ReadWriteOnce / ReadWriteMany claims. */
  readonly rwoRoot: { readonly uid: number; readonly gid: number; readonly mode: number };
  readonly rwxRoot: { readonly uid: number; readonly gid: number; readonly mode: number };
  readonly source: string;
}

export const PROVISIONER_FACTS: Readonly<Record<string, ProvisionerFacts>> = {
  'driver.longhorn.io': {
    fsGroup: 'rwo-with-fstype',
    rwoRoot: { uid: 0, gid: 0, mode: 0o755 },
    rwxRoot: { uid: 0, gid: 0, mode: 0o777 },
    source:
      'longhorn/website#880 docs/…/volumes-and-nodes/pvc-ownership-and-permission.md (CSIDriver fsGroupPolicy ReadWriteOnceWithFSType: fsGroup only for RWO volumes with an fsType; a fresh ext4 root is root:root 0755); longhorn/longhorn-share-manager b135b36:pkg/server/share_manager.go (RWX export root chmod 0777, Squash None)',
  },
};

/** `registry/path/name:tag@sha256:…` → `registry/path/name`. */
export function imageRepository(image: string): string {
  const name = image.split('@', 1)[0]!;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  return colon >= 0 ? name.slice(0, colon) : name;
}
