import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { secretEnvVarName } from '../../secrets/model.js';
import { FLUX_ALERTS } from './config.js';

/** Flux notifications: what posts, where the webhook URL comes from, testing and turning off. */
function fluxAlerts(f: Facts, md: Md): void {
  const v = f.v;
  const alert = v.all('Alert').find((a) => a.metadata.name === FLUX_ALERTS.name);
  if (!alert) return;
  const ns = alert.metadata.namespace ?? v.cfg.flux.namespace;
  md.h(2, 'Flux alerts');
  md.p(
    `${c(`alert/${FLUX_ALERTS.name}`)} in ${c(ns)} sends every error event of the stack's Kustomizations (label ${c('app.kubernetes.io/part-of=media-stack')}: a failed apply, health check or decryption) to ${c(`provider/${FLUX_ALERTS.name}`)} (${v.cfg.apps.fluxAlerts.provider}). Its webhook URL is the ${c(FLUX_ALERTS.key)} key of Secret ${c(FLUX_ALERTS.secret)}, ${v.cfg.secrets.backend === 'sops' ? `a value you supply at synth time (${c(secretEnvVarName(FLUX_ALERTS.secret, FLUX_ALERTS.key))}, see secrets.md); read it back with:` : 'a value you keep in Infisical:'}`,
  );
  md.sh(f.readSecret(FLUX_ALERTS.secret, FLUX_ALERTS.key));
  md.p('Check that Flux accepted both, and see what it sent or failed to send:');
  md.sh([`flux -n ${ns} get alert-providers`, `flux -n ${ns} get alerts`, `flux -n ${ns} events --for Alert/${FLUX_ALERTS.name}`]);
  md.p(`Off: ${c('apps.fluxAlerts.enabled: false')} (the Provider, Alert and Secret go).`);
}

export const fluxAlertsSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 95, render: fluxAlerts };
