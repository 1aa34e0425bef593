import { defineAppModule } from '../module.js';
import { enabledArrs } from '../servarr/arr.js';
import { arrsOf, databaseFor } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { prowlarrConfig } from './config.js';
import { PROWLARR_FACTS } from './facts.js';
import { Prowlarr } from './prowlarr.js';
import { prowlarrIndexersSection, prowlarrPostDeploySection } from './runbook.js';
import { addProwlarrSetup } from './setup.js';
import { servarrLoginSection } from '../servarr/runbook.js';
import { servarrLoginOn } from '../servarr/config.js';
import { exportarrOptions } from '../metrics/exportarr.js';

declare module '../module.js' {
  interface StackParts {
    prowlarr?: Prowlarr;
  }
}

export const prowlarrModule = defineAppModule({
  folder: 'prowlarr',
  runbook: [servarrLoginSection, prowlarrPostDeploySection, prowlarrIndexersSection],
  config: prowlarrConfig,
  facts: PROWLARR_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const app = cfg.apps.prowlarr;
    if (!app.enabled) return;
    const prowlarr = add(
      new Prowlarr(scope, 'prowlarr', {
        namespace: namespaceOf(parts),
        database: databaseFor(cfg, parts, 'prowlarr'),
        syncsTo: enabledArrs(cfg),
        dependsOn: arrsOf(parts),
        resources: app.resources,
        configSize: app.configSize,
        uiPassword: servarrLoginOn(cfg),
        metrics: exportarrOptions(cfg),
      }),
    );
    addProwlarrSetup(prowlarr, cfg);
    parts.prowlarr = prowlarr;
  },
});
