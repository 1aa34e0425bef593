import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { envValue } from '../../docs/model.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Profilarr's admin account (post-deploy.md) and the instances it syncs profiles to. */
function profilarrSetup(f: Facts, md: Md): void {
  const arrs = f.arrs;
  const profilarr = f.one('profilarr');
  if (!profilarr || arrs.length === 0) return;
  md.h(2, 'Profilarr');
  const origin = envValue(f.main(profilarr), 'ORIGIN') ?? '?';
  const rest = `add ${arrs.map((w) => `${c(w.name)} (${c(f.url(w) ?? '')})`).join(', ')} with their API keys, pick profiles from the database and sync. Repeat the sync when the database updates.`;
  const url = f.uiUrl(profilarr);
  const svc = f.svc(profilarr);
  if (url || !svc) {
    md.p(`Open ${url ?? 'Profilarr'} (its ${c('ORIGIN')} is ${c(origin)}: open it at exactly that URL, or logins fail the CSRF check). Set the admin password, ${rest}`);
  } else {
    md.p(
      `Its first visit creates the admin account (${c('/auth/setup')}), so it has no Ingress yet. Create the account through a port-forward — with ${c('curl')}, because the form only accepts requests from its ${c('ORIGIN')} ${c(origin)} (CSRF check); pick the user name and password:`,
    );
    md.sh([
      `kubectl -n ${profilarr.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port} &`,
      `curl -fsS -o /dev/null -w '%{http_code}\\n' -H 'Origin: ${origin}' --data-urlencode username=admin --data-urlencode 'password=<password>' --data-urlencode 'confirmPassword=<password>' http://localhost:${svc.port}/auth/setup   # 303: created`,
      'kill %1',
    ]);
    md.p(`${f.ingressOptIn('profilarr')} Sign in at ${c(origin)} and ${rest}`);
  }
}

export const profilarrPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 40, render: profilarrSetup };
