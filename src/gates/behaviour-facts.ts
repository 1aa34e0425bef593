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

/** home-operations/containers images: start as nobody and never switch user. */
export const HOME_OPERATIONS: ImageFacts = {
  imageUser: { uid: 65534, gid: 65534 },
  asRoot: { kind: 'stays-root' },
  source: 'home-operations/containers a9b84a4:apps/<app>/Dockerfile (USER nobody:nogroup; entrypoint.sh just execs the app, no user switching)',
};

/** An image that starts as root and never switches user (no USER, no privilege drop). */
export const rootImage = (source: string): ImageFacts => ({ imageUser: { uid: 0, gid: 0 }, asRoot: { kind: 'stays-root' }, source });

/** Keyed by image repository (the reference without tag and digest); entries no app publishes yet. */

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

/**
 * The facts one app publishes for the behaviour gate (its src/apps/<app>/facts.ts), keyed as the
 * gate looks them up.
 */
export interface AppFacts {
  /** Keyed by image repository (the reference without tag and digest). @default {} */
  readonly images?: Readonly<Record<string, ImageFacts>>;
  /** Keyed by `app/container`; `*` as app matches every app (shared init containers). @default {} */
  readonly containers?: Readonly<Record<string, ContainerFacts>>;
}

/** Keyed by `app/container`; entries no app publishes yet. */

/** The facts of a container as the modules publish them: the app's own over the shared (`*`) ones. */
export function containerFactsFor(app: string, container: string, published: AppFacts['containers'] = {}): ContainerFacts | undefined {
  return published[`${app}/${container}`] ?? published[`*/${container}`];
}

/** The facts of an image as the modules publish them. */
export function imageFactsFor(repository: string, published: AppFacts['images'] = {}): ImageFacts | undefined {
  return published[repository];
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
