import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { bool, leaf } from '../../config/schema.js';
import { cronSchedule } from '../../config/cron.js';
import type { AppConfig } from '../../config/types.js';

/** Where a notification connection posts: a Discord channel webhook, an ntfy topic, or any URL taking the Arrs' JSON. */
export const ARR_NOTIFICATION_KINDS = ['discord', 'ntfy', 'webhook'] as const;
export type ArrNotificationKind = (typeof ARR_NOTIFICATION_KINDS)[number];

/**
 * What a connection reports: `grab` (a release was sent to a download client), `importFailed`
 * (a finished download could not be imported: Sonarr/Radarr "On Manual Interaction Required",
 * Lidarr "On Import Failure"), `imported` (a file was imported or upgraded), `health` (a health
 * check failed).
 */
export const ARR_NOTIFICATION_EVENTS = ['grab', 'importFailed', 'imported', 'health'] as const;
export type ArrNotificationEvent = (typeof ARR_NOTIFICATION_EVENTS)[number];

/** One notification connection (Settings › Connect) the wiring job adds to every Arr. */
export interface ArrNotificationConfig {
  /**
   * The connection's name in the Arrs; a connection of this name counts as present (yours
   * too, whatever it points at). Letters, digits, spaces, "-", "_", "."; also names its Secret key.
   */
  readonly name: string;
  /** Where it posts. The URL (discord, webhook) or the topic (ntfy) is an operator value of Secret `arr-notifications`. */
  readonly kind: ArrNotificationKind;
  /** What it reports. @default ['grab', 'importFailed'] */
  readonly events?: readonly ArrNotificationEvent[];
  /** ntfy only: the server the topic lives on. @default 'https://ntfy.sh' */
  readonly server?: string;
}

export interface ArrWiringConfig extends AppConfig {
  /** CronJob schedule of the reconciler. @default '17 * * * *' (hourly) */
  readonly schedule: string;
  /**
   * With both Decypharr and qBittorrent: create the tags `streaming` and `downloads` in every Arr
   * and give a new qBittorrent client the tag `downloads`, so only items tagged `downloads` go to
   * qBittorrent and everything else to Decypharr. Off: both clients untagged (priority decides).
   * @default true
   */
  readonly tagRouting: boolean;
  /**
   * Add "Connect › Plex Media Server" to every Arr (library refresh after imports, renames,
   * deletes) with the Plex token, once Plex is claimed. @default true
   */
  readonly plexConnection: boolean;
  /**
   * Notification connections added to every Arr (Sonarr, Radarr, Lidarr), e.g.
   * `[{ name: 'Discord', kind: 'discord' }]`: grabs and failed imports to a chat. Each URL or
   * topic is an operator value (Secret `arr-notifications`, key `<name>-url` or `<name>-topic`
   * in lower case, spaces as "-"). @default [] (none)
   */
  readonly notifications: readonly ArrNotificationConfig[];
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Reconciler CronJob that adds what an operator would click together: Sonarr/Radarr as
     * Prowlarr applications, Decypharr/qBittorrent as their download clients (routed by tag),
     * their root folders, their Plex library refresh and notification connections, FlareSolverr/Byparr as Prowlarr indexer proxies. Creates only what is missing; never changes
     * or deletes existing entries. @default - enabled, hourly at minute 17
     */
    readonly arrWiring: ArrWiringConfig;
  }
}

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
const FIELDS = ['name', 'kind', 'events', 'server'];
/** A connection name: safe in the Arrs, in a Secret key and as the JSON the job reads. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/;

/** The Secret key of a connection's URL or topic: `Discord Alerts` → `discord-alerts-url`. */
export function notificationSecretKey(n: Pick<ArrNotificationConfig, 'name' | 'kind'>): string {
  return `${n.name.toLowerCase().replace(/ /g, '-')}-${n.kind === 'ntfy' ? 'topic' : 'url'}`;
}

/** What is wrong with one item of `notifications`, or undefined. */
function notificationProblem(v: unknown, at: string): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at} must be an object such as { name: 'Discord', kind: 'discord' }, got ${show(v)}`;
  const item = v as Record<string, unknown>;
  const unknown = Object.keys(item).filter((k) => !FIELDS.includes(k));
  if (unknown.length) return `${at} has no field ${unknown.map(show).join(', ')}: use ${FIELDS.join(', ')}`;
  if (typeof item.name !== 'string' || !NAME.test(item.name))
    return `${at}.name must be 1 to 63 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit (e.g. 'Discord'), got ${show(item.name)}`;
  // The Arrs want connection names unique regardless of case, and the job's library refresh is "Plex".
  if (item.name.toLowerCase() === 'plex') return `${at}.name 'Plex' is the name of the job's Plex Media Server connection: pick another, e.g. 'Plex alerts'`;
  if (typeof item.kind !== 'string' || !(ARR_NOTIFICATION_KINDS as readonly string[]).includes(item.kind))
    return `${at}.kind must be one of ${ARR_NOTIFICATION_KINDS.map(show).join(', ')}, got ${show(item.kind)}`;
  if (item.events !== undefined) {
    if (!Array.isArray(item.events) || item.events.length === 0)
      return `${at}.events must be a non-empty list of ${ARR_NOTIFICATION_EVENTS.map(show).join(', ')}, got ${show(item.events)}`;
    const bad: unknown = (item.events as unknown[]).find((e) => !(ARR_NOTIFICATION_EVENTS as readonly unknown[]).includes(e));
    if (bad !== undefined) return `${at}.events: ${show(bad)} is not an event: use ${ARR_NOTIFICATION_EVENTS.map(show).join(', ')}`;
    if (new Set(item.events).size !== item.events.length) return `${at}.events must not repeat an event, got ${show(item.events)}`;
  }
  if (item.server !== undefined) {
    if (item.kind !== 'ntfy') return `${at}.server is for kind 'ntfy' only (a ${item.kind} connection's whole URL is its Secret value): remove it`;
    if (typeof item.server !== 'string' || !/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~/-]*)?$/.test(item.server))
      return `${at}.server must be the ntfy server's http(s) URL such as 'https://ntfy.example.com', got ${show(item.server)}`;
  }
  return undefined;
}

/** `notifications`: every item checked, names (and so Secret keys) each used once. */
const notifications = leaf((v) => {
  if (!Array.isArray(v)) return `must be a list such as [{ name: 'Discord', kind: 'discord' }], got ${show(v)}`;
  for (let i = 0; i < v.length; i++) {
    const problem = notificationProblem(v[i], `[${i}]`);
    if (problem) return problem;
  }
  const seen = new Set<string>();
  for (const n of v as ArrNotificationConfig[]) {
    // As the job's env var names it (NOTIFICATION_<NAME>_URL): two names that differ only there would share one value.
    const key = n.name.toLowerCase().replace(/[^a-z0-9]/g, '-');
    if (seen.has(key)) return `the name ${show(n.name)} is listed twice (names are compared in lower case, with ".", "_" and spaces as "-"): give each connection its own name`;
    seen.add(key);
  }
  return undefined;
});

export const arrWiringConfig: AppConfigSlice<'arrWiring'> = {
  key: 'arrWiring',
  schema: appSchema({ schedule: cronSchedule, tagRouting: bool, plexConnection: bool, notifications }),
  defaults: { enabled: true, schedule: '17 * * * *', tagRouting: true, plexConnection: true, notifications: [] },
};
