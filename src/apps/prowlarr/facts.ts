import { IMAGES } from '../../lib/images.js';
import { PORTS } from '../../lib/ports.js';
import type { ArrKindSpec } from '../servarr/kinds.js';

/** Prowlarr (indexers): its row of the Servarr kinds table (sources: docs/app-facts-verified.md). */
export const PROWLARR: ArrKindSpec = {
  name: 'prowlarr',
  title: 'Prowlarr',
  port: PORTS.prowlarr,
  image: IMAGES.prowlarr,
  apiVersion: 'v1',
  resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '1Gi' },
  configSize: '5Gi',
  internetWhy: 'indexer searches',
};
