import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { profilarrConfig } from './config.js';
import { PROFILARR_FACTS } from './facts.js';
import { Profilarr } from './profilarr.js';

export const profilarrModule = defineAppModule({
  folder: 'profilarr',
  config: profilarrConfig,
  facts: PROFILARR_FACTS,
  build({ scope, config: cfg, parts, add }) {
    if (cfg.apps.profilarr.enabled) add(new Profilarr(scope, 'profilarr', cfg, { dependsOn: [namespaceOf(parts), ...arrsOf(parts)] }));
  },
});
