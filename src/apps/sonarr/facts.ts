import { HOME_OPERATIONS, type AppFacts } from '../../gates/behaviour-facts.js';
import { ARR_LIBRARY_WRITES, type ArrKindSpec } from '../servarr/kinds.js';

// renovate: datasource=docker depName=ghcr.io/home-operations/sonarr
export const SONARR_IMAGE = 'ghcr.io/home-operations/sonarr:4.0.19.3001';

/** Sonarr ConfigFileProvider default. */
const SONARR_PORT = 8989;

/** Sonarr (TV): its row of the Servarr kinds table (sources: docs/app-facts-verified.md). */
export const SONARR: ArrKindSpec = {
  name: 'sonarr',
  title: 'Sonarr',
  port: SONARR_PORT,
  image: SONARR_IMAGE,
  apiVersion: 'v3',
  resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  configSize: '10Gi',
  internetWhy: 'metadata lookups and release downloads',
  library: { folder: 'tv', categoryField: 'tvCategory', prowlarrImplementation: 'Sonarr' },
};

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const SONARR_FACTS: AppFacts = {
  images: { 'ghcr.io/home-operations/sonarr': HOME_OPERATIONS },
  containers: {
    'sonarr/sonarr': {
      writes: ['/config', '/tmp'],
      writesIfMounted: ARR_LIBRARY_WRITES,
      source: 'home-operations apps/sonarr/entrypoint.sh (--data=/config); root folders /mnt/media/tv, /mnt/streaming-media/<instance>; imports from /mnt/downloads',
    },
  },
};
