/**
 * The data the wiring script reads (`arr-wiring.json` in its ConfigMap): which apps to call, and
 * in each app which entries must exist, how an existing one is recognised, and the body that
 * creates a missing one. Built from the config and the Servarr kinds table (each kind's
 * `library` row, src/apps/servarr/kinds.ts); the script
 * (arr-wiring.sh) knows no app, kind or field. API keys are never in the data: a body names the
 * environment variable that holds a key (`@@SONARR_API_KEY@@`), filled in by the script from the
 * container's env (secretKeyRef).
 */
import type { StackConfig } from '../../config/types.js';
import { arrEndpoint, enabledArrs, type ArrEndpoint } from '../servarr/arr.js';
import { DECYPHARR_PORT } from '../decypharr/facts.js';
import { PATHS } from '../../lib/storage.js';
import { SOLVER_PORT } from '../flaresolverr/facts.js';
import type { ArrKindSpec } from '../servarr/kinds.js';
import { NOTIFICATION_EVENT_FLAGS, NOTIFICATION_IMPLEMENTATIONS, NTFY_DEFAULT_SERVER, PLEX_CONNECTION_EVENTS, ROUTING_TAGS } from './facts.js';
import { notificationSecretKey, type ArrNotificationConfig, type ArrNotificationEvent } from './config.js';

// ─── the schema ─────────────────────────────────────────────────────────────────────────────

/** The document: the apps in the order the job calls them (every Arr, then Prowlarr). */
export interface WiringData {
  readonly apps: readonly WiredApp[];
}

interface WiredApp {
  /** Instance name (= Service name), the prefix of the job's log lines. */
  readonly instance: string;
  /** The API's base URL, e.g. `http://sonarr.media.svc.cluster.local:8989/api/v3`. */
  readonly api: string;
  /** The environment variable that holds the app's API key (sent as `X-Api-Key`). */
  readonly keyEnv: string;
  /** Listed once each, in order. */
  readonly collections: readonly WiredCollection[];
}

interface WiredCollection {
  /** Listed with `GET <api>/<resource>`, created with `POST <api>/<resource><createQuery>`. */
  readonly resource: string;
  /** Appended to the POST URL. @default '' */
  readonly createQuery?: string;
  readonly entries: readonly WiredEntry[];
}

/** An entry of a collection is present when any rule matches a listed entry (lower case). */
type MatchRule =
  /** A top-level property, e.g. `name` or `path`. */
  | { readonly property: string; readonly regex: string }
  /** A provider setting: `fields[]` with this `name` and a matching `value`. */
  | { readonly field: string; readonly regex: string };

/** An id the body needs, looked up at run time; `"@@<placeholder>@@"` in the body becomes the number. */
type Lookup =
  /** The id of the tag with this label, created when missing. */
  | { readonly placeholder: string; readonly tag: string }
  /** The id of the first listed entry of `<api>/<resource>` (not named `except`). */
  | { readonly placeholder: string; readonly resource: string; readonly except?: string };

interface WiredEntry {
  /** What it is, for the log: `download client Decypharr`. */
  readonly what: string;
  readonly match: readonly MatchRule[];
  /** The JSON body; `@@ENV@@` inside a string is the value of a `secrets` variable. */
  readonly body: string;
  /** Environment variables the body needs (checked to be plain API keys first). @default [] */
  readonly secrets?: readonly string[];
  /**
   * Environment variables holding URLs the body needs (checked to be http(s) URLs of characters
   * that are safe in JSON first), e.g. a Discord webhook. @default []
   */
  readonly urls?: readonly string[];
  /** @default [] */
  readonly lookups?: readonly Lookup[];
  /** A folder the entry needs: created (`create`) or required to exist (else skipped with `ifMissing`). @default - none */
  readonly folder?: { readonly path: string; readonly create: boolean; readonly ifMissing?: string };
  /** Logged after the entry was created. @default - none */
  readonly note?: string;
  /**
   * Skipped (and logged with `why`) while this environment variable is empty: a value another
   * app fills in later, e.g. the Plex token once the server is claimed. @default - never skipped
   */
  readonly skipWithout?: { readonly env: string; readonly why: string };
}

