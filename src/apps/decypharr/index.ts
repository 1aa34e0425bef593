import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { storageBase } from '../shared-storage/index.js';
import { decypharrConfig } from './config.js';
import { Decypharr } from './decypharr.js';
import { decypharrDownloadClientSection, decypharrLoginSection } from './runbook.js';

declare module '../module.js' {
  interface StackParts {
    decypharr?: Decypharr;
  }
}

export const decypharrModule = defineAppModule({
  folder: 'decypharr',
  runbook: [decypharrLoginSection, decypharrDownloadClientSection],
  config: decypharrConfig,
  build({ scope, config: cfg, parts, add }) {
    if (cfg.apps.decypharr.enabled) parts.decypharr = add(new Decypharr(scope, 'decypharr', cfg, { dependsOn: [...storageBase(parts), ...arrsOf(parts)] }));
  },
});
