import { defineAppModule, type StackParts } from '../module.js';
import { PLEX_FACTS } from './facts.js';
import { gpuOf } from '../intel-gpu-plugin/index.js';
import { namespaceOf } from '../shared-storage/index.js';
import type { VolumeHandle } from '../../lib/handles.js';
import { plexConfig } from './config.js';
import { Plex } from './plex.js';
import { plexPostDeploySection, plexSetupSection } from './runbook.js';

declare module '../module.js' {
  interface StackParts {
    plex?: Plex;
  }
}

export const plexModule = defineAppModule({
  folder: 'plex',
  facts: PLEX_FACTS,
  runbook: [plexPostDeploySection, plexSetupSection],
  config: plexConfig,
  build(stack) {
    const { scope, config: cfg, parts } = stack;
    const a = cfg.apps;
    const p = a.plex;
    if (!p.enabled) return;
    parts.plex = stack.add(
      new Plex(scope, 'plex', {
        namespace: namespaceOf(parts),
        media: storage(parts, 'mediaLibrary'),
        symlinks: storage(parts, 'symlinkLibrary'),
        transcode: storage(parts, 'transcodeCache'),
        dfs: parts.decypharr?.dfs,
        gpu: p.gpu ? gpuOf(parts) : undefined,
        renderGroupId: p.renderGroupId,
        placement: p.placement,
        serviceType: p.serviceType,
        loadBalancerIP: p.loadBalancerIP,
        clusterPlex: a.clusterplex.enabled,
        setup: cfg,
        resources: p.resources,
        configSize: p.configSize,
      }),
    );
  },
});

function storage(parts: StackParts, name: 'mediaLibrary' | 'symlinkLibrary' | 'transcodeCache'): VolumeHandle {
  const handle = parts[name];
  if (!handle) throw new Error(`the shared-storage module must come before Plex in the registry (no ${name})`);
  return handle;
}
