import type { AppFacts } from '../../gates/behaviour-facts.js';

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
