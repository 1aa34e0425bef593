/**
 * Every app's listening port, in one place (sources: ../shared/app-facts.md and
 * docs/app-facts-verified.md). Constructs, network policies and docs read them from here.
 * Decypharr, Plex, ClusterPlex and Pulsarr keep theirs in src/apps/<app>/facts.ts.
 */
export const PORTS = {
  /** Sonarr ConfigFileProvider default. */
  sonarr: 8989,
  /** Radarr ConfigFileProvider default (not 8989). */
  radarr: 7878,
  prowlarr: 9696,
  profilarr: 6868,
} as const;
