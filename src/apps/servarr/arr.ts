import type { ApiObject } from 'cdk8s';
import type { Construct, IConstruct } from 'constructs';
import type * as k8s from '../../../imports/k8s.js';
import type { AppConfig, ResourcesConfig, SiteConfig, StackConfig } from '../../config/types.js';
import { Component } from '../../lib/component.js';
import { useVolume, type DatabaseHandle, type VolumeHandle } from '../../lib/handles.js';
import { IMAGES } from '../../lib/images.js';
import { publishFact } from '../../lib/published-facts.js';
import { streamingStackLabels, storageNodePlacement } from '../../lib/placement.js';
import { container, SHELL_STEP_RESOURCES, withOverrides, type EnvValue } from '../../lib/pod.js';
import { PROWLARR_PORT } from '../prowlarr/facts.js';
import { addConfigClaim, configVolume, DFS_MARKER, dfsMount, dfsPath, PATHS } from '../../lib/storage.js';
import { addHeadlessService, addIngress, addService, addWorkload, scratchVolume } from '../../lib/workload.js';
import { DECYPHARR_PORT } from '../decypharr/facts.js';
import { PLEX_PORT } from '../plex/facts.js';
import { PULSARR_PORT } from '../pulsarr/facts.js';
import { addExportarrScrape, exportarrContainer, type ExportarrOptions } from '../metrics/exportarr.js';
import type { MediaNamespace } from '../shared-storage/shared-storage.js';
import type { ArrKindSpec } from './kinds.js';
import { ARR_KINDS } from './table.js';
import { SERVARR_UI_PASSWORD_KEY, type ArrInstanceConfig } from './config.js';

/** An *arr instance as other apps see it. */
export interface ArrEndpoint {
  /** The kind's name, e.g. `sonarr`. */
  readonly kind: string;
  /** Its row of the kinds table (port, API version, library folder…). */
  readonly spec: ArrKindSpec;
  /** Instance name = Service name, e.g. `sonarr` or `sonarr-4k`. */
  readonly instance: string;
  readonly port: number;
  /** In-cluster URL, e.g. `http://sonarr.media.svc.cluster.local:8989`. */
  readonly url: string;
  /** Where its API key lives (the Secret the app itself reads). */
  readonly apiKey: { readonly secret: string; readonly key: string };
}

/** The row of the kinds table named `kind`. */
export function arrKind(kind: string): ArrKindSpec {
  const spec = ARR_KINDS.find((k) => k.name === kind);
  if (!spec) throw new Error(`unknown Servarr kind '${kind}': add its row to ARR_KINDS (src/apps/servarr/table.ts)`);
  return spec;
}

export function arrEndpoint(cfg: Pick<SiteConfig, 'namespace'>, kind: string | ArrKindSpec, instance?: string): ArrEndpoint {
  const spec = typeof kind === 'string' ? arrKind(kind) : kind;
  const name = instance ?? spec.name;
  return {
    kind: spec.name,
    spec,
    instance: name,
    port: spec.port,
    url: `http://${name}.${cfg.namespace}.svc.cluster.local:${spec.port}`,
    apiKey: { secret: `${name}-secrets`, key: 'api-key' },
  };
}

/** The library managers of the kinds table (Sonarr, Radarr…), in table order. */
export const LIBRARY_ARR_KINDS: readonly ArrKindSpec[] = ARR_KINDS.filter((k) => k.library);

/** Every enabled instance (main + extra) of the given kinds (default: the library managers), in table and config order. */
export function enabledArrs(cfg: StackConfig, kinds: readonly (string | ArrKindSpec)[] = LIBRARY_ARR_KINDS): ArrEndpoint[] {
  const out: ArrEndpoint[] = [];
  for (const kind of kinds) {
    const spec = typeof kind === 'string' ? arrKind(kind) : kind;
    const app = (cfg.apps as unknown as Record<string, (AppConfig & Partial<ArrInstanceConfig>) | undefined>)[spec.name];
    if (!app?.enabled) continue;
    out.push(arrEndpoint(cfg, spec));
    for (const suffix of app.extraInstances ?? []) out.push(arrEndpoint(cfg, spec, `${spec.name}-${suffix}`));
  }
  return out;
}

