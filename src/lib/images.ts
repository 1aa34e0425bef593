/**
 * Every container image of the stack, pinned, in one place. Each line carries a Renovate
 * comment so a dependency bot can bump it (regex manager on `// renovate:` comments).
 * Versions and sources: docs/app-facts-verified.md and ../shared/app-facts.md.
 * Decypharr, Plex, ClusterPlex, Pulsarr and the Intel GPU plugin keep theirs in their folders'
 * facts.ts (src/apps/<app>/facts.ts).
 */
export const IMAGES = {
  // renovate: datasource=docker depName=ghcr.io/home-operations/sonarr
  sonarr: 'ghcr.io/home-operations/sonarr:4.0.19.3001',
  // renovate: datasource=docker depName=ghcr.io/home-operations/radarr
  radarr: 'ghcr.io/home-operations/radarr:6.4.1.10545',
  // renovate: datasource=docker depName=ghcr.io/home-operations/prowlarr
  prowlarr: 'ghcr.io/home-operations/prowlarr:2.6.1.5509',
  // renovate: datasource=docker depName=ghcr.io/dictionarry-hub/profilarr
  profilarr: 'ghcr.io/dictionarry-hub/profilarr:2.2.0',
  // renovate: datasource=docker depName=busybox
  busybox: 'busybox:1.37.0',
  // Seed-004 components (app-facts §1b, §2, §9, §10, §11).
  // Debian variant: it ships nss_wrapper, so the server runs as the stack UID instead of 999.
  // renovate: datasource=docker depName=postgres
  postgres: 'postgres:16.13-bookworm',
  // renovate: datasource=docker depName=ghcr.io/home-operations/postgres-init
  postgresInit: 'ghcr.io/home-operations/postgres-init:18.6',
  // renovate: datasource=docker depName=ghcr.io/home-operations/qbittorrent
  qbittorrent: 'ghcr.io/home-operations/qbittorrent:5.2.3',
  // renovate: datasource=docker depName=ghcr.io/qdm12/gluetun
  gluetun: 'ghcr.io/qdm12/gluetun:v3.41.1',
  // renovate: datasource=docker depName=ghcr.io/tprasadtp/protonwire
  protonwire: 'ghcr.io/tprasadtp/protonwire:7.5.3',
  // renovate: datasource=docker depName=ghcr.io/flaresolverr/flaresolverr
  flaresolverr: 'ghcr.io/flaresolverr/flaresolverr:v3.5.0',
  // renovate: datasource=docker depName=ghcr.io/thephaseless/byparr
  byparr: 'ghcr.io/thephaseless/byparr:3.0.0',
  // renovate: datasource=docker depName=ghcr.io/raydak-labs/configarr
  configarr: 'ghcr.io/raydak-labs/configarr:1.30.1',
  // renovate: datasource=docker depName=quay.io/samba.org/samba-server
  samba: 'quay.io/samba.org/samba-server:v0.9',
  // Arr wiring CronJob: curl on Alpine (busybox sh/awk/mkdir), user curl_user; tag = curl release.
  // renovate: datasource=docker depName=curlimages/curl
  curl: 'curlimages/curl:8.21.0',
} as const;

export type ImageName = keyof typeof IMAGES;
