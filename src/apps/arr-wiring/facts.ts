import type { AppFacts } from '../../gates/behaviour-facts.js';
import type { ArrNotificationEvent, ArrNotificationKind } from './config.js';

/** What the behaviour gate checks the wiring job's container against (its image, curl, is a shared helper). */
export const ARR_WIRING_FACTS: AppFacts = {
  containers: {
    'arr-wiring/arr-wiring': {
      writes: ['/tmp'],
      writesIfMounted: ['/mnt/streaming-media'],
      source: 'src/apps/arr-wiring/ (mkdir -p of each streaming root folder, arr-wiring.sh)',
    },
  },
};

/**
 * The Arrs' "Connect › Plex Media Server" (implementation `PlexServer`, settings `PlexServerSettings`:
 * host, port, useSsl, urlBase, authToken, updateLibrary): the events it supports that change
 * files, per kind (Sonarr v4.0.19 / Radarr / Lidarr v2.14 `Notifications/Plex/Server/PlexServer.cs`
 * overrides; `SupportsOnUpgrade` follows OnDownload / OnReleaseImport). The library refresh runs on each.
 */
export const PLEX_CONNECTION_EVENTS: Readonly<Record<string, readonly string[]>> = {
  sonarr: ['onDownload', 'onUpgrade', 'onRename', 'onSeriesDelete', 'onEpisodeFileDelete', 'onEpisodeFileDeleteForUpgrade'],
  radarr: ['onDownload', 'onUpgrade', 'onRename', 'onMovieDelete', 'onMovieFileDelete', 'onMovieFileDeleteForUpgrade'],
  lidarr: ['onReleaseImport', 'onUpgrade', 'onRename', 'onTrackRetag', 'onArtistDelete', 'onAlbumDelete'],
};

/**
 * The first design's routing tags in the Arrs. A download client with tags serves only items
 * sharing one; items without a match use the untagged clients (Sonarr/Radarr
 * `DownloadClientProvider.GetDownloadClient`), so Decypharr stays untagged (streaming is the
 * default, also for untagged items) and qBittorrent gets `downloads`.
 */
export const ROUTING_TAGS = { streaming: 'streaming', downloads: 'downloads' } as const;

/**
 * The Arrs' notification flags per event of `apps.arrWiring.notifications`, per kind
 * (`NotificationResource` of each app's OpenAPI document, test/fixtures/app-apis). Sonarr v4.0.19
 * and Radarr v6.0.3 publish ManualInteractionRequiredEvent when a finished download's import is
 * blocked (CompletedDownloadService.SetStateToImportBlocked); Lidarr v2.14.5 calls OnImportFailure
 * on AlbumImportIncompleteEvent (NotificationService). Upgrades notify only with OnDownload /
 * OnReleaseImport on (the Arrs' SupportsOnUpgrade). Discord, Webhook and Ntfy override every one
 * of these in all three apps (docs/app-facts-verified.md §30).
 */
export const NOTIFICATION_EVENT_FLAGS: Readonly<Record<string, Readonly<Record<ArrNotificationEvent, readonly string[]>>>> = {
  sonarr: { grab: ['onGrab'], importFailed: ['onManualInteractionRequired'], imported: ['onDownload', 'onUpgrade'], health: ['onHealthIssue'] },
  radarr: { grab: ['onGrab'], importFailed: ['onManualInteractionRequired'], imported: ['onDownload', 'onUpgrade'], health: ['onHealthIssue'] },
  lidarr: { grab: ['onGrab'], importFailed: ['onImportFailure'], imported: ['onReleaseImport', 'onUpgrade'], health: ['onHealthIssue'] },
};

/**
 * The Arrs' connection implementations (provider class, settings class) and the settings field
 * that takes the operator's value: DiscordSettings.WebHookUrl, WebhookSettings.Url (Method 1 =
 * POST, the default), NtfySettings.Topics (a list; ServerUrl empty = https://ntfy.sh) — the same
 * in Sonarr, Radarr and Lidarr (§30).
 */
export const NOTIFICATION_IMPLEMENTATIONS: Readonly<
  Record<ArrNotificationKind, { readonly implementation: string; readonly configContract: string; readonly valueField: string }>
> = {
  discord: { implementation: 'Discord', configContract: 'DiscordSettings', valueField: 'webHookUrl' },
  webhook: { implementation: 'Webhook', configContract: 'WebhookSettings', valueField: 'url' },
  ntfy: { implementation: 'Ntfy', configContract: 'NtfySettings', valueField: 'topics' },
};

/** ntfy's public server: NtfyProxy's DEFAULT_PUSH_URL when ServerUrl is empty. */
export const NTFY_DEFAULT_SERVER = 'https://ntfy.sh';

/** An Arr flag as the checkbox in Settings › Connect names it: `onManualInteractionRequired` → "On Manual Interaction Required". */
export function notificationFlagLabel(flag: string): string {
  return flag.replace(/^on/, 'On').replace(/([a-z])([A-Z])/g, '$1 $2');
}
