import { IMAGES } from '../../lib/images.js';
import { PORTS } from '../../lib/ports.js';
import type { ArrKindSpec } from '../servarr/kinds.js';

/** Sonarr (TV): its row of the Servarr kinds table (sources: docs/app-facts-verified.md). */
export const SONARR: ArrKindSpec = {
  name: 'sonarr',
  title: 'Sonarr',
  port: PORTS.sonarr,
  image: IMAGES.sonarr,
  apiVersion: 'v3',
  resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  configSize: '10Gi',
  internetWhy: 'metadata lookups and release downloads',
  library: { folder: 'tv', categoryField: 'tvCategory', prowlarrImplementation: 'Sonarr' },
};
