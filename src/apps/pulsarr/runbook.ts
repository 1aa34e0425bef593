import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { envValue } from '../../docs/model.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Pulsarr's admin user (post-deploy.md) and the instances it sends watchlisted items to. */
function pulsarrSetup(f: Facts, md: Md): void {
  const arrs = f.arrs;
  const pulsarr = f.one('pulsarr');
  if (!pulsarr) return;
  const seeded = ['sonarrBaseUrl', 'radarrBaseUrl'].map((k) => envValue(f.main(pulsarr), k)).filter(Boolean);
  const others = arrs.filter((w) => !seeded.includes(f.url(w)));
  md.h(2, 'Pulsarr');
  const url = f.uiUrl(pulsarr);
  const svc = f.svc(pulsarr);
  const open =
    url || !svc
      ? `Open ${url ?? 'Pulsarr'} and create the admin user.`
      : `Its first visit creates the admin user (${c('POST /v1/users/create-admin')} is open until one exists), so it has no Ingress yet: run ${c(`kubectl -n ${pulsarr.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port}`)}, open ${c(`http://localhost:${svc.port}`)} and create the admin user. ${f.ingressOptIn('pulsarr')}`;
  md.p(
    `${open} ${seeded.length ? `It starts with ${seeded.map((s) => c(s!)).join(' and ')} (seeded from the environment); check the root folder and quality profile of each.` : ''}${others.length ? ` Add ${others.map((w) => c(w.name)).join(', ')} in its UI (${others.map((w) => c(f.url(w) ?? '')).join(', ')}).` : ''} Watchlisted items reach ${f.arrKinds} at the next sync.`,
  );
}

export const pulsarrPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 50, render: pulsarrSetup };
