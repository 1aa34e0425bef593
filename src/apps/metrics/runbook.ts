import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { EXPORTARR_CONTAINER, EXPORTARR_PORT } from './facts.js';

/** Metrics: which ServiceMonitors exist, how to see a scrape by hand, what Prometheus must select, and turning it off. */
function metrics(f: Facts, md: Md): void {
  const v = f.v;
  const monitors = v.all('ServiceMonitor');
  if (monitors.length === 0) return;
  const m = v.cfg.apps.metrics;
  const first = monitors[0]!;
  const instance = first.metadata.labels?.['app.kubernetes.io/instance'] ?? first.metadata.name;
  const kind = first.metadata.labels?.['app.kubernetes.io/name'] ?? instance;
  md.h(2, 'Metrics (exportarr)');
  md.p(
    `Every Servarr pod runs an ${c(EXPORTARR_CONTAINER)} sidecar that reads the app's API with the instance's own key and serves Prometheus metrics on port ${EXPORTARR_PORT}; ${monitors.map((x) => c(`servicemonitor/${x.metadata.name}`)).join(', ')} in ${c(v.cfg.namespace)} tell the prometheus-operator to scrape them every ${m.interval}. The prometheus-operator CRDs must exist before Flux applies these folders. Only pods labelled ${c(
      Object.entries(m.prometheusPodLabels)
        .map(([k, val]) => `${k}=${val}`)
        .join(',') || '(any)',
    )} in namespace ${c(m.prometheusNamespace)} may scrape (NetworkPolicy).`,
  );
  md.p(
    `A Prometheus whose ${c('serviceMonitorSelector')} picks by label needs those labels on the ServiceMonitors: ${c('apps.metrics.serviceMonitorLabels')} (kube-prometheus-stack: ${c('release: <its release name>')}). Check one exporter by hand (${c(`${kind}_system_status`)} is 1 while exportarr reaches the app with its key), then in Prometheus (Status › Targets) look for ${c(`serviceMonitor/${v.cfg.namespace}/${first.metadata.name}/0`)}:`,
  );
  md.sh([
    `kubectl -n ${v.cfg.namespace} logs ${instance}-0 -c ${EXPORTARR_CONTAINER} --tail=20`,
    `kubectl -n ${v.cfg.namespace} port-forward svc/${first.metadata.name} ${EXPORTARR_PORT}:${EXPORTARR_PORT} &`,
    `curl -fsS http://localhost:${EXPORTARR_PORT}/metrics | grep -E '^${kind}_(system_status|queue_total)'`,
    'kill %1',
  ]);
  md.p(`Off: ${c('apps.metrics.enabled: false')} (the sidecars, metrics Services and ServiceMonitors go; nothing else changes).`);
}

export const metricsSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 90, render: metrics };
