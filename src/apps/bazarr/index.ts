import { defineAppModule } from '../module.js';
import { arrsOf, dfsHandle } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { Bazarr } from './bazarr.js';
import { bazarrConfig } from './config.js';
import { BAZARR_FACTS } from './facts.js';
import { bazarrSection } from './runbook.js';

declare module '../module.js' {
  interface StackParts {
    bazarr?: Bazarr;
  }
}

/** After the Arrs it reads: their main Sonarr and Radarr instance (Bazarr holds one of each). */
export const bazarrModule = defineAppModule({
  folder: 'bazarr',
  facts: BAZARR_FACTS,
  runbook: [bazarrSection],
  config: bazarrConfig,
  build({ scope, config: cfg, parts, add }) {
    const app = cfg.apps.bazarr;
    if (!app.enabled) return;
    const main = (kind: string) => arrsOf(parts).find((a) => a.endpoint.kind === kind && a.endpoint.instance === kind);
    const sonarr = main('sonarr');
    const radarr = main('radarr');
    if (!parts.mediaLibrary || !parts.symlinkLibrary) throw new Error('the shared-storage module must come before Bazarr in the registry');
    parts.bazarr = add(
      new Bazarr(scope, 'bazarr', {
        namespace: namespaceOf(parts),
        media: parts.mediaLibrary,
        symlinks: parts.symlinkLibrary,
        dfs: dfsHandle(cfg),
        sonarr: sonarr?.endpoint,
        radarr: radarr?.endpoint,
        resources: app.resources,
        configSize: app.configSize,
        ingress: app.ingress,
        dependsOn: [sonarr, radarr].filter((a) => a !== undefined),
      }),
    );
  },
});
