import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { RUNBOOK_PAGE_PARTS, RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { arrKind } from './arr.js';

/**
 * The first user of every Servarr instance (Sonarr, Radarr…, Prowlarr), created through its API:
 * their Forms login is required from every address. One section for all of them, offered by each
 * Servarr module (the pipeline keeps one copy).
 */
function formsLogin(f: Facts, md: Md): void {
  const servarr = [...f.arrs, ...f.v.workloadsOfApp('lidarr'), ...f.v.workloadsOfApp('prowlarr')];
  if (f.v.cfg.ingress.auth.mode === 'forward-auth') return; // the Middleware is the login (the page says so)
  if (servarr.length === 0) return;
  md.p(
    `${servarr.map((w) => w.name).join(', ')} ask for their Forms login from every address (${c('*__AUTH__REQUIRED=Enabled')}: through the ingress every client has a private address, which "disabled for local addresses" would let in). Nobody can sign in before a user exists, and the UI cannot create one while the login is required: create it once per instance through the API, with the instance's API key (pick the user name and password; ${c('jq')} and ${c('curl')} on your workstation):`,
  );
  const rows: string[] = [];
  for (const w of servarr) {
    const svc = f.svc(w);
    const ref = f.secretRef(w, 'api-key');
    if (!svc || !ref) continue;
    const api = arrKind(w.app).apiVersion;
    const read = f.readSecret(ref.secret, ref.key);
    if (read.length === 0) continue;
    const base = `http://localhost:${svc.port}/api/${api}/config/host`;
    rows.push(
      `# ${w.name}`,
      `kubectl -n ${w.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port} &`,
      read[0]?.startsWith('#') ? `KEY='<${w.name}'s API key>'  ${read[0]}` : `KEY=$(${read[0]})`,
      `curl -fsS -H "X-Api-Key: $KEY" ${base} | jq --arg u admin --arg p '<password>' '.username=$u | .password=$p | .passwordConfirmation=$p' | curl -fsS -X PUT -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' --data-binary @- ${base}/1`,
      'kill %1',
    );
  }
  md.sh(rows);
  md.p(`Then sign in at ${servarr.map((w) => f.uiUrl(w) ?? w.name).join(', ')}. Change a password later under Settings › General › Security.`);
}

export const servarrLoginSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, part: RUNBOOK_PAGE_PARTS.logins, order: 10, render: formsLogin };
