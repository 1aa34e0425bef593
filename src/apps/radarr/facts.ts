import { IMAGES } from '../../lib/images.js';
import { PORTS } from '../../lib/ports.js';
import type { ArrKindSpec } from '../servarr/kinds.js';

/** Radarr (movies): its row of the Servarr kinds table (sources: docs/app-facts-verified.md). */
export const RADARR: ArrKindSpec = {
  name: 'radarr',
  title: 'Radarr',
  port: PORTS.radarr,
  image: IMAGES.radarr,
  apiVersion: 'v3',
  resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  configSize: '10Gi',
  internetWhy: 'metadata lookups and release downloads',
  library: { folder: 'movies', categoryField: 'movieCategory', prowlarrImplementation: 'Radarr' },
};