// ─── names and paths ────────────────────────────────────────────────────────────────────────

/** An Arr instance the job wires (download clients, root folders, Prowlarr application): a library manager's endpoint. */
export interface WiredArr extends ArrEndpoint {
  readonly spec: ArrKindSpec & { readonly library: NonNullable<ArrKindSpec['library']> };
}

/** `sonarr-4k` → `SONARR_4K_API_KEY` (the env var holding the instance's API key). */
export function wiringKeyEnv(instance: string): string {
  return `${instance.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_KEY`;
}

/**
 * The permanent library folder of an instance: `/mnt/media/tv` (Sonarr), `/mnt/media/movies`
 * (Radarr), `/mnt/media/music` (Lidarr); extra instances get their suffix (`/mnt/media/tv-4k`),
 * so two instances never share a root folder.
 */
export function permanentRootFolder(arr: WiredArr): string {
  const suffix = arr.instance === arr.kind ? '' : arr.instance.slice(arr.kind.length);
  return `${PATHS.media}/${arr.spec.library.folder}${suffix}`;
}

/**
 * The streaming library folder of an instance: `/mnt/streaming-media/<instance>`, the path the
 * generated runbooks name (src/docs/runbooks.ts, "Root folders").
 */
export function streamingRootFolder(arr: WiredArr): string {
  return `${PATHS.symlinks}/${arr.instance}`;
}

/** A POSIX ERE (no backslashes: awk -v would eat them) for a Service's in-cluster names, optionally as a URL. */
export function hostRegex(name: string, namespace: string, port?: number): string {
  const dots = (s: string) => s.replace(/\./g, '[.]');
  const portPart = port === undefined ? '' : `(:${port})?`;
  return `^(https?://)?${dots(name)}([.]${dots(namespace)}([.]svc([.]cluster[.]local)?)?)?${portPart}/?$`;
}

/** A literal value as an anchored, lower-case POSIX ERE. */
function exactRegex(s: string): string {
  return `^${s.toLowerCase().replace(/[.[\]()*+?^$|{}]/g, (c) => (c === '^' ? '\\^' : `[${c}]`))}/?$`;
}

/** The usenet client the job adds when Decypharr has a usenet provider, and its SABnzbd API's URL base. */
const DECYPHARR_USENET = 'Decypharr Usenet';
const DECYPHARR_SABNZBD_URL_BASE = '/sabnzbd';

// ─── bodies ─────────────────────────────────────────────────────────────────────────────────

/** In a body: the value of an environment variable (a string) / a looked-up id (a number). */
interface Secret {
  readonly $secret: string;
}
interface Id {
  readonly $id: string;
}

/** The body as JSON with `@@NAME@@` placeholders, checked against what the entry declares. */
function body(obj: unknown, declared: { secrets?: readonly string[]; urls?: readonly string[]; lookups?: readonly Lookup[] } = {}): string {
  const secrets = new Set<string>();
  const ids = new Set<string>();
  const json = JSON.stringify(obj, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '$secret' in v) return (secrets.add((v as Secret).$secret), `@@${(v as Secret).$secret}@@`);
    if (v && typeof v === 'object' && '$id' in v) return (ids.add((v as Id).$id), `@@${(v as Id).$id}@@`);
    return v;
  });
  const same = (a: Set<string>, b: readonly string[] = []) => a.size === b.length && b.every((x) => a.has(x));
  if (
    !same(secrets, [...(declared.secrets ?? []), ...(declared.urls ?? [])]) ||
    !same(
      ids,
      declared.lookups?.map((l) => l.placeholder),
    )
  ) {
    throw new Error(`arr-wiring: the body ${json} uses placeholders its entry does not declare`);
  }
  return json;
}

