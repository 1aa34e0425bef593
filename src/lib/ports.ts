/**
 * The listening ports of the apps whose folder does not hold its facts yet (sources:
 * ../shared/app-facts.md and docs/app-facts-verified.md). A moved app's port is in its
 * src/apps/<app>/facts.ts.
 */
export const PORTS = {
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
