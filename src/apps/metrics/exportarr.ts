import { ApiObject } from 'cdk8s';
import * as k8s from '../../../imports/k8s.js';
import type { ResourcesConfig, SiteConfig, StackConfig } from '../../config/types.js';
import { setFileName, type Component } from '../../lib/component.js';
import { appLabels, container, selectorLabels, withOverrides } from '../../lib/pod.js';
import type { ArrEndpoint } from '../servarr/arr.js';
import { EXPORTARR_CONTAINER, EXPORTARR_IMAGE, EXPORTARR_PORT, EXPORTARR_SCRAPE_TIMEOUT } from './facts.js';

/** What a Servarr pod's exporter needs from the config (`apps.metrics`). */
export interface ExportarrOptions {
  /** Labels on the ServiceMonitor (the Prometheus's selector). */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
  /** Scrape interval. */
  readonly interval: string;
  /** Resource overrides of the sidecar. @default - 10m CPU, 64Mi requested, 256Mi limit */
  readonly resources?: Partial<ResourcesConfig>;
}

/** The exporter options of a config, or none with `apps.metrics.enabled: false`. */
export function exportarrOptions(cfg: Pick<StackConfig, 'apps'>): ExportarrOptions | undefined {
  const m = cfg.apps.metrics;
  return m.enabled ? { serviceMonitorLabels: m.serviceMonitorLabels, interval: m.interval, resources: m.resources } : undefined;
}

/** The name of an instance's metrics Service and ServiceMonitor: `sonarr-metrics`. */
function metricsServiceName(instance: string): string {
  return `${instance}-metrics`;
}

/** The label that keeps the metrics Service apart from the app's two Services (the ServiceMonitor selects it). */
const METRICS_COMPONENT = { 'app.kubernetes.io/component': 'metrics' };

/**
 * The exportarr sidecar of a Servarr pod: `exportarr <kind>` against the app on localhost, its API
 * key from the instance's Secret (`API_KEY` env, never an argument), metrics and `/healthz` on
 * port 9707.
 */
export function exportarrContainer(ep: ArrEndpoint, opts: ExportarrOptions): k8s.Container {
  return container({
    name: EXPORTARR_CONTAINER,
    image: EXPORTARR_IMAGE,
    args: [ep.kind],
    ports: [{ name: 'metrics', port: EXPORTARR_PORT }],
    env: { PORT: String(EXPORTARR_PORT), URL: `http://localhost:${ep.port}`, API_KEY: ep.apiKey },
    probes: { check: { http: '/healthz', port: 'metrics' } },
    resources: withOverrides({ cpuRequest: '10m', memoryRequest: '64Mi', memoryLimit: '256Mi' }, opts.resources),
  });
}

/**
 * The instance's `<instance>-metrics` Service and its ServiceMonitor (monitoring.coreos.com/v1),
 * and the `prometheus` call the NetworkPolicies let in.
 */
export function addExportarrScrape(scope: Component, site: SiteConfig, ep: ArrEndpoint, opts: ExportarrOptions): void {
  const name = metricsServiceName(ep.instance);
  const labels = { ...appLabels(ep.kind, ep.instance), ...METRICS_COMPONENT };
  setFileName(
    new k8s.KubeService(scope, 'metrics-svc', {
      metadata: { name, namespace: site.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(ep.kind, ep.instance),
        ports: [{ name: 'metrics', port: EXPORTARR_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }],
      },
    }),
    'service-metrics.yaml',
  );
  setFileName(
    new ApiObject(scope, 'servicemonitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name, namespace: site.namespace, labels: { ...appLabels(ep.kind, ep.instance), ...opts.serviceMonitorLabels } },
      spec: {
        selector: { matchLabels: { ...selectorLabels(ep.kind, ep.instance), ...METRICS_COMPONENT } },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: opts.interval, scrapeTimeout: EXPORTARR_SCRAPE_TIMEOUT }],
      },
    }),
    'servicemonitor.yaml',
  );
  scope.addCall({ from: 'prometheus', to: { app: ep.kind, instance: ep.instance }, ports: [EXPORTARR_PORT], why: 'metrics scrape' });
}