const field = (name: string, value: unknown) => ({ name, value });

/** `defaultQualityProfileId` → `DEFAULT_QUALITY_PROFILE_ID`. */
const placeholderOf = (bodyField: string) => bodyField.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

// ─── the document for a config ──────────────────────────────────────────────────────────────

/** The env var of the wiring job that holds the Plex token (optional secretKeyRef: empty until Plex is claimed). */
export const PLEX_TOKEN_ENV = 'PLEX_TOKEN';

/** Plex Media Server as the Arrs' library-refresh connection reaches it. */
export interface WiredPlex {
  /** Its Service's name (in the stack's namespace). */
  readonly service: string;
  readonly port: number;
  /** Where the token lives, for the log line while it is empty. */
  readonly token: { readonly secret: string; readonly key: string };
}

/** What the wiring adds besides the config's own apps. */
export interface WiringOptions {
  /** Arr instances the config does not list yet (e.g. Lidarr). @default [] */
  readonly extraArrs?: readonly WiredArr[];
  /** Plex, when the stack runs it: each Arr gets its library-refresh connection. @default - none */
  readonly plex?: WiredPlex;
}

/** Whether both download clients run, so items are routed between them by tag. */
function routesByTag(cfg: StackConfig): boolean {
  return cfg.apps.arrWiring.tagRouting && cfg.apps.decypharr.enabled && cfg.apps.qbittorrent.enabled;
}

/** The Arr's "Connect › Plex Media Server" (library refresh after imports, renames and deletes). */
function plexConnection(cfg: StackConfig, arr: WiredArr, plex: WiredPlex): WiredEntry | undefined {
  const events = PLEX_CONNECTION_EVENTS[arr.kind];
  if (!events) return undefined;
  const host = `${plex.service}.${cfg.namespace}.svc.cluster.local`;
  const secrets = [PLEX_TOKEN_ENV];
  return {
    what: 'connection Plex Media Server',
    // Any Plex Media Server connection is the operator's choice of server and token: kept.
    match: [{ property: 'implementation', regex: exactRegex('PlexServer') }],
    body: body(
      {
        name: 'Plex',
        implementation: 'PlexServer',
        configContract: 'PlexServerSettings',
        ...Object.fromEntries(events.map((e) => [e, true])),
        // The Arrs and Plex mount the libraries at the same paths: no path mapping.
        fields: [
          field('host', host),
          field('port', plex.port),
          field('useSsl', false),
          field('urlBase', ''),
          field('authToken', { $secret: PLEX_TOKEN_ENV }),
          field('updateLibrary', true),
        ],
        tags: [],
      },
      { secrets },
    ),
    secrets,
    skipWithout: { env: PLEX_TOKEN_ENV, why: `Plex is not claimed yet (${plex.token.secret}/${plex.token.key} is empty): added on a later run` },
  };
}

/** The Secret with the operator's notification URLs and topics (one key per connection). */
export const NOTIFICATION_SECRET = 'arr-notifications';

/** The events a connection reports when the config names none. */
const DEFAULT_NOTIFICATION_EVENTS: readonly ArrNotificationEvent[] = ['grab', 'importFailed'];

/** `discord-url` → `NOTIFICATION_DISCORD_URL` (the wiring job's env var holding that Secret key). */
export function notificationEnv(n: ArrNotificationConfig): string {
  return `NOTIFICATION_${notificationSecretKey(n)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '_')}`;
}

/** The Arr's flags (`onGrab`, …) for a connection's events; undefined for a kind without notification flags. */
export function notificationFlags(arr: Pick<WiredArr, 'kind'>, n: ArrNotificationConfig): string[] | undefined {
  const flags = NOTIFICATION_EVENT_FLAGS[arr.kind];
  return flags ? (n.events ?? DEFAULT_NOTIFICATION_EVENTS).flatMap((e) => flags[e]) : undefined;
}