/**
 * How the *arr apps reach the optional PostgreSQL (src/apps/postgres/ creates the server):
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

export function postgresHost(cfg: Pick<SiteConfig, 'namespace'>): string {
  return `${POSTGRES.service}.${cfg.namespace}.svc.cluster.local`;
}

/** libpq's environment for a client that signs in as the superuser (the pg_dump jobs). */
export function superuserClientEnv(cfg: Pick<SiteConfig, 'namespace'>): Record<string, EnvValue> {
  return {
    PGHOST: postgresHost(cfg),
    PGPORT: String(POSTGRES.port),
    PGUSER: POSTGRES.superuser,
    PGPASSWORD: { secret: POSTGRES.secret, key: POSTGRES.superuserPasswordKey },
  };
}

/** Whether this *arr kind keeps its databases in PostgreSQL. */
export function usesPostgres(cfg: StackConfig, kind: string): boolean {
  return cfg.apps.postgres.enabled && cfg.apps.postgres.apps.includes(kind);
}

/** The main and log database names of an instance (the apps' own default naming, `sonarr-main`). */
function postgresDatabases(instance: string): { main: string; log: string } {
  return { main: `${instance}-main`, log: `${instance}-log` };
}

/** `<KIND>__POSTGRES__*`: Postgres is used iff HOST is set (Servarr PostgresOptions). */
function postgresEnv(database: DatabaseHandle, ep: ArrEndpoint): Record<string, EnvValue> {
  const p = `${ep.kind.toUpperCase()}__POSTGRES__`;
  const db = postgresDatabases(ep.instance);
  return {
    [`${p}HOST`]: database.host,
    [`${p}PORT`]: String(database.port),
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
function postgresInitContainer(database: DatabaseHandle, ep: ArrEndpoint): k8s.Container {
  const db = postgresDatabases(ep.instance);
  return container({
    name: 'postgres-init',
    image: IMAGES.postgresInit,
    env: {
      INIT_POSTGRES_HOST: database.host,
      INIT_POSTGRES_PORT: String(database.port),
      INIT_POSTGRES_SUPER_USER: database.superuser.name,
      INIT_POSTGRES_SUPER_PASS: database.superuser.password,
      INIT_POSTGRES_USER: ep.instance,
      INIT_POSTGRES_PASS: { secret: ep.apiKey.secret, key: POSTGRES.appPasswordKey },
      INIT_POSTGRES_DBNAME: `${db.main} ${db.log}`,
    },
    resources: { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
  });
}

/** What every Servarr construct takes. */
export interface ArrAppProps {
  /** The namespace (the app depends on it; its site settings place and configure the pod). */
  readonly namespace: MediaNamespace;
  /** Instance name (Service, StatefulSet, Secret prefix, host). @default - the kind's name */
  readonly instance?: string;
  /** Container resources over the kind's defaults. @default - the kind's (src/apps/<kind>/facts.ts) */
  readonly resources?: Partial<ResourcesConfig>;
  /** Size of the config volume. @default - the kind's `configSize` */
  readonly configSize?: string;
  /** Keep the main and log databases in this PostgreSQL (the app depends on it). @default - SQLite in the config volume */
  readonly database?: DatabaseHandle;
  /** Extra env. @default {} */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** Further components to apply first (after the ones its handles bring). @default [] */
  readonly dependsOn?: readonly Component[];
  /** An exportarr sidecar, its metrics Service and ServiceMonitor (`apps.metrics`). @default - no metrics */
  readonly metrics?: ExportarrOptions;
  /** Generate the password of its first UI user (`ui-password` in its Secret), which the servarr-setup job sets. @default false */
  readonly uiPassword?: boolean;
}

/** A library manager (Sonarr, Radarr…): the media it manages and where downloads come from. */
export interface LibraryArrProps extends ArrAppProps {
  /** The permanent media library (read-write). */
  readonly media: VolumeHandle;
  /** The symlink library Decypharr's downloads appear in. */
  readonly symlinks: VolumeHandle;
  /** Decypharr's DFS, mounted and waited for (the symlinks point into it). @default - no DFS */
  readonly dfs?: DfsHandle;
  /** qBittorrent's downloads, at the same path as in its pod so imports find the files. @default - no downloads volume */
  readonly downloads?: VolumeHandle;
}

/** The DFS as its readers mount it; a reader waits in an init container until it is served. */
export type DfsHandle = VolumeHandle;

/**
 * The Servarr StatefulSet shared by Sonarr, Radarr and Prowlarr: rootless home-operations image
 * (read-only root, /tmp emptyDir), API key from `<instance>-secrets` via
 * `<KIND>__AUTH__APIKEY`, `/ping` for startup/readiness (it returns 500 when the database is
 * unreachable) and TCP for liveness (so a database outage does not restart the app).
 * `ApiObject.of(app)` is its StatefulSet.
 */
export class ArrApp extends Component {
  readonly endpoint: ArrEndpoint;
  readonly workload: ApiObject;
  readonly service: ApiObject;
  readonly headlessService: ApiObject;
  /** @default - none when the ingress is off */
  readonly ingress?: ApiObject;

  constructor(
    scope: Construct,
    id: string,
    spec: ArrKindSpec,
    props: ArrAppProps & Partial<Omit<LibraryArrProps, keyof ArrAppProps>> & { readonly syncsTo?: readonly ArrEndpoint[] },
  ) {
    const site = props.namespace.site;
    const ep = arrEndpoint(site, spec, props.instance);
    super(scope, id, {
      dir: `apps/${site.namespace}/${ep.instance}`,
      fluxName: ep.instance,
      namespace: site.namespace,
      description: `${spec.title} (${ep.instance}) on port ${ep.port}`,
    });
    this.endpoint = ep;
    const prefix = spec.name.toUpperCase();
    const database = props.database;
    publishFact(this, { kind: 'secret-input', instance: ep.instance, purpose: 'api-key', env: `${prefix}__AUTH__APIKEY`, ...ep.apiKey });
    if (database)
      publishFact(this, {
        kind: 'database',
        instance: ep.instance,
        role: ep.instance,
        mainDatabase: postgresDatabases(ep.instance).main,
        logDatabase: postgresDatabases(ep.instance).log,
        env: `${prefix}__POSTGRES__MAINDB`,
      });
    this.addSecret(ep.apiKey.secret, [
      { key: ep.apiKey.key, source: { kind: 'generated', length: 32, alphabet: 'hex' } },
      // Generated once and kept: the role's password, set by the postgres-init container.
      ...(database ? [{ key: POSTGRES.appPasswordKey, source: { kind: 'generated', length: 32, alphabet: 'alphanumeric' } } as const] : []),
      // Generated once and kept: the first UI user's password (src/apps/servarr/setup.ts).
      ...(props.uiPassword ? [{ key: SERVARR_UI_PASSWORD_KEY, source: { kind: 'generated', length: 32, alphabet: 'alphanumeric' } } as const] : []),
    ]);

    // Dependencies in phase order: the namespace, the libraries, the database, the downloads.
    this.addDependency(props.namespace);
    const media = props.media ? useVolume(this, props.media) : undefined;
    const symlinks = props.symlinks ? useVolume(this, props.symlinks) : undefined;
    this.addDependency(database?.owner);
    const dfs = props.dfs ? useVolume(this, props.dfs) : undefined;
    const downloads = props.downloads ? useVolume(this, props.downloads) : undefined;
    this.addDependency(...(props.dependsOn ?? []));

    const used = [media, symlinks, dfs, downloads].filter((v) => v !== undefined);
    const volumes: k8s.Volume[] = [configVolume(site, ep.instance), scratchVolume(), ...used.map((v) => v.volume)];
    const mounts = [{ volume: 'config', path: PATHS.config }, { volume: 'tmp', path: '/tmp' }, ...used.map((v) => v.mount)];
    const initContainers = [...(database ? [postgresInitContainer(database, ep)] : []), ...(props.dfs ? [waitForDfsContainer(this, site, ep.instance)] : [])];
    const streamingStack = props.media !== undefined;

    addConfigClaim(this, site, ep.instance, props.configSize ?? spec.configSize);
    this.workload = addWorkload(this, site, {
      name: ep.instance,
      app: spec.name,
      controller: 'StatefulSet',
      podLabels: streamingStack ? streamingStackLabels(site) : {},
      pod: {
        ...storageNodePlacement(site, { streamingStack }),
        initContainers,
        containers: [
          container({
            name: spec.name,
            image: spec.image,
            ports: [{ name: 'http', port: ep.port }],
            env: {
              TZ: site.timezone,
              [`${prefix}__AUTH__APIKEY`]: ep.apiKey,
              ...arrAuthEnv(site, spec.name),
              [`${prefix}__SERVER__PORT`]: String(ep.port),
              ...(database ? postgresEnv(database, ep) : {}),
              ...(props.env ?? {}),
            },
            mounts,
            probes: { check: { http: '/ping', port: 'http' }, livenessCheck: { tcp: 'http' } },
            resources: withOverrides(spec.resources, props.resources),
          }),
          ...(props.metrics ? [exportarrContainer(ep, props.metrics)] : []),
        ],
        volumes,
      },
    });
    this.node.defaultChild = this.workload;
    const self = { app: spec.name, instance: ep.instance };
    this.ingress = addIngress(this, site, { name: ep.instance, instance: ep.instance, app: spec.name, service: ep.instance, port: 'http', call: { to: self, port: ep.port } });
    this.addCall({ from: self, to: 'internet', ports: 'any', why: spec.internetWhy });
    if (database) this.addCall({ from: self, to: { app: database.app }, ports: [database.port], why: 'main and log databases in PostgreSQL' });
    if (spec.library) {
      this.addCall(
        { from: self, to: { app: 'prowlarr' }, ports: [PROWLARR_PORT], why: 'indexer searches through Prowlarr' },
        { from: self, to: { app: 'decypharr' }, ports: [DECYPHARR_PORT], why: 'Decypharr as qBittorrent/SABnzbd download client' },
        // Pulsarr requests series and movies only.
        ...(['sonarr', 'radarr'].includes(spec.name) ? [{ from: self, to: { app: 'pulsarr' }, ports: [PULSARR_PORT], why: 'webhook notifications to Pulsarr' }] : []),
        { from: self, to: { app: 'plex' }, ports: [PLEX_PORT], why: 'library refresh after imports (Connect › Plex Media Server)' },
      );
    }
    for (const arr of props.syncsTo ?? []) {
      this.addCall({ from: self, to: { app: arr.kind, instance: arr.instance }, ports: [arr.port], why: 'Prowlarr app sync of indexers' });
    }
    this.service = addService(this, site, { name: ep.instance, instance: ep.instance, app: spec.name, ports: [{ name: 'http', port: ep.port }] });
    if (props.metrics) addExportarrScrape(this, site, ep, props.metrics);
    this.headlessService = addHeadlessService(this, site, { name: ep.instance, instance: ep.instance, app: spec.name, ports: [{ name: 'http', port: ep.port }] });
  }
}

/**
 * `<KIND>__AUTH__METHOD`/`__REQUIRED` (Servarr AuthOptions). Required for every address: through
 * the ingress every client has a private address, which DisabledForLocalAddresses lets in
 * without a login. API clients (the wiring job, Prowlarr, Decypharr) always need the key.
 */
function arrAuthEnv(cfg: SiteConfig, kind: string): Record<string, string> {
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
function waitForDfsContainer(scope: IConstruct, cfg: SiteConfig, instance: string): k8s.Container {
  const dfs = dfsPath(cfg);
  const wait = {
    kind: 'dfs-wait',
    instance,
    container: 'wait-for-decypharr-dfs',
    condition: `[ -f ${dfs}/${DFS_MARKER} ]`,
    waiting: `waiting for the Decypharr DFS at ${dfs}`,
    ready: 'Decypharr DFS ready',
    timeout: 'DFS still empty after 10 minutes: check decypharr-0',
  } as const;
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
