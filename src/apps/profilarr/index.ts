import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { profilarrConfig } from './config.js';
import { PROFILARR_ARR_KINDS, PROFILARR_FACTS } from './facts.js';
import { Profilarr } from './profilarr.js';
import { profilarrPostDeploySection } from './runbook.js';

export const profilarrModule = defineAppModule({
  folder: 'profilarr',
  runbook: [profilarrPostDeploySection],
  config: profilarrConfig,
  facts: PROFILARR_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const app = cfg.apps.profilarr;
    if (!app.enabled) return;
    const arrs = arrsOf(parts);
    add(
      new Profilarr(scope, 'profilarr', {
        namespace: namespaceOf(parts),
        arrs: arrs.map((a) => a.endpoint).filter((a) => PROFILARR_ARR_KINDS.includes(a.kind)),
        ingress: app.ingress,
        setup: app.setup,
        resources: app.resources,
        configSize: app.configSize,
        dependsOn: arrs,
      }),
    );
  },
});
