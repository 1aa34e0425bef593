import type { Construct, IConstruct } from 'constructs';
import type { ArrInstanceConfig, AppConfig, ResourcesConfig, StackConfig } from '../config/types.js';
import { Component } from './component.js';
import { publishFact } from './published-facts.js';
import { container, SHELL_STEP_RESOURCES, withOverrides, type EnvValue } from './pod.js';
import { streamingStackLabels, storageNodePlacement } from './placement.js';
import { addConfigClaim, configVolume, DFS_MARKER, dfsMount, dfsPath, dfsVolume, downloadsVolume, mediaVolume, PATHS, CLAIMS, symlinkVolume } from './storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from './workload.js';
import { IMAGES } from './images.js';
import { PORTS } from './ports.js';
import type * as k8s from '../../imports/k8s.js';

/** The Servarr apps built from one pattern. */
export type ArrKind = 'sonarr' | 'radarr' | 'prowlarr';

/** Upstream defaults (Servarr ConfigFileProvider.cs): Sonarr 8989, Radarr 7878, Prowlarr 9696. */
export const ARR_PORTS: Record<ArrKind, number> = { sonarr: PORTS.sonarr, radarr: PORTS.radarr, prowlarr: PORTS.prowlarr };

/** An *arr instance as other apps see it. */
export interface ArrEndpoint {
  readonly kind: ArrKind;
  /** Instance name = Service name, e.g. `sonarr` or `sonarr-4k`. */
  readonly instance: string;
  readonly port: number;
  /** In-cluster URL, e.g. `http://sonarr.media.svc.cluster.local:8989`. */
  readonly url: string;
  /** Where its API key lives (the Secret the app itself reads). */
  readonly apiKey: { readonly secret: string; readonly key: string };
}

export function arrEndpoint(cfg: StackConfig, kind: ArrKind, instance: string = kind): ArrEndpoint {
  const port = ARR_PORTS[kind];
  return {
    kind,
    instance,
    port,
    url: `http://${instance}.${cfg.namespace}.svc.cluster.local:${port}`,
    apiKey: { secret: `${instance}-secrets`, key: 'api-key' },
  };
}

/** Every enabled Sonarr/Radarr instance (main + extra), in config order. */
export function enabledArrs(cfg: StackConfig, kinds: readonly ArrKind[] = ['sonarr', 'radarr']): ArrEndpoint[] {
  const out: ArrEndpoint[] = [];
  for (const kind of kinds) {
    const app = cfg.apps[kind] as AppConfig & Partial<ArrInstanceConfig>;
    if (!app.enabled) continue;
    out.push(arrEndpoint(cfg, kind));
    for (const suffix of app.extraInstances ?? []) out.push(arrEndpoint(cfg, kind, `${kind}-${suffix}`));
  }
  return out;
}

/**
 * How the *arr apps reach the optional PostgreSQL (src/apps/postgres.ts creates the server):
 * Service name and port, the superuser and the Secret key of its password.
 */
export const POSTGRES = {
  service: 'postgres',
  port: 5432,
  superuser: 'postgres',
  secret: 'postgres-secrets',
  superuserPasswordKey: 'superuser-password',
  /** Key of the app's own password in its `<instance>-secrets` Secret. */
  appPasswordKey: 'postgres-password',
} as const;

export function postgresHost(cfg: StackConfig): string {
  return `${POSTGRES.service}.${cfg.namespace}.svc.cluster.local`;
}

/** Whether this *arr kind keeps its databases in PostgreSQL. */
export function usesPostgres(cfg: StackConfig, kind: ArrKind): boolean {
  return cfg.apps.postgres.enabled && cfg.apps.postgres.apps.includes(kind);
}

/** The main and log database names of an instance (the apps' own default naming, `sonarr-main`). */
export function postgresDatabases(instance: string): { main: string; log: string } {
  return { main: `${instance}-main`, log: `${instance}-log` };
}

/** `<KIND>__POSTGRES__*`: Postgres is used iff HOST is set (Servarr PostgresOptions). */
export function postgresEnv(cfg: StackConfig, ep: ArrEndpoint): Record<string, EnvValue> {
  const p = `${ep.kind.toUpperCase()}__POSTGRES__`;
  const db = postgresDatabases(ep.instance);
  return {
    [`${p}HOST`]: postgresHost(cfg),
    [`${p}PORT`]: String(POSTGRES.port),
    [`${p}USER`]: ep.instance,
    [`${p}PASSWORD`]: { secret: ep.apiKey.secret, key: POSTGRES.appPasswordKey },
    [`${p}MAINDB`]: db.main,
    [`${p}LOGDB`]: db.log,
  };
}

/**
 * Creates the instance's role and its main + log databases before the app starts (the Servarr
 * apps never create databases). Idempotent: it waits for the server with pg_isready, creates
 * what is missing and (re)sets the role's password from the app's Secret on every start.
 */
