import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { configarrConfig } from './config.js';
import { CONFIGARR_FACTS } from './facts.js';
import { Configarr } from './configarr.js';
import { configarrSection } from './runbook.js';

export const configarrModule = defineAppModule({
  folder: 'configarr',
  runbook: [configarrSection],
  config: configarrConfig,
  facts: CONFIGARR_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const c = cfg.apps.configarr;
    if (!c.enabled) return;
    const arrs = arrsOf(parts);
    add(
      new Configarr(scope, 'configarr', {
        namespace: namespaceOf(parts),
        templates: { sonarr: c.sonarrTemplates, radarr: c.radarrTemplates },
        arrs: arrs.map((a) => a.endpoint),
        schedule: c.schedule,
        resources: c.resources,
        configSize: c.configSize,
        dependsOn: arrs,
      }),
    );
  },
});
