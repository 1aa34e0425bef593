import { defineAppModule } from '../module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { FlareSolverr } from './flaresolverr.js';
import { flaresolverrConfig } from './config.js';
import { FLARESOLVERR_FACTS } from './facts.js';

export const flaresolverrModule = defineAppModule({
  folder: 'flaresolverr',
  config: flaresolverrConfig,
  facts: FLARESOLVERR_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const app = cfg.apps.flaresolverr;
    if (app.enabled) add(new FlareSolverr(scope, 'flaresolverr', { namespace: namespaceOf(parts), resources: app.resources }));
  },
});
