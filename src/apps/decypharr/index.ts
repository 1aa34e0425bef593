import { defineAppModule } from '../module.js';
import { DECYPHARR_FACTS } from './facts.js';
import { namespaceOf } from '../shared-storage/index.js';
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
  facts: DECYPHARR_FACTS,
  runbook: [decypharrLoginSection, decypharrDownloadClientSection],
  config: decypharrConfig,
  build(stack) {
    const { scope, config: cfg, parts } = stack;
    const d = cfg.apps.decypharr;
    if (!d.enabled) return;
    if (!parts.symlinkLibrary) throw new Error('the shared-storage module must come before Decypharr in the registry (no symlinkLibrary)');
    parts.decypharr = stack.add(
      new Decypharr(scope, 'decypharr', {
        namespace: namespaceOf(parts),
        symlinks: parts.symlinkLibrary,
        arrs: parts.arrs ?? [],
        dfsHostPath: d.dfsHostPath,
        nfsClusterIP: d.nfsClusterIP,
        usenet: d.usenet,
        setup: d.setup,
        resources: d.resources,
        configSize: d.configSize,
        // Starts with the rest of the storage: the NAS volumes (Longhorn mode).
        dependsOn: parts.nfs ? [parts.nfs] : [],
      }),
    );
  },
});
