import { HOME_OPERATIONS, type AppFacts } from '../../gates/behaviour-facts.js';
import type { ArrKindSpec } from '../servarr/kinds.js';

// renovate: datasource=docker depName=ghcr.io/home-operations/prowlarr
export const PROWLARR_IMAGE = 'ghcr.io/home-operations/prowlarr:2.6.1.5509';

export const PROWLARR_PORT = 9696;

/** Prowlarr (indexers): its row of the Servarr kinds table (sources: docs/app-facts-verified.md). */
export const PROWLARR: ArrKindSpec = {
  name: 'prowlarr',
  title: 'Prowlarr',
  port: PROWLARR_PORT,
  image: PROWLARR_IMAGE,
  apiVersion: 'v1',
  resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '1Gi' },
  configSize: '5Gi',
  internetWhy: 'indexer searches',
};

/** Who the process runs as and what it writes (the behaviour gate's input). */
export const PROWLARR_FACTS: AppFacts = {
  images: { 'ghcr.io/home-operations/prowlarr': HOME_OPERATIONS },
  containers: {
    'prowlarr/prowlarr': { writes: ['/config', '/tmp'], source: 'home-operations apps/prowlarr/entrypoint.sh (--data=/config)' },
    // The setup job (python image, a shared helper) talks HTTP only; Python writes nothing but temp files.
    'prowlarr-setup/prowlarr-setup': { writes: ['/tmp'], source: 'src/apps/prowlarr/prowlarr-setup.py (HTTP calls only; PYTHONDONTWRITEBYTECODE=1)' },
  },
};
