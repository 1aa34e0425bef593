/**
 * Every app's listening port, in one place (sources: ../shared/app-facts.md and
 * docs/app-facts-verified.md). Constructs, network policies and docs read them from here.
 */
export const PORTS = {
  /** Sonarr ConfigFileProvider default. */
  sonarr: 8989,
  /** Radarr ConfigFileProvider default (not 8989). */
  radarr: 7878,
  prowlarr: 9696,
  profilarr: 6868,
  /** Decypharr UI, qBittorrent API, SABnzbd API and WebDAV. */
  decypharr: 8282,
  /** rclone serve nfs (NFSv3 + MOUNT on one port). */
  decypharrNfs: 2049,
  plex: 32400,
  /** ClusterPlex nginx relay in the PMS pod. */
  plexRelay: 32499,
  clusterplexOrchestrator: 3500,
  /** ClusterPlex worker health server. */
  clusterplexWorker: 3501,
  pulsarr: 3003,
} as const;
