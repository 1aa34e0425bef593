import { defineAppModule } from '../module.js';
import { metricsConfig } from './config.js';
import { METRICS_FACTS } from './facts.js';
import { metricsSection } from './runbook.js';

/**
 * Metrics of the Servarr apps: the config, the exporter's behaviour facts and the runbook. The
 * sidecars, metrics Services and ServiceMonitors are built with each Servarr instance (its pod
 * and folder, src/apps/servarr/arr.ts), so this module builds nothing itself.
 */
export const metricsModule = defineAppModule({
  folder: 'metrics',
  config: metricsConfig,
  facts: METRICS_FACTS,
  runbook: [metricsSection],
  build() {
    // Nothing of its own: see above.
  },
});
