import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { configarrConfig } from './config.js';
import { CONFIGARR_FACTS } from './facts.js';
import { Configarr } from './configarr.js';

export const configarrModule = defineAppModule({
  folder: 'configarr',
  config: configarrConfig,
  facts: CONFIGARR_FACTS,
  build({ scope, config: cfg, parts, add }) {
    if (cfg.apps.configarr.enabled) add(new Configarr(scope, 'configarr', cfg, { dependsOn: [namespaceOf(parts), ...arrsOf(parts)] }));
  },
});
