import { defineAppModule } from '../module.js';
import { storageBase } from '../shared-storage/index.js';
import { sambaConfig } from './config.js';
import { SAMBA_FACTS } from './facts.js';
import { Samba } from './samba.js';

export const sambaModule = defineAppModule({
  folder: 'samba',
  config: sambaConfig,
  facts: SAMBA_FACTS,
  build({ scope, config: cfg, parts, add }) {
    if (cfg.apps.samba.enabled) add(new Samba(scope, 'samba', cfg, { dependsOn: storageBase(parts) }));
  },
});
