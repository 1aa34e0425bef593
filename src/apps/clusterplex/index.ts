import { defineAppModule } from '../module.js';
import { ClusterPlex } from './clusterplex.js';
import { clusterplexConfig } from './config.js';

/** The orchestrator and workers extend Plex: nothing without it. */
export const clusterplexModule = defineAppModule({
  folder: 'clusterplex',
  config: clusterplexConfig,
  build({ scope, config: cfg, parts, add }) {
    if (!cfg.apps.clusterplex.enabled || !parts.plex) return;
    add(new ClusterPlex(scope, 'clusterplex', cfg, { dependsOn: [parts.plex, ...(parts.gpuPlugin ? [parts.gpuPlugin] : [])] }));
  },
});
