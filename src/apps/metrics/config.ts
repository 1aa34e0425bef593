import type * as k8s from '../../../imports/k8s.js';
import { appSchema, type AppConfigSlice } from '../../config/apps.js';
import { dnsLabel, labelValue, mapOf, str } from '../../config/schema.js';
import type { AppConfig, StackConfig } from '../../config/types.js';

export interface MetricsConfig extends AppConfig {
  /** Namespace of the Prometheus that scrapes the exporters (NetworkPolicy ingress from there). @default 'monitoring' */
  readonly prometheusNamespace: string;
  /**
   * Labels of the Prometheus pods in that namespace, so only they may scrape (empty: every pod of
   * the namespace). @default { 'app.kubernetes.io/name': 'prometheus' } (kube-prometheus-stack)
   */
  readonly prometheusPodLabels: Readonly<Record<string, string>>;
  /**
   * Labels on every ServiceMonitor, for a Prometheus whose `serviceMonitorSelector` picks by label
   * (kube-prometheus-stack: `release: <its release name>`). @default {}
   */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
  /** Scrape interval of the ServiceMonitors (exportarr calls the Arr's API on every scrape). @default '4m' */
  readonly interval: string;
}

declare module '../../config/types.js' {
  interface AppsConfig {
    /**
     * Prometheus metrics of the Servarr apps: an exportarr sidecar in every Sonarr, Radarr,
     * Lidarr and Prowlarr pod (API key from the instance's Secret), a `<instance>-metrics`
     * Service, a ServiceMonitor (prometheus-operator CRDs must be installed) and the
     * NetworkPolicy that lets the configured Prometheus scrape it. @default - disabled
     */
    readonly metrics: MetricsConfig;
  }
}

/** A Prometheus duration (`30s`, `4m`, `1h`). */
const promDuration = str(/^[0-9]+(ms|s|m|h)$/, 'use a Prometheus duration such as "60s", "4m" or "1h"');

export const metricsConfig: AppConfigSlice<'metrics'> = {
  key: 'metrics',
  schema: appSchema({ prometheusNamespace: dnsLabel, prometheusPodLabels: mapOf(labelValue), serviceMonitorLabels: mapOf(labelValue), interval: promDuration }),
  defaults: { enabled: false, prometheusNamespace: 'monitoring', prometheusPodLabels: { 'app.kubernetes.io/name': 'prometheus' }, serviceMonitorLabels: {}, interval: '4m' },
};

/** The Prometheus pods as NetworkPolicy peers (the `prometheus` peer of the call graph). */
export function prometheusPeers(cfg: Pick<StackConfig, 'apps'>): k8s.NetworkPolicyPeer[] {
  const m = cfg.apps.metrics;
  const namespaceSelector = { matchLabels: { 'kubernetes.io/metadata.name': m.prometheusNamespace } };
  if (Object.keys(m.prometheusPodLabels).length === 0) return [{ namespaceSelector }];
  return [{ namespaceSelector, podSelector: { matchLabels: { ...m.prometheusPodLabels } } }];
}
