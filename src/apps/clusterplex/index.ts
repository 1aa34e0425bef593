import { gpuOf } from '../intel-gpu-plugin/index.js';
import { CLUSTERPLEX_FACTS } from './facts.js';
import { defineAppModule } from '../module.js';
import { ClusterPlex } from './clusterplex.js';
import { clusterplexConfig } from './config.js';

/** The orchestrator and workers extend Plex: nothing without it. */
export const clusterplexModule = defineAppModule({
  folder: 'clusterplex',
  facts: CLUSTERPLEX_FACTS,
  config: clusterplexConfig,
  build(stack) {
    const { scope, config: cfg, parts } = stack;
    const c = cfg.apps.clusterplex;
    if (!c.enabled || !parts.plex) return;
    stack.add(
      new ClusterPlex(scope, 'clusterplex', {
        site: cfg,
        plex: parts.plex,
        gpu: gpuOf(parts),
        workers: c.workers,
        workerSelectionStrategy: c.workerSelectionStrategy,
        orchestratorService: c.orchestratorService,
        // The config checks made sure an address exists (externalWorkerIssues).
        ...(c.externalWorker.enabled ? { externalWorker: { ...c.externalWorker, plexAddress: c.externalWorker.plexAddress ?? cfg.apps.plex.loadBalancerIP ?? '' } } : {}),
      }),
    );
  },
});
