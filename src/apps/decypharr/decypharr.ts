import type { ApiObject } from 'cdk8s';
import * as k8s from '../../../imports/k8s.js';
import type { Construct } from 'constructs';
import type { ResourcesConfig, SiteConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import { useVolume, type ArrHandle, type VolumeHandle } from '../../lib/handles.js';
import { IMAGES } from '../../lib/images.js';
import { publishFact } from '../../lib/published-facts.js';
import { appLabels, container, SHELL_STEP_RESOURCES, withOverrides, type EnvValue } from '../../lib/pod.js';
import { streamingStackLabels, storageNodePlacement } from '../../lib/placement.js';
import {
  addAppClaim,
  addConfigClaim,
  addNfsVolume,
  CLAIMS,
  hostPathVolume,
  configVolume,
  DFS_ENV,
  DFS_MARKER,
  DFS_SHARED_DIR,
  dfsMount,
  dfsPath,
  dfsVolume,
  PATHS,
} from '../../lib/storage.js';
import { addSetupJob } from '../../lib/setup-job.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import { decypharrConfig, type DecypharrSetupConfig } from './config.js';
import { DECYPHARR_SETUP_JOB, DECYPHARR_CMD, DECYPHARR_ENTRYPOINT, DECYPHARR_IMAGES, DECYPHARR_NFS_PORT, DECYPHARR_PORT } from './facts.js';
/** Where Decypharr creates its symlinks (per-category subfolders); Sonarr/Radarr import from here. */
const DECYPHARR_DOWNLOAD_FOLDER = `${PATHS.symlinks}/downloads`;

/**
 * go-nfs (rclone serve nfs) has no portmapper and no lock manager, so clients must name the port
 * for both NFS and MOUNT, use NFSv3 over TCP and skip locking. Inline pod `nfs:` volumes cannot
 * carry options, hence the PersistentVolume. `soft` is safe here because the export and every
 * mount of it are read-only (soft timeouts corrupt writes, and there are none): a reader gets an
 * error while the export moves instead of hanging in uninterruptible I/O.
 */
const DFS_NFS_MOUNT_OPTIONS = ['nfsvers=3', 'tcp', `port=${DECYPHARR_NFS_PORT}`, `mountport=${DECYPHARR_NFS_PORT}`, 'nolock', 'noacl', 'soft', 'ro'] as const;

/** The pod volume of `apps.decypharr.dfsHostPath`: always a plain directory (the mount is below it). */
const DFS_HOST_VOLUME = 'dfs-host';

/**
 * Lazily detaches every mount left on the shared subdirectory. After a crash or OOM kill that is
 * the dead FUSE mount of the previous container (ENOTCONN); the Bidirectional mount carries the
 * unmount to the node and to the sidecar. Needs `DFS_SHARED_DIR` in the environment.
 */
const DETACH_DFS = 'while grep -qF " $DFS_SHARED_DIR " /proc/mounts; do umount -l "$DFS_SHARED_DIR"; done';

/**
 * Runs as root before the image's entrypoint, on every container start (an in-pod restart after a
 * crash runs no init container again):
 * - clears a dead mount (DETACH_DFS);
 * - hands the subdirectory to PUID:PGID: the entrypoint drops to that user with su-exec, and the
 *   setuid fusermount3 refuses a non-root user without write access to the mount point (kubelet
 *   created the host path root:root 0755 and never applies fsGroup to host paths);
 * - binds it at the path the symlinks point into (`mount_path`) unless that is the subdirectory
 *   itself (single node, where the readers bind the host directory). A bind of a shared mount
 *   joins its peer group, so the FUSE mount on it reaches the node, and the volume root itself
 *   stays a plain directory the next pod can always mount.
 */
const DECYPHARR_START_SCRIPT = [
  'set -eu',
  DETACH_DFS,
  'mkdir -p "$DFS_SHARED_DIR" "$DFS_MOUNT_POINT"',
  'chown "$PUID:$PGID" "$DFS_SHARED_DIR"',
  '[ "$DFS_MOUNT_POINT" = "$DFS_SHARED_DIR" ] || mount -o bind "$DFS_SHARED_DIR" "$DFS_MOUNT_POINT"',
  `exec ${DECYPHARR_ENTRYPOINT} "$@"`,
].join('\n');

/** preStop: take the mount off the node before the process stops (a kill skips Decypharr's own unmount). */
const DECYPHARR_PRE_STOP = ['set -eu', DETACH_DFS].join('\n');

/** The generated password of the UI login the setup job registers (key of `decypharr-secrets`). */
const DECYPHARR_LOGIN_PASSWORD_KEY = 'admin-password';

/**
 * `decypharr-setup`: registers the UI login (`user`, the generated password) while Decypharr
 * has none. Its `/register` replaces the login for anyone who calls it, so the job calls it only
 * while the API says no user exists (decypharr-setup.py).
 */
function addLoginSetupJob(scope: Decypharr, cfg: SiteConfig, user: string, usenet: boolean): void {
  publishFact(scope, { kind: 'login', instance: 'decypharr', user, secret: 'decypharr-secrets', key: DECYPHARR_LOGIN_PASSWORD_KEY, setBy: DECYPHARR_SETUP_JOB });
  addSetupJob(scope, cfg, {
    name: DECYPHARR_SETUP_JOB,
    script: 'src/apps/decypharr/decypharr-setup.py',
    // Often enough that the login exists minutes after the provider key does.
    schedule: '*/10 * * * *',
    data: {
      url: `http://decypharr.${cfg.namespace}.svc.cluster.local:${DECYPHARR_PORT}`,
      user,
      passwordEnv: 'LOGIN_PASSWORD',
      passwordSecret: `decypharr-secrets/${DECYPHARR_LOGIN_PASSWORD_KEY}`,
      providerSecret: `decypharr-secrets (realdebrid-api-key${usenet ? ', usenet-host, usenet-user, usenet-pass' : ''})`,
      // Decypharr may still be starting (its DFS mount comes first).
      wait: { attempts: 30, delaySeconds: 10 },
    },
    env: { LOGIN_PASSWORD: { secret: 'decypharr-secrets', key: DECYPHARR_LOGIN_PASSWORD_KEY } },
    calls: [{ to: { app: 'decypharr' }, ports: [DECYPHARR_PORT], why: 'registers the UI login while none exists' }],
  });
}

/** `sh -c` check that the DFS is mounted at `dir` (busybox sh: Decypharr and rclone are Alpine images). */
function dfsMountedCheck(dir: string): { exec: readonly string[] } {
  return { exec: ['sh', '-c', `test -f ${dir}/${DFS_MARKER}`] };
}

export interface DecypharrProps {
  /** The namespace (the app depends on it; its site settings place and configure the pod). */
  readonly namespace: MediaNamespace;
  /** The symlink library Decypharr creates its downloads in (read-write). */
  readonly symlinks: VolumeHandle;
  /** The library managers it is the download client of (each registered with its URL and API key; it depends on them). @default [] */
  readonly arrs?: readonly ArrHandle[];
  /** Host directory the FUSE DFS mount is propagated to (its subdirectory `dfs` holds the mount). @default '/mnt/k8s/decypharr-dfs' */
  readonly dfsHostPath?: string;
  /** Pinned ClusterIP of the `decypharr-nfs` Service (multi-node only; nodes mount the export by IP). @default '10.43.0.49' */
  readonly nfsClusterIP?: string;
  /** Usenet provider credentials are required (else only Real-Debrid). @default true */
  readonly usenet?: boolean;
  /** The `decypharr-setup` job that registers the UI login from a generated password. @default - on, user 'admin' */
  readonly setup?: DecypharrSetupConfig;
  /** Container resources over the defaults. @default - 100m CPU, 256Mi memory, 1Gi limit */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default '5Gi' */
  readonly configSize?: string;
  /**
   * Further components to apply first, right after the namespace (before the symlink library
   * and the Arrs). @default []
   */
  readonly dependsOn?: readonly Component[];
}

/**
 * Decypharr: debrid/usenet download client with a FUSE DFS mount, plus the rclone NFS sidecar
 * that re-exports the mount so pods on any node (Sonarr, Radarr, Plex, ClusterPlex workers) see
 * it at the same path.
 *
 * The decypharr container is the only privileged container of the stack: creating a FUSE mount
 * needs /dev/fuse and CAP_SYS_ADMIN, and sharing it through the host directory needs
 * `mountPropagation: Bidirectional`, which Kubernetes only allows in privileged containers. The
 * sidecar only reads the mount (HostToContainer) and runs unprivileged as the stack user.
 */
export class Decypharr extends Component {
  /** The StatefulSet. */
  readonly workload: ApiObject;
  readonly service: ApiObject;
  /** @default - none unless the ingress sits behind a forward-auth login */
  readonly ingress?: ApiObject;
  /** The DFS as its readers (Plex, the ClusterPlex workers) mount it; using it makes them depend on Decypharr. */
  readonly dfs: VolumeHandle;

  constructor(scope: Construct, id: string, props: DecypharrProps) {
    const cfg = props.namespace.site;
    const defaults = decypharrConfig.defaults;
    const d = {
      dfsHostPath: props.dfsHostPath ?? defaults.dfsHostPath,
      nfsClusterIP: props.nfsClusterIP ?? defaults.nfsClusterIP,
      usenet: props.usenet ?? defaults.usenet,
      setup: props.setup ?? defaults.setup,
    };
    // wait: readers mount its export, so Flux reports it ready only once the pod (and export) is up.
    // Dependencies in phase order: the namespace, the storage, the symlink library, the Arrs.
    super(
      scope,
      id,
      props.namespace.appFolder('decypharr', `Decypharr on port ${DECYPHARR_PORT}, DFS exported over NFS at ${d.nfsClusterIP}:${DECYPHARR_NFS_PORT}`, {
        dependsOn: props.dependsOn,
        wait: true,
      }),
    );
    const symlinks = useVolume(this, props.symlinks);
    const arrApps = props.arrs ?? [];
    this.addDependency(...arrApps);
    const singleNode = cfg.storage.mode === 'hostPath';
    const dfs = dfsPath(cfg);

    this.addSecret('decypharr-secrets', [
      { key: 'realdebrid-api-key', source: { kind: 'operator', description: 'Real-Debrid API token (https://real-debrid.com/apitoken)' } },
      // Signs the UI session cookies; without it Decypharr uses a key built into its source.
      { key: 'session-secret', source: { kind: 'generated', length: 48, alphabet: 'alphanumeric' } },
      ...(d.setup.enabled ? ([{ key: DECYPHARR_LOGIN_PASSWORD_KEY, source: { kind: 'generated', length: 32, alphabet: 'alphanumeric' } }] as const) : []),
      ...(d.usenet
        ? ([
            { key: 'usenet-host', source: { kind: 'operator', description: 'Usenet provider NNTP host name (e.g. news.usenetexpress.com)' } },
            { key: 'usenet-user', source: { kind: 'operator', description: 'Usenet provider user name' } },
            { key: 'usenet-pass', source: { kind: 'operator', description: 'Usenet provider password' } },
          ] as const)
        : []),
    ]);

    const arrs = arrApps.map((a) => a.endpoint);
    const env: Record<string, EnvValue> = {
      PUID: String(cfg.uid),
      PGID: String(cfg.gid),
      UMASK: '002',
      // Read by DECYPHARR_START_SCRIPT and DECYPHARR_PRE_STOP.
      [DFS_ENV.sharedDir]: DFS_SHARED_DIR,
      [DFS_ENV.mountPoint]: dfs,
      TZ: cfg.timezone,
      DECYPHARR_LOG_LEVEL: 'info',
      // UI login (registered by decypharr-setup, else on the first visit); the Arrs keep
      // authenticating by URL + API key.
      DECYPHARR_USE_AUTH: 'true',
      DECYPHARR_SECRET_KEY: { secret: 'decypharr-secrets', key: 'session-secret' },
      DECYPHARR_DOWNLOAD_FOLDER: DECYPHARR_DOWNLOAD_FOLDER,
      DECYPHARR_DEBRIDS__0__NAME: 'realdebrid',
      DECYPHARR_DEBRIDS__0__PROVIDER: 'realdebrid',
      DECYPHARR_DEBRIDS__0__API_KEY: { secret: 'decypharr-secrets', key: 'realdebrid-api-key' },
      DECYPHARR_MOUNT__DFS__UID: String(cfg.uid),
      DECYPHARR_MOUNT__DFS__GID: String(cfg.gid),
    };
    if (d.usenet) {
      publishFact(this, {
        kind: 'secret-input',
        instance: 'decypharr',
        purpose: 'usenet-provider',
        env: 'DECYPHARR_USENET__PROVIDERS__0__HOST',
        secret: 'decypharr-secrets',
        key: 'usenet-host',
      });
      Object.assign(env, {
        DECYPHARR_USENET__PROVIDERS__0__HOST: { secret: 'decypharr-secrets', key: 'usenet-host' },
        DECYPHARR_USENET__PROVIDERS__0__PORT: '563',
        DECYPHARR_USENET__PROVIDERS__0__SSL: 'true',
        DECYPHARR_USENET__PROVIDERS__0__USERNAME: { secret: 'decypharr-secrets', key: 'usenet-user' },
        DECYPHARR_USENET__PROVIDERS__0__PASSWORD: { secret: 'decypharr-secrets', key: 'usenet-pass' },
      });
    }
    // Each Arr registers with its own URL as user and its API key as password; the same
    // Secret the Arr reads, so nothing is copied by hand.
    arrs.forEach((arr, i) => {
      env[`DECYPHARR_ARRS__${i}__NAME`] = arr.instance;
      env[`DECYPHARR_ARRS__${i}__HOST`] = arr.url;
      env[`DECYPHARR_ARRS__${i}__TOKEN`] = arr.apiKey;
    });

    // Mount type and path have no env override: seed config.json on first start only
    // (Decypharr rewrites the file when settings are saved in its UI).
    const seedConfig = {
      download_folder: DECYPHARR_DOWNLOAD_FOLDER,
      default_download_action: 'symlink',
      categories: arrs.map((a) => a.instance),
      mount: { type: 'dfs', mount_path: dfs, dfs: { cache_dir: '/app/cache/dfs', uid: cfg.uid, gid: cfg.gid } },
    };
    setFileName(
      new k8s.KubeConfigMap(this, 'seed-config', {
        metadata: { name: 'decypharr-seed-config', namespace: cfg.namespace, labels: appLabels('decypharr') },
        data: { 'config.json': `${JSON.stringify(seedConfig, null, 2)}\n` },
      }),
      'configmap-seed-config.yaml',
    );

    addConfigClaim(this, cfg, 'decypharr', props.configSize ?? '5Gi');
    publishFact(this, { kind: 'privilege-drop', instance: 'decypharr', container: 'decypharr', command: `su-exec ${cfg.uid}:${cfg.gid}` }); // as its entrypoint drops (scripts/entrypoint.sh @ v2.4)
    if (!singleNode) addAppClaim(this, cfg, { id: 'nfs-handles-pvc', name: NFS_HANDLES_CLAIM, app: 'decypharr', size: '1Gi', fileName: 'pvc-nfs-handles.yaml' });
    const sts = (this.workload = addWorkload(this, cfg, {
      name: 'decypharr',
      controller: 'StatefulSet',
      podLabels: streamingStackLabels(cfg),
      pod: {
        ...storageNodePlacement(cfg, { streamingStack: true }),
        startsAsRoot: true,
        initContainers: [
          container({
            name: 'seed-config',
            image: IMAGES.busybox,
            command: ['sh', '-c', '[ -f /app/config.json ] || cp /seed/config.json /app/config.json'],
            mounts: [
              { volume: 'config', path: '/app' },
              { volume: 'seed-config', path: '/seed', readOnly: true },
            ],
            resources: SHELL_STEP_RESOURCES,
            security: { runAs: { uid: cfg.uid, gid: cfg.gid } },
          }),
        ],
        containers: [
          container({
            name: 'decypharr',
            image: DECYPHARR_IMAGES.decypharr,
            command: ['sh', '-c', DECYPHARR_START_SCRIPT, 'decypharr-start'],
            args: [...DECYPHARR_CMD],
            ports: [{ name: 'http', port: DECYPHARR_PORT }],
            env,
            mounts: [{ volume: 'config', path: '/app' }, { volume: DFS_HOST_VOLUME, path: PATHS.dfsHost, propagation: 'Bidirectional' }, symlinks.mount],
            // Ready once the DFS is mounted (what every reader waits for); alive while the API
            // answers (/version is public and exempt from the first-run setup redirect).
            probes: { check: dfsMountedCheck(dfs), livenessCheck: { http: '/version', port: 'http' } },
            lifecycle: { preStop: { exec: { command: ['sh', '-c', DECYPHARR_PRE_STOP] } } },
            resources: withOverrides({ cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '1Gi' }, props.resources),
            security: { privileged: true, runAsRoot: true, readOnlyRootFilesystem: false, dropAll: false },
          }),
          // On a single node the readers use the host directory itself: no re-export needed.
          ...(singleNode ? [] : [rcloneNfsServer(cfg)]),
        ],
        volumes: [
          configVolume(cfg, 'decypharr'),
          hostPathVolume(DFS_HOST_VOLUME, d.dfsHostPath),
          symlinks.volume,
          { name: 'seed-config', configMap: { name: 'decypharr-seed-config' } },
          scratchVolume(),
          ...(singleNode ? [] : [{ name: 'nfs-handles', persistentVolumeClaim: { claimName: NFS_HANDLES_CLAIM } }]),
        ],
      },
    }));
    this.node.defaultChild = sts;
    this.dfs = { volume: dfsVolume(cfg, d.dfsHostPath), mount: dfsMount(cfg), owner: this };
    this.addSecurityExceptionFor(sts, {
      container: 'decypharr',
      rules: ['no-privileged', 'run-as-non-root', 'no-privilege-escalation', 'drop-all-capabilities', 'read-only-root-filesystem'],
      reason:
        'creates the DFS FUSE mount (/dev/fuse, CAP_SYS_ADMIN) and shares it through the host with Bidirectional propagation, which Kubernetes allows only in privileged containers; its start script clears a dead mount left by a crash and binds the mount point (root), then the entrypoint chowns /app and drops to PUID/PGID',
    });
    this.addSecurityExceptionFor(sts, {
      rules: ['no-host-path'],
      reason: `the FUSE mount is propagated through the host directory ${d.dfsHostPath} so the NFS sidecar (and, on a single node, the readers) can see it`,
    });
    this.addHealthCheck({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name!, namespace: cfg.namespace });

    const self = { app: 'decypharr' };
    // Decypharr's sign-up page (POST /register) replaces the credentials for anyone who reaches it,
    // so its UI gets an Ingress only behind a forward-auth login; otherwise use a port-forward.
    // No opt-in: the page stays open after the first sign-up.
    this.addCall({ from: self, to: 'internet', ports: 'any', why: 'Real-Debrid API and usenet providers' });
    for (const arr of arrs)
      this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'import callbacks into the Arr that sent the download' });
    if (!singleNode) {
      // kubelet mounts the export from every node's own network namespace (node addresses, or the
      // CNI's gateway address): private ranges only, since the NFS server has no authentication.
      this.addCall({ from: 'private-networks', to: self, ports: [DECYPHARR_NFS_PORT], why: 'kubelet NFS mounts of the DFS export from any node' });
    }
    this.service = addService(this, cfg, { name: 'decypharr', instance: 'decypharr', ports: [{ name: 'http', port: DECYPHARR_PORT }] });
    addHeadlessService(this, cfg, { name: 'decypharr', instance: 'decypharr', ports: [{ name: 'http', port: DECYPHARR_PORT }] });
    this.ingress = addIngress(this, cfg, {
      name: 'decypharr',
      instance: 'decypharr',
      service: 'decypharr',
      port: 'http',
      call: { to: self, port: DECYPHARR_PORT },
      firstLoginOptIn: false,
    });

    if (d.setup.enabled) addLoginSetupJob(this, cfg, d.setup.user, d.usenet);

    if (!singleNode) {
      // Pinned ClusterIP: kubelet mounts NFS on the node, where Service names do not resolve.
      addService(this, cfg, {
        name: 'decypharr-nfs',
        instance: 'decypharr',
        ports: [{ name: 'nfs', port: DECYPHARR_NFS_PORT }],
        clusterIP: d.nfsClusterIP,
        fileName: 'service-nfs.yaml',
      });
      addNfsVolume(this, cfg, 'dfs', {
        claim: CLAIMS.dfs,
        nfs: { server: d.nfsClusterIP, path: '/', mountOptions: DFS_NFS_MOUNT_OPTIONS, size: '1Gi' },
        accessModes: ['ReadOnlyMany'],
        readOnly: true,
        files: ['pv-dfs.yaml', 'pvc-dfs.yaml'],
      });
    }
  }
}

