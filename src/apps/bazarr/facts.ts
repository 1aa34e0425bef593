import { HOME_OPERATIONS, type AppFacts } from '../../gates/behaviour-facts.js';

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
