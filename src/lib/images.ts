/**
 * The pinned container images no app folder owns yet: the helper images several apps use
 * (busybox, curl, postgres-init) and the apps still to move. An app's own image lives in its
 * folder (src/apps/<app>/facts.ts). Each line carries a Renovate comment so a dependency bot can
 * bump it (regex manager on `// renovate:` comments, in every file that pins an image).
 * Versions and sources: docs/app-facts-verified.md and ../shared/app-facts.md.
 *
 * Plex and the ClusterPlex workers MUST run the identical Plex build (codec and transcoder
 * versions must match), so both use `plex` below.
 */
export const IMAGES = {
  // renovate: datasource=docker depName=ghcr.io/sirrobot01/decypharr
  decypharr: 'ghcr.io/sirrobot01/decypharr:v2.4',
  // renovate: datasource=docker depName=rclone/rclone
  rclone: 'rclone/rclone:1.75.0',
  // renovate: datasource=docker depName=lscr.io/linuxserver/plex
  plex: 'lscr.io/linuxserver/plex:1.43.3.10828-00f62d37d-ls315',
  // renovate: datasource=docker depName=ghcr.io/pabloromeo/clusterplex_dockermod
  clusterplexPmsMod: 'ghcr.io/pabloromeo/clusterplex_dockermod:1.4.15',
  // renovate: datasource=docker depName=ghcr.io/pabloromeo/clusterplex_worker_dockermod
  clusterplexWorkerMod: 'ghcr.io/pabloromeo/clusterplex_worker_dockermod:1.4.15',
  // renovate: datasource=docker depName=ghcr.io/pabloromeo/clusterplex_orchestrator
  clusterplexOrchestrator: 'ghcr.io/pabloromeo/clusterplex_orchestrator:1.4.15',
  // renovate: datasource=docker depName=lakker/pulsarr
  pulsarr: 'lakker/pulsarr:0.19.4',
  // renovate: datasource=docker depName=intel/intel-gpu-plugin
  intelGpuPlugin: 'intel/intel-gpu-plugin:0.36.0',
  // renovate: datasource=docker depName=busybox
  busybox: 'busybox:1.37.0',
  // Seed-004: the Servarr pods' init container that creates their PostgreSQL role and databases.
  // renovate: datasource=docker depName=ghcr.io/home-operations/postgres-init
  postgresInit: 'ghcr.io/home-operations/postgres-init:18.6',
  // Arr wiring CronJob: curl on Alpine (busybox sh/awk/mkdir), user curl_user; tag = curl release.
  // renovate: datasource=docker depName=curlimages/curl
  curl: 'curlimages/curl:8.21.0',
} as const;

export type ImageName = keyof typeof IMAGES;