/** rclone's NFS handle cache: a claim of its own, mounted whole so fsGroup makes it writable for the sidecar. */
const NFS_HANDLES_CLAIM = 'decypharr-nfs-handles';

/**
 * The rclone sidecar: a user-space NFSv3 server over the DFS mount, read-only, as the stack user.
 * It reads the host directory (not the mount point itself), so a remount after a Decypharr crash
 * reaches it through HostToContainer propagation.
 */
function rcloneNfsServer(cfg: SiteConfig): k8s.Container {
  return container({
    name: 'rclone-nfs-server',
    image: DECYPHARR_IMAGES.rclone,
    args: [
      'serve',
      'nfs',
      DFS_SHARED_DIR,
      '--addr',
      `:${DECYPHARR_NFS_PORT}`,
      '--read-only',
      // The DFS already caches; a second VFS cache would double the disk use.
      '--vfs-cache-mode',
      'off',
      '--dir-cache-time',
      '30s',
      // Handles on disk survive a restart and a re-created pod, even on the other storage node
      // (memory handles go stale for every client). On its own claim: a subPath of the config
      // volume would be created root-owned by kubelet, unwritable for this user.
      '--nfs-cache-type',
      'disk',
      '--nfs-cache-dir',
      '/cache/nfs-handles',
      '--config',
      '/tmp/rclone.conf',
      '--cache-dir',
      '/tmp/rclone-cache',
    ],
    ports: [{ name: 'nfs', port: DECYPHARR_NFS_PORT }],
    mounts: [
      { volume: DFS_HOST_VOLUME, path: PATHS.dfsHost, readOnly: true, propagation: 'HostToContainer' },
      { volume: 'nfs-handles', path: '/cache' },
      { volume: 'tmp', path: '/tmp' },
    ],
    // Ready once the export would serve the DFS (not its empty directory); alive while it listens.
    probes: { check: dfsMountedCheck(DFS_SHARED_DIR), livenessCheck: { tcp: 'nfs' } },
    resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '1Gi' },
    security: { runAs: { uid: cfg.uid, gid: cfg.gid } },
  });
}
