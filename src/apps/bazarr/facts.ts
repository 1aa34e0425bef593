import { HOME_OPERATIONS, type AppFacts } from '../../gates/behaviour-facts.js';

/**
 * What Bazarr's and its image's source say (docs/app-facts-verified.md §14): the home-operations
 * image runs `bazarr.py --config /config --port $BAZARR__PORT` as its `USER nobody` (no user
 * switching: as the pod's user) and answers `GET /api/system/ping` without a login.
 */
export const BAZARR = {
  // renovate: datasource=docker depName=ghcr.io/home-operations/bazarr
  image: 'ghcr.io/home-operations/bazarr:1.6.0',
  port: 6767,
  health: '/api/system/ping',
} as const;

/** What the behaviour gate checks Bazarr's container against (sources: docs/app-facts-verified.md §14). */
export const BAZARR_FACTS: AppFacts = {
  images: { 'ghcr.io/home-operations/bazarr': HOME_OPERATIONS },
  containers: {
    'bazarr/bazarr': {
      writes: ['/config', '/tmp'],
      writesIfMounted: ['/mnt/media', '/mnt/streaming-media'],
      source:
        'home-operations apps/bazarr/entrypoint.sh (--config /config); bazarr development a3102e8: bazarr/app/config.py (general.subfolder "current": subtitles next to the video)',
    },
  },
};