/** The Arr's Settings › Connect entry for one configured notification (a kind without the flags gets none). */
function notificationConnection(arr: WiredArr, n: ArrNotificationConfig): WiredEntry | undefined {
  const flags = notificationFlags(arr, n);
  if (!flags) return undefined;
  const impl = NOTIFICATION_IMPLEMENTATIONS[n.kind];
  const env = notificationEnv(n);
  // ntfy: the topic is a plain token; discord/webhook: the whole URL is the secret.
  const declared = n.kind === 'ntfy' ? { secrets: [env] } : { urls: [env] };
  const value = { $secret: env };
  const fields =
    n.kind === 'ntfy'
      ? [field('serverUrl', n.server ?? NTFY_DEFAULT_SERVER), field(impl.valueField, [value])]
      : n.kind === 'webhook'
        ? [field(impl.valueField, value), field('method', 1)]
        : [field(impl.valueField, value)];
  return {
    what: `connection ${n.name}`,
    match: [{ property: 'name', regex: exactRegex(n.name) }],
    body: body(
      {
        name: n.name,
        implementation: impl.implementation,
        configContract: impl.configContract,
        ...Object.fromEntries(flags.map((flag) => [flag, true])),
        fields,
        tags: [],
      },
      declared,
    ),
    ...declared,
  };
}

function isWired(arr: ArrEndpoint): arr is WiredArr {
  return arr.spec.library !== undefined;
}

/** The config's library manager instances (Sonarr, Radarr…, main + extra), in table and config order. */
export function configuredArrs(cfg: StackConfig): WiredArr[] {
  return enabledArrs(cfg).filter(isWired);
}

