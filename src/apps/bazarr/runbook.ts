import type { Facts } from '../../docs/facts.js';
import type { Md } from '../../docs/md.js';
import { envValue } from '../../docs/model.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Bazarr: its login before the route (Ingress or HTTPRoute) opt-in, and what only its UI takes. */

function bazarr(f: Facts, md: Md): void {
  const w = f.one('bazarr');
  if (!w) return;
  md.h(2, 'Bazarr');
  // Connected by its env (DYNACONF_GENERAL__use_<arr>, src/apps/bazarr): name what the pod says.
  const connected = ['Sonarr', 'Radarr'].filter((a) => envValue(f.main(w), `DYNACONF_GENERAL__use_${a.toLowerCase()}`) === 'true');
  const wired = connected.length ? `It is connected to ${connected.join(' and ')} by its environment (their API keys from their Secrets); ` : '';
  const rest = `${wired}pick your subtitle providers and languages (Settings › Providers, Settings › Languages) and give the series and movies a language profile.`;
  const url = f.uiUrl(w);
  const svc = f.svc(w);
  if (url || !svc) {
    md.p(`Open ${url ?? 'Bazarr'}: it has no login of its own until you set one under Settings › General › Security (Forms), and its page carries its API key. ${rest}`);
    return;
  }
  md.p(
    `It has no login of its own until one is set, and its page carries its API key, so it has no ${f.routeKind} yet. Set a login (Settings › General › Security, Forms) through a port-forward:`,
  );
  md.sh([`kubectl -n ${w.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port} &   # then open http://localhost:${svc.port}`, 'kill %1']);
  md.p(`${f.ingressOptIn('bazarr')} ${rest}`);
}

export const bazarrSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 45, render: bazarr };
