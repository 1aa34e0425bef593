import type { Construct } from 'constructs';
import { Alert, AlertSpecEventSeverity, AlertSpecEventSourcesKind, Provider, ProviderSpecType } from '../../../imports/notification.toolkit.fluxcd.io.js';
import type { StackConfig } from '../../config/types.js';
import { Component, setFileName } from '../../lib/component.js';
import { defineAppModule } from '../module.js';
import { FLUX_ALERTS, fluxAlertsConfig, type FluxAlertProvider } from './config.js';
import { fluxAlertsSection } from './runbook.js';

/** The label every Kustomization of the output carries (src/flux/kustomizations.ts): the Alert's event sources. */
const STACK_KUSTOMIZATIONS = { 'app.kubernetes.io/part-of': 'media-stack' } as const;

const PROVIDER_TYPES: Record<FluxAlertProvider, ProviderSpecType> = {
  discord: ProviderSpecType.DISCORD,
  slack: ProviderSpecType.SLACK,
  msteams: ProviderSpecType.MSTEAMS,
  googlechat: ProviderSpecType.GOOGLECHAT,
  generic: ProviderSpecType.GENERIC,
};

/**
 * The Flux notifications of the stack, in the Flux namespace next to the Kustomizations: a
 * Provider whose address is the `address` key of an operator-supplied Secret, and an Alert for
 * the error events of every Kustomization labelled part of the stack (the output labels each of
 * its own; `name: '*'` with `matchLabels`, so an app added later is covered without an edit).
 */
class FluxAlerts extends Component {
  constructor(scope: Construct, id: string, cfg: StackConfig) {
    const c = cfg.apps.fluxAlerts;
    const ns = cfg.flux.namespace;
    super(scope, id, {
      dir: `apps/${ns}/${FLUX_ALERTS.name}`,
      fluxName: FLUX_ALERTS.name,
      namespace: ns,
      description: `Flux notifications: failed reconciles of the stack's Kustomizations to a ${c.provider} webhook`,
    });
    this.addSecret(FLUX_ALERTS.secret, [
      {
        key: FLUX_ALERTS.key,
        source: { kind: 'operator', description: `${c.provider} webhook URL the Flux alerts post to (e.g. Discord: Server Settings › Integrations › Webhooks › Copy Webhook URL)` },
        valueRule: { pattern: /^https?:\/\/\S+$/, description: 'an http(s) URL without spaces' },
      },
    ]);
    const labels = { 'app.kubernetes.io/name': FLUX_ALERTS.name, 'app.kubernetes.io/part-of': 'media-stack' };
    setFileName(
      new Provider(this, 'provider', {
        metadata: { name: FLUX_ALERTS.name, namespace: ns, labels },
        spec: { type: PROVIDER_TYPES[c.provider], secretRef: { name: FLUX_ALERTS.secret } },
      }),
      'provider.yaml',
    );
    setFileName(
      new Alert(this, 'alert', {
        metadata: { name: FLUX_ALERTS.name, namespace: ns, labels },
        spec: {
          providerRef: { name: FLUX_ALERTS.name },
          eventSeverity: AlertSpecEventSeverity.ERROR,
          eventSources: [{ kind: AlertSpecEventSourcesKind.KUSTOMIZATION, name: '*', namespace: ns, matchLabels: { ...STACK_KUSTOMIZATIONS } }],
          eventMetadata: { cluster: cfg.cluster },
        },
      }),
      'alert.yaml',
    );
  }
}

/** Flux notifications (nothing when disabled). */
export const fluxAlertsModule = defineAppModule({
  folder: 'notifications',
  config: fluxAlertsConfig,
  runbook: [fluxAlertsSection],
  build({ scope, config: cfg, add }) {
    if (!cfg.apps.fluxAlerts.enabled) return;
    add(new FluxAlerts(scope, FLUX_ALERTS.name, cfg));
  },
});
