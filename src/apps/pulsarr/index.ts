import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { pulsarrConfig } from './config.js';
import { Pulsarr } from './pulsarr.js';
import { pulsarrPostDeploySection } from './runbook.js';

export const pulsarrModule = defineAppModule({
  folder: 'pulsarr',
  runbook: [pulsarrPostDeploySection],
  config: pulsarrConfig,
  build({ scope, config: cfg, parts, add }) {
    if (!cfg.apps.pulsarr.enabled) return;
    add(new Pulsarr(scope, 'pulsarr', cfg, { dependsOn: [namespaceOf(parts), ...arrsOf(parts), ...(parts.plex ? [parts.plex] : [])] }));
  },
});
