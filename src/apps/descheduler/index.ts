import { streamingStackLabels } from '../../lib/placement.js';
import { defineAppModule } from '../module.js';
import { arrsOf } from '../servarr/module.js';
import { namespaceOf } from '../shared-storage/index.js';
import { failbackConfig } from './config.js';
import { Descheduler } from './descheduler.js';
import { DESCHEDULER_FACTS } from './facts.js';

/** The library managers of the streaming stack: the instances whose imports a failback could cut. */
const GUARDED_KINDS = ['sonarr', 'radarr'];

/** Failback (off by default): the descheduler, after everything it may evict. */
export const deschedulerModule = defineAppModule({
  folder: 'descheduler',
  config: failbackConfig,
  facts: DESCHEDULER_FACTS,
  build({ scope, config: cfg, parts, add }) {
    const f = cfg.apps.failback;
    if (!f.enabled) return;
    const guard = f.importGuard ? arrsOf(parts).filter((a) => GUARDED_KINDS.includes(a.endpoint.kind)) : [];
    add(
      new Descheduler(scope, 'descheduler', {
        site: cfg,
        scope: { namespace: cfg.namespace, podLabels: streamingStackLabels(cfg) },
        mode: f.mode,
        schedule: f.schedule,
        interval: f.interval,
        ...(guard.length ? { importGuard: guard.map((a) => a.endpoint) } : {}),
        dependsOn: [namespaceOf(parts)],
        resources: f.resources,
      }),
    );
  },
});
