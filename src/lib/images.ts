/**
 * The pinned helper images several apps use (busybox, curl, postgres-init, python). An app's own image
 * lives in its folder (src/apps/<app>/facts.ts). Each line carries a Renovate comment so a dependency bot can
 * bump it (regex manager on `// renovate:` comments, in every file that pins an image).
 * Versions and sources: docs/app-facts-verified.md and ../shared/app-facts.md.
 */
export const IMAGES = {
  // renovate: datasource=docker depName=busybox
  busybox: 'busybox:1.37.0',
  // Seed-004: the Servarr pods' init container that creates their PostgreSQL role and databases.
  // renovate: datasource=docker depName=ghcr.io/home-operations/postgres-init
  postgresInit: 'ghcr.io/home-operations/postgres-init:18.6',
  // Arr wiring CronJob: curl on Alpine (busybox sh/awk/mkdir), user curl_user; tag = curl release.
  // renovate: datasource=docker depName=curlimages/curl
  curl: 'curlimages/curl:8.21.0',
  // First-boot setup jobs (src/lib/setup-job.ts): the official Python image, standard library only.
  // renovate: datasource=docker depName=python
  python: 'python:3.14.7-alpine3.24',
} as const;
