import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { PROWLARR_INDEXER_SECRET } from './config.js';
import { PROWLARR_SETUP_JOB, type ProwlarrSetupData } from './setup.js';

/**
 * Prowlarr on post-deploy.md: choosing indexers when the config lists none, and its
 * applications by hand only when no wiring job adds them (it is switched off).
 */
function prowlarrAppSync(f: Facts, md: Md): void {
  const arrs = f.arrs;
  const prowlarr = f.one('prowlarr');
  if (prowlarr && !cronJobOf(f, PROWLARR_SETUP_JOB)) {
    md.h(2, 'Prowlarr: indexers');
    md.p(
      `No indexers are configured: list them in ${c('apps.prowlarr.indexers')} (e.g. ${c("{ definition: '1337x' }")}; a private tracker's credentials as Secret keys) and synth again — the ${c(PROWLARR_SETUP_JOB)} job adds them — or add them in Prowlarr (Indexers › Add). Prowlarr syncs its indexers to the Arrs.`,
    );
  }
  if (!prowlarr || arrs.length === 0 || cronJobOf(f, 'arr-wiring')) return;
  const pUrl = f.url(prowlarr);
  md.h(2, 'Prowlarr: app sync');
  md.p(
    `${f.uiUrl(prowlarr) ? `In ${f.uiUrl(prowlarr)}, ` : 'In Prowlarr, '}Settings › Apps › + for each instance, with the API key from above (the arr-wiring job, ${c('apps.arrWiring.enabled')}, would add them). The first sync can take 10–15 minutes; "Test" and "Save" on an app forces one.`,
  );
  md.table(
    ['Application', 'Prowlarr Server', 'Server', 'API Key'],
    arrs.map((w) => [w.app === 'sonarr' ? 'Sonarr' : 'Radarr', c(pUrl ?? ''), c(f.url(w) ?? ''), `${w.name}'s key`]),
  );
}

/** The indexers job (downloads page, when indexers are configured): what it adds, its log, running it now, the credentials, turning it off. */
function prowlarrIndexers(f: Facts, md: Md): void {
  const prowlarr = f.one('prowlarr');
  if (!prowlarr) return;
  const job = cronJobOf(f, PROWLARR_SETUP_JOB);
  const cm = f.v.all('ConfigMap').find((o) => o.metadata.name === `${PROWLARR_SETUP_JOB}-script`) as { data?: Record<string, string> } | undefined;
  const text = cm?.data?.[`${PROWLARR_SETUP_JOB}.json`];
  if (!job || !text) return;
  md.h(2, 'Prowlarr indexers');
  const data = JSON.parse(text) as ProwlarrSetupData;
  const ctr = cronPod(job).containers[0]!;
  md.p(
    `${c(`cronjob/${job.metadata.name}`)} runs at ${scheduleText(job)} and adds each indexer of ${c('apps.prowlarr.indexers')} that Prowlarr has no indexer of the same definition for — from Prowlarr's own template (Indexers › Add), with the first app profile, the priority, the tags (created when missing; ${c('flaresolverr')} / ${c('byparr')} route an indexer through that proxy) and the credentials. An indexer you renamed, edited or disabled counts as present and stays as it is; one you deleted comes back (remove it from the list). Prowlarr tests the connection before it saves an indexer: an unreachable site is an ${c('ERROR')} line with Prowlarr's message, retried on the next run. Prowlarr then syncs the indexers to the Arrs.`,
  );
  md.table(
    ['Definition', 'Name', 'Tags', 'Credentials (Secret keys)'],
    data.indexers.map((i) => [
      c(i.definition),
      i.name ?? '(the definition’s)',
      i.tags.map((t) => c(t)).join(', ') || '—',
      Object.entries(i.secrets)
        .map(([field, ref]) => `${c(field)} ← ${c(`${ref.secret}/${ref.key}`)}`)
        .join(', ') || '—',
    ]),
  );
  if (data.indexers.some((i) => Object.keys(i.secrets).length > 0)) {
    md.p(
      `The credentials are operator values of the Secret ${c(PROWLARR_INDEXER_SECRET)} (see [secrets.md](secrets.md)); while one is empty the job logs ${c('ERROR: indexer <definition>: the credential <field> is empty: put it into the key <key> …')} — never a value — and adds the others.`,
    );
  }
  md.p('Run it now and read its log:');
  md.sh(runNow(job, ctr.name, `${Math.ceil((job.spec.jobTemplate.spec.activeDeadlineSeconds ?? 600) / 60)}m`));
  md.p(`Off: an empty ${c('apps.prowlarr.indexers')} (no job; the indexers it added stay in Prowlarr).`);
}

export const prowlarrPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 20, render: prowlarrAppSync };
export const prowlarrIndexersSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 55, render: prowlarrIndexers };
