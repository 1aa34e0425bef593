import { HOME_OPERATIONS, type AppFacts } from '../../gates/behaviour-facts.js';
import { ARR_LIBRARY_WRITES, type ArrKindSpec } from '../servarr/kinds.js';

// renovate: datasource=docker depName=ghcr.io/home-operations/radarr
const RADARR_IMAGE = 'ghcr.io/home-operations/radarr:6.4.1.10545';

/** Radarr ConfigFileProvider default (not 8989). */
const RADARR_PORT = 7878;

/** Radarr (movies): its row of the Servarr kinds table (sources: docs/app-facts-verified.md). */
export const RADARR: ArrKindSpec = {
  name: 'radarr',
  title: 'Radarr',
  port: RADARR_PORT,
  image: RADARR_IMAGE,
  apiVersion: 'v3',
  resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  configSize: '10Gi',
  internetWhy: 'metadata lookups and release downloads',
  library: { folder: 'movies', categoryField: 'movieCategory', prowlarrImplementation: 'Radarr' },
};

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const RADARR_FACTS: AppFacts = {
  images: { 'ghcr.io/home-operations/radarr': HOME_OPERATIONS },
  containers: {
    'radarr/radarr': {
      writes: ['/config', '/tmp'],
      writesIfMounted: ARR_LIBRARY_WRITES,
      source: 'home-operations apps/radarr/entrypoint.sh (--data=/config); root folders /mnt/media/movies, /mnt/streaming-media/<instance>; imports from /mnt/downloads',
    },
  },
};
