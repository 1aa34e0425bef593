import { ArrWiring } from './index.js';
import { ARR_WIRING_FACTS } from './facts.js';
import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { arrWiringConfig } from './config.js';
import { arrWiringSection } from './runbook.js';

/**
 * After everything it wires: adds the Arrs to Prowlarr, download clients, root folders and
 * indexer proxies through the apps' APIs (nothing to do without Sonarr/Radarr or Prowlarr).
 */
export const arrWiringModule = defineAppModule({
  folder: 'arr-wiring',
  facts: ARR_WIRING_FACTS,
  runbook: [arrWiringSection],
  config: arrWiringConfig,
  build({ scope, config: cfg, parts, add }) {
    const arrs = arrsOf(parts);
    if (!cfg.apps.arrWiring.enabled || (arrs.length === 0 && !parts.prowlarr)) return;
    const plex = parts.plex && cfg.apps.arrWiring.plexConnection ? { service: parts.plex.app, port: parts.plex.port, token: parts.plex.token } : undefined;
    add(new ArrWiring(scope, 'arr-wiring', cfg, { dependsOn: [namespaceOf(parts), ...arrs, ...(parts.prowlarr ? [parts.prowlarr] : [])], plex }));
  },
});