export function postgresInitContainer(cfg: StackConfig, ep: ArrEndpoint): k8s.Container {
  const db = postgresDatabases(ep.instance);
  return container({
    name: 'postgres-init',
    image: IMAGES.postgresInit,
    env: {
      INIT_POSTGRES_HOST: postgresHost(cfg),
      INIT_POSTGRES_PORT: String(POSTGRES.port),
      INIT_POSTGRES_SUPER_USER: POSTGRES.superuser,
      INIT_POSTGRES_SUPER_PASS: { secret: POSTGRES.secret, key: POSTGRES.superuserPasswordKey },
      INIT_POSTGRES_USER: ep.instance,
      INIT_POSTGRES_PASS: { secret: ep.apiKey.secret, key: POSTGRES.appPasswordKey },
      INIT_POSTGRES_DBNAME: `${db.main} ${db.log}`,
    },
    resources: { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
  });
}

const RESOURCES: Record<ArrKind, ResourcesConfig> = {
  sonarr: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  radarr: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  prowlarr: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '1Gi' },
};
const CONFIG_SIZE: Record<ArrKind, string> = { sonarr: '10Gi', radarr: '10Gi', prowlarr: '5Gi' };

export interface ArrAppProps {
  readonly kind: ArrKind;
  /** Instance name. @default - the kind */
  readonly instance?: string;
  readonly app: AppConfig;
  /** Mount the media library, symlink library and DFS (Sonarr/Radarr; not Prowlarr). */
  readonly mediaMounts: boolean;
  /** Wait in an init container until the Decypharr DFS export is served. @default false */
  readonly waitForDfs?: boolean;
  /** Extra env, e.g. PostgreSQL settings. @default {} */
  readonly env?: Readonly<Record<string, EnvValue>>;
  readonly dependsOn?: readonly Component[];
}

/**
 * The Servarr StatefulSet shared by Sonarr, Radarr and Prowlarr: rootless home-operations image
 * (read-only root, /tmp emptyDir), API key from `<instance>-secrets` via
 * `<KIND>__AUTH__APIKEY`, `/ping` for startup/readiness (it returns 500 when the database is
 * unreachable) and TCP for liveness (so a database outage does not restart the app).
 */
export class ArrApp extends Component {
  readonly endpoint: ArrEndpoint;

