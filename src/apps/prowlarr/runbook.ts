import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Prowlarr's applications (post-deploy.md): one per library manager, with its API key. */
function prowlarrAppSync(f: Facts, md: Md): void {
  const arrs = f.arrs;
  const prowlarr = f.one('prowlarr');
  if (!prowlarr || arrs.length === 0) return;
  const pUrl = f.url(prowlarr);
  md.h(2, 'Prowlarr: app sync');
  md.p(
    `${f.uiUrl(prowlarr) ? `In ${f.uiUrl(prowlarr)}, ` : 'In Prowlarr, '}Settings › Apps › + for each instance, with the API key from above, then add indexers. The first sync can take 10–15 minutes; "Test" and "Save" on an app forces one.`,
  );
  md.table(
    ['Application', 'Prowlarr Server', 'Server', 'API Key'],
    arrs.map((w) => [w.app === 'sonarr' ? 'Sonarr' : 'Radarr', c(pUrl ?? ''), c(f.url(w) ?? ''), `${w.name}'s key`]),
  );
}

export const prowlarrPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 20, render: prowlarrAppSync };