function arrApp(cfg: StackConfig, arr: WiredArr, plex: WiredPlex | undefined): WiredApp {
  const a = cfg.apps;
  const ns = cfg.namespace;
  const kind = arr.spec.library;
  const keyEnv = wiringKeyEnv(arr.instance);
  const svc = (name: string) => `${name}.${ns}.svc.cluster.local`;
  const clients = [
    ...(a.decypharr.enabled ? [{ name: 'Decypharr', service: 'decypharr', port: DECYPHARR_PORT, priority: 1 }] : []),
    ...(a.qbittorrent.enabled
      ? [{ name: 'qBittorrent', service: 'qbittorrent', port: a.qbittorrent.webUiPort, priority: 2, ...(routesByTag(cfg) ? { tag: ROUTING_TAGS.downloads } : {}) }]
      : []),
  ] as { name: string; service: string; port: number; priority: number; tag?: string }[];
  const downloadClients: WiredEntry[] = clients.map((dc) => {
    // Decypharr: the Arr's own URL and API key (app-facts §3); qBittorrent: set in its UI.
    const decypharr = dc.name === 'Decypharr';
    const secrets = decypharr ? [keyEnv] : [];
    const lookups: Lookup[] = dc.tag ? [{ placeholder: 'TAG_ID', tag: dc.tag }] : [];
    const fields = [
      field('host', svc(dc.service)),
      field('port', dc.port),
      field('useSsl', false),
      field('urlBase', ''),
      field('username', decypharr ? arr.url : ''),
      field('password', decypharr ? { $secret: keyEnv } : ''),
      field(kind.categoryField, arr.instance),
    ];
    return {
      what: `download client ${dc.name}`,
      match: [
        { property: 'name', regex: exactRegex(dc.name) },
        { field: 'host', regex: hostRegex(dc.service, ns) },
      ],
      body: body(
        {
          name: dc.name,
          enable: true,
          protocol: 'torrent',
          priority: dc.priority,
          removeCompletedDownloads: true,
          removeFailedDownloads: true,
          implementation: 'QBittorrent',
          configContract: 'QBittorrentSettings',
          fields,
          tags: dc.tag ? [{ $id: 'TAG_ID' }] : [],
        },
        { secrets, lookups },
      ),
      ...(secrets.length ? { secrets } : {}),
      ...(lookups.length ? { lookups } : {}),
    };
  });
  // Decypharr's SABnzbd API (/sabnzbd) authenticates the Arr the same way: its URL as user name,
  // its API key as password (sirrobot01/decypharr v2.4 pkg/server/sabnzbd/context.go authContext).
  // Recognised by name or by that URL base, so a renamed one is kept.
  if (a.decypharr.enabled && a.decypharr.usenet)
    downloadClients.push({
      what: `download client ${DECYPHARR_USENET}`,
      match: [
        { property: 'name', regex: exactRegex(DECYPHARR_USENET) },
        { field: 'urlBase', regex: exactRegex(DECYPHARR_SABNZBD_URL_BASE) },
      ],
      body: body(
        {
          name: DECYPHARR_USENET,
          enable: true,
          protocol: 'usenet',
          priority: 1,
          removeCompletedDownloads: true,
          removeFailedDownloads: true,
          implementation: 'Sabnzbd',
          configContract: 'SabnzbdSettings',
          fields: [
            field('host', svc('decypharr')),
            field('port', DECYPHARR_PORT),
            field('useSsl', false),
            field('urlBase', DECYPHARR_SABNZBD_URL_BASE),
            field('apiKey', ''),
            field('username', arr.url),
            field('password', { $secret: keyEnv }),
            field(kind.categoryField, arr.instance),
          ],
          tags: [],
        },
        { secrets: [keyEnv] },
      ),
      secrets: [keyEnv],
    });
  // The routing tags exist in every Arr, so items can be tagged before anything uses a tag.
  const tags: WiredEntry[] = routesByTag(cfg)
    ? Object.values(ROUTING_TAGS).map((label) => ({ what: `tag ${label}`, match: [{ property: 'label', regex: exactRegex(label) }], body: body({ label }) }))
    : [];
  const plexEntry = plex ? plexConnection(cfg, arr, plex) : undefined;
  const connections = [...(plexEntry ? [plexEntry] : []), ...cfg.apps.arrWiring.notifications.flatMap((n) => notificationConnection(arr, n) ?? [])];

  const lookups: Lookup[] = (kind.rootFolderProfiles ?? []).map((p) => ({ placeholder: placeholderOf(p.field), resource: p.resource, ...(p.except ? { except: p.except } : {}) }));
  const rootFolder = (path: string, name: string, folder: WiredEntry['folder']): WiredEntry => ({
    what: `root folder ${path}`,
    match: [{ property: 'path', regex: exactRegex(path) }],
    body: body(
      {
        ...(kind.rootFolderNamed ? { name } : {}),
        path,
        ...Object.fromEntries((kind.rootFolderProfiles ?? []).map((p) => [p.field, { $id: placeholderOf(p.field) }])),
      },
      { lookups },
    ),
    ...(lookups.length ? { lookups } : {}),
    folder,
  });
  const roots: WiredEntry[] = [
    // The stack owns the streaming library: the job creates the folder the Arr requires to exist.
    ...(a.decypharr.enabled ? [rootFolder(streamingRootFolder(arr), `${arr.instance} streaming`, { path: streamingRootFolder(arr), create: true })] : []),
    // Added only when the folder exists on the library (never created on the NAS).
    rootFolder(permanentRootFolder(arr), `${arr.instance} library`, {
      path: permanentRootFolder(arr),
      create: false,
      ifMissing: 'create the folder in the media library to have it added',
    }),
  ];

  return {
    instance: arr.instance,
    api: `${arr.url}/api/${arr.spec.apiVersion}`,
    keyEnv,
    collections: [
      ...(tags.length ? [{ resource: 'tag', entries: tags }] : []),
      ...(downloadClients.length ? [{ resource: 'downloadclient', createQuery: '?forceSave=true', entries: downloadClients }] : []),
      { resource: 'rootfolder', entries: roots },
      ...(connections.length ? [{ resource: 'notification', createQuery: '?forceSave=true', entries: connections }] : []),
    ],
  };
}

