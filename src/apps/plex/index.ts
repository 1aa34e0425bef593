import { defineAppModule } from '../module.js';
import { storageBase } from '../shared-storage/index.js';
import { plexConfig } from './config.js';
import { Plex } from './plex.js';
import { plexPostDeploySection } from './runbook.js';

declare module '../module.js' {
  interface StackParts {
    plex?: Plex;
  }
}

export const plexModule = defineAppModule({
  folder: 'plex',
  runbook: [plexPostDeploySection],
  config: plexConfig,
  build({ scope, config: cfg, parts, add }) {
    const a = cfg.apps;
    if (!a.plex.enabled) return;
    const dependsOn = [...storageBase(parts), ...(parts.decypharr ? [parts.decypharr] : []), ...(a.plex.gpu && parts.gpuPlugin ? [parts.gpuPlugin] : [])];
    parts.plex = add(new Plex(scope, 'plex', cfg, { dependsOn }));
  },
});
