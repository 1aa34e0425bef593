import { defineAppModule } from '../module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { Byparr } from './byparr.js';
import { byparrConfig } from './config.js';
import { BYPARR_FACTS } from './facts.js';

export const byparrModule = defineAppModule({
  folder: 'byparr',
  config: byparrConfig,
  facts: BYPARR_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const app = cfg.apps.byparr;
    if (app.enabled) add(new Byparr(scope, 'byparr', { namespace: namespaceOf(parts), resources: app.resources }));
  },
});