function prowlarrApp(cfg: StackConfig, arrs: readonly WiredArr[]): WiredApp {
  const ns = cfg.namespace;
  const prowlarr = arrEndpoint(cfg, 'prowlarr');
  const applications: WiredEntry[] = arrs.map((arr) => {
    const title = arr.spec.library.prowlarrImplementation;
    const secrets = [wiringKeyEnv(arr.instance)];
    return {
      what: `application ${arr.instance}`,
      match: [
        { property: 'name', regex: exactRegex(arr.instance) },
        { field: 'baseUrl', regex: hostRegex(arr.instance, ns, arr.port) },
      ],
      body: body(
        {
          name: arr.instance,
          syncLevel: 'fullSync',
          implementation: title,
          configContract: `${title}Settings`,
          // Sync categories: the app's defaults (omitted fields keep the settings' defaults).
          fields: [field('prowlarrUrl', prowlarr.url), field('baseUrl', arr.url), field('apiKey', { $secret: secrets[0]! })],
          tags: [],
        },
        { secrets },
      ),
      secrets,
    };
  });
  const solvers = (['flaresolverr', 'byparr'] as const).filter((s) => cfg.apps[s].enabled);
  const proxies: WiredEntry[] = solvers.map((name) => {
    const title = name === 'flaresolverr' ? 'FlareSolverr' : 'Byparr';
    const lookups = [{ placeholder: 'TAG_ID', tag: name }];
    return {
      what: `indexer proxy ${title}`,
      match: [
        { property: 'name', regex: exactRegex(title) },
        { field: 'host', regex: hostRegex(name, ns, SOLVER_PORT) },
      ],
      // A proxy serves only indexers sharing one of its tags (Prowlarr IndexerHttpClient).
      // Request timeout: the settings' default (60 s).
      body: body(
        {
          name: title,
          implementation: 'FlareSolverr',
          configContract: 'FlareSolverrSettings',
          fields: [field('host', `http://${name}.${ns}.svc.cluster.local:${SOLVER_PORT}/`)],
          tags: [{ $id: 'TAG_ID' }],
        },
        { lookups },
      ),
      lookups,
      note: `tag the indexers behind Cloudflare with the tag ${name} to route them through ${title}`,
    };
  });
  return {
    instance: prowlarr.instance,
    api: `${prowlarr.url}/api/v1`,
    keyEnv: wiringKeyEnv(prowlarr.instance),
    collections: [
      ...(applications.length ? [{ resource: 'applications', createQuery: '?forceSave=true', entries: applications }] : []),
      ...(proxies.length ? [{ resource: 'indexerProxy', createQuery: '?forceSave=true', entries: proxies }] : []),
    ],
  };
}

/** Characters the script's JSON reader and logs take as they are (no escapes but `\"` and `\\`). */
function checkPlain(data: WiringData): void {
  JSON.stringify(data, (k, v: unknown) => {
    // eslint-disable-next-line no-control-regex -- finding control characters is the point of this check
    if (typeof v === 'string' && /[\u0000-\u001f\u007f]/.test(v)) throw new Error(`arr-wiring: ${k} ${JSON.stringify(v)} holds a control character`);
    return v;
  });
}

/**
 * The wiring document for a config: the config's Sonarr/Radarr instances plus `extraArrs`
 * (a kind the config does not list yet, e.g. Lidarr), and Prowlarr when it is enabled.
 */
export function wiringData(cfg: StackConfig, opts: WiringOptions = {}): WiringData {
  const arrs = [...configuredArrs(cfg), ...(opts.extraArrs ?? [])];
  const data: WiringData = { apps: [...arrs.map((arr) => arrApp(cfg, arr, opts.plex)), ...(cfg.apps.prowlarr.enabled ? [prowlarrApp(cfg, arrs)] : [])] };
  checkPlain(data);
  return data;
}
