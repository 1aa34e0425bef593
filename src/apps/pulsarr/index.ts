import { defineAppModule } from '../module.js';
import { PULSARR_FACTS } from './facts.js';
import { namespaceOf } from '../shared-storage/index.js';
import { pulsarrConfig } from './config.js';
import { Pulsarr } from './pulsarr.js';
import { pulsarrPostDeploySection } from './runbook.js';

export const pulsarrModule = defineAppModule({
  folder: 'pulsarr',
  facts: PULSARR_FACTS,
  runbook: [pulsarrPostDeploySection],
  config: pulsarrConfig,
  build(stack) {
    const { scope, config: cfg, parts } = stack;
    const p = cfg.apps.pulsarr;
    if (!p.enabled) return;
    stack.add(
      new Pulsarr(scope, 'pulsarr', {
        namespace: namespaceOf(parts),
        arrs: parts.arrs ?? [],
        plex: parts.plex,
        ingress: p.ingress ?? p.setup.enabled,
        ...(p.setup.enabled
          ? { setup: { username: p.setup.username, email: p.setup.email, arrInstances: p.setup.arrInstances, plexToken: p.setup.plexToken, schedule: p.setup.schedule } }
          : {}),
        resources: p.resources,
        configSize: p.configSize,
      }),
    );
  },
});