  constructor(scope: Construct, id: string, cfg: StackConfig, props: ArrAppProps) {
    const ep = arrEndpoint(cfg, props.kind, props.instance);
    super(scope, id, {
      dir: `apps/${cfg.namespace}/${ep.instance}`,
      fluxName: ep.instance,
      namespace: cfg.namespace,
      dependsOn: props.dependsOn,
      description: `${props.kind[0]!.toUpperCase()}${props.kind.slice(1)} (${ep.instance}) on port ${ep.port}`,
    });
    this.endpoint = ep;
    const prefix = props.kind.toUpperCase();
    const postgres = usesPostgres(cfg, props.kind);
    publishFact(this, { kind: 'secret-input', instance: ep.instance, purpose: 'api-key', env: `${prefix}__AUTH__APIKEY`, ...ep.apiKey });
    if (postgres) publishFact(this, { kind: 'database', instance: ep.instance, role: ep.instance, mainDatabase: postgresDatabases(ep.instance).main, logDatabase: postgresDatabases(ep.instance).log, env: `${prefix}__POSTGRES__MAINDB` });
    this.addSecret(ep.apiKey.secret, [
      { key: ep.apiKey.key, source: { kind: 'generated', length: 32, alphabet: 'hex' } },
      // Generated once and kept: the role's password, set by the postgres-init container.
      ...(postgres ? [{ key: POSTGRES.appPasswordKey, source: { kind: 'generated', length: 32, alphabet: 'alphanumeric' } } as const] : []),
    ]);

    const volumes: k8s.Volume[] = [configVolume(cfg, ep.instance), scratchVolume()];
    const mounts = [
      { volume: 'config', path: PATHS.config },
      { volume: 'tmp', path: '/tmp' },
    ];
    if (props.mediaMounts) {
      volumes.push(mediaVolume(cfg), symlinkVolume(cfg));
      mounts.push({ volume: CLAIMS.media, path: PATHS.media }, { volume: CLAIMS.symlinks, path: PATHS.symlinks });
      if (cfg.apps.decypharr.enabled) {
        volumes.push(dfsVolume(cfg));
        mounts.push(dfsMount(cfg));
      }
      // qBittorrent's downloads at the same path as in its own pod, so imports find the files.
      if (cfg.apps.qbittorrent.enabled) {
        volumes.push(downloadsVolume(cfg));
        mounts.push({ volume: CLAIMS.downloads, path: PATHS.downloads });
      }
    }
    const initContainers = [
      ...(postgres ? [postgresInitContainer(cfg, ep)] : []),
      ...(props.waitForDfs && cfg.apps.decypharr.enabled ? [waitForDfsContainer(this, cfg, ep.instance)] : []),
    ];

    addConfigClaim(this, cfg, ep.instance, props.app.configSize ?? CONFIG_SIZE[props.kind]);
    addWorkload(this, cfg, {
      name: ep.instance,
      app: props.kind,
      controller: 'StatefulSet',
      podLabels: props.mediaMounts ? streamingStackLabels(cfg) : {},
      pod: {
        ...storageNodePlacement(cfg, { streamingStack: props.mediaMounts }),
        initContainers,
        containers: [
          container({
            name: props.kind,
            image: IMAGES[props.kind],
            ports: [{ name: 'http', port: ep.port }],
            env: {
              TZ: cfg.timezone,
              [`${prefix}__AUTH__APIKEY`]: ep.apiKey,
              ...arrAuthEnv(cfg, props.kind),
              [`${prefix}__SERVER__PORT`]: String(ep.port),
              ...(postgres ? postgresEnv(cfg, ep) : {}),
              ...(props.env ?? {}),
            },
            mounts,
            probes: { check: { http: '/ping', port: 'http' }, livenessCheck: { tcp: 'http' } },
            resources: withOverrides(RESOURCES[props.kind], props.app.resources),
          }),
        ],
        volumes,
      },
    });
    const self = { app: props.kind, instance: ep.instance };
    if (cfg.ingress.enabled) this.addCall({ from: 'ingress-controller', to: self, ports: [ep.port], why: 'web UI through the ingress' });
    this.addCall({ from: self, to: 'internet', ports: 'any', why: props.kind === 'prowlarr' ? 'indexer searches' : 'metadata lookups and release downloads' });
    if (postgres) this.addCall({ from: self, to: { app: POSTGRES.service }, ports: [POSTGRES.port], why: 'main and log databases in PostgreSQL' });
    if (props.kind !== 'prowlarr') {
      this.addCall(
        { from: self, to: { app: 'prowlarr' }, ports: [PORTS.prowlarr], why: 'indexer searches through Prowlarr' },
        { from: self, to: { app: 'decypharr' }, ports: [PORTS.decypharr], why: 'Decypharr as qBittorrent/SABnzbd download client' },
        { from: self, to: { app: 'pulsarr' }, ports: [PORTS.pulsarr], why: 'webhook notifications to Pulsarr' },
        { from: self, to: { app: 'plex' }, ports: [PORTS.plex], why: 'library refresh after imports (Connect › Plex Media Server)' },
      );
    } else {
      for (const arr of enabledArrs(cfg)) {
        this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'Prowlarr app sync of indexers' });
      }
    }
    addService(this, cfg, { name: ep.instance, instance: ep.instance, app: props.kind, ports: [{ name: 'http', port: ep.port }] });
    addHeadlessService(this, cfg, { name: ep.instance, instance: ep.instance, app: props.kind, ports: [{ name: 'http', port: ep.port }] });
    addIngress(this, cfg, { name: ep.instance, instance: ep.instance, app: props.kind, service: ep.instance, port: 'http' });
  }
}

/**
 * `<KIND>__AUTH__METHOD`/`__REQUIRED` (Servarr AuthOptions). Required for every address: through
 * the ingress every client has a private address, which DisabledForLocalAddresses lets in
 * without a login. API clients (the wiring job, Prowlarr, Decypharr) always need the key.
 */
export function arrAuthEnv(cfg: StackConfig, kind: ArrKind): Record<string, string> {
  const prefix = kind.toUpperCase();
  return {
    [`${prefix}__AUTH__METHOD`]: cfg.ingress.auth.mode === 'forward-auth' ? 'External' : 'Forms',
    [`${prefix}__AUTH__REQUIRED`]: 'Enabled',
  };
}

/**
 * Init container that holds the pod until the Decypharr DFS is really served. The export (or the
 * host directory) exists before the FUSE mount is up, but it is then empty; the mounted DFS always
 * has `version.txt` at its root (next to `__all__`, `torrents`, …). A marker file written by
 * Decypharr's postStart would not prove the mount (it lands in the directory underneath).
 */
export function waitForDfsContainer(scope: IConstruct, cfg: StackConfig, instance: string): k8s.Container {
  const dfs = dfsPath(cfg);
  const wait = { kind: 'dfs-wait', instance, container: 'wait-for-decypharr-dfs', condition: `[ -f ${dfs}/${DFS_MARKER} ]`, waiting: `waiting for the Decypharr DFS at ${dfs}`, ready: 'Decypharr DFS ready', timeout: 'DFS still empty after 10 minutes: check decypharr-0' } as const;
  publishFact(scope, wait);
  return container({
    name: wait.container,
    image: IMAGES.busybox,
    command: [
      'sh',
      '-c',
      [
        `echo "${wait.waiting}"`,
        'i=0',
        `until ${wait.condition}; do`,
        `  i=$((i+1)); if [ "$i" -gt 300 ]; then echo "${wait.timeout}" >&2; exit 1; fi`,
        '  sleep 2',
        'done',
        `echo "${wait.ready}"`,
      ].join('\n'),
    ],
    mounts: [dfsMount(cfg)],
    resources: SHELL_STEP_RESOURCES,
  });
}
