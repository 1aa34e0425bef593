import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { envValue } from '../../docs/model.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { PROFILARR_ARR_KINDS, PROFILARR_SETUP_JOB } from './facts.js';

/** Profilarr's admin account and Arr connections (post-deploy.md): by its setup job, or by hand. */
function profilarrSetup(f: Facts, md: Md): void {
  const arrs = f.arrs.filter((w) => PROFILARR_ARR_KINDS.includes(w.app));
  const profilarr = f.one('profilarr');
  if (!profilarr || arrs.length === 0) return;
  md.h(2, 'Profilarr');
  const origin = envValue(f.main(profilarr), 'ORIGIN') ?? '?';
  const instances = arrs.map((w) => `${c(w.name)} (${c(f.url(w) ?? '')})`).join(', ');
  const sync =
    'Pick the profiles from the database and sync (Sync tab of each connection; repeat when the database updates): which profiles suit your library is your choice, and Profilarr saves a whole selection at once, so a job could not add to yours without replacing it.';
  const url = f.uiUrl(profilarr);
  const svc = f.svc(profilarr);
  const job = cronJobOf(f, PROFILARR_SETUP_JOB);
  const account = f.publishedOf('login', profilarr).find((x) => x.setBy === PROFILARR_SETUP_JOB);
  const steps = job && account ? f.publishedOf('setup-step', profilarr).filter((x) => x.job === PROFILARR_SETUP_JOB) : [];
  const signIn = `Sign in at ${url ?? c(origin)} (its ${c('ORIGIN')} is ${c(origin)}: open it at exactly that URL, or logins fail the CSRF check).`;
  /** The job's own paragraph: what it adds, its log, its switches, running it now. */
  const jobText = (): void => {
    if (!job || !account) return;
    const what = steps.map((x) => `${x.adds} ${x.items.map(c).join(', ')}`);
    md.p(
      `${c(`cronjob/${job.metadata.name}`)} (${scheduleText(job)}) works as the user ${c(account.user)} with the generated password ${c(`${account.secret}/${account.key}`)} and adds what Profilarr lacks: ${what.length > 0 ? what.join('; ') : 'nothing (its parts are off)'}. A connection counts as there when one has its name or URL, so an edited one is kept; the API keys come from the Arrs' own Secrets. The job's log says what it found and added; ${[...steps.map((x) => x.offSwitch), 'apps.profilarr.setup.enabled'].map((x) => c(`${x}: false`)).join(', ')} turn it off. Run it now:`,
    );
    md.sh(runNow(job, cronPod(job).containers[0]!.name, '6m'));
  };
  if (job && account && steps.some((x) => x.adds === 'the admin account')) {
    jobText();
    md.p('The admin password:');
    md.sh(f.readSecret(account.secret, account.key));
    md.p(`${signIn} ${sync}`);
    return;
  }
  const connects = steps.some((x) => x.adds === 'the connections');
  const rest = connects ? sync : `add ${instances} with their API keys. ${sync}`;
  if (url || !svc) {
    md.p(
      `Open ${url ?? 'Profilarr'} (its ${c('ORIGIN')} is ${c(origin)}: open it at exactly that URL, or logins fail the CSRF check). Set the admin password${account ? ` (the job signs in as ${c(account.user)} with ${c(`${account.secret}/${account.key}`)})` : ''}, ${rest}`,
    );
  } else {
    md.p(
      `Its first visit creates the admin account (${c('/auth/setup')}), so it has no ${f.routeKind} yet. Create the account through a port-forward — with ${c('curl')}, because the form only accepts requests from its ${c('ORIGIN')} ${c(origin)} (CSRF check)${account ? `; as ${c(account.user)} with the generated password, which the job signs in with` : '; pick the user name and password'}:`,
    );
    const read = account ? f.readSecret(account.secret, account.key)[0] : undefined;
    const password = read?.startsWith('sops ')
      ? '"password=$PASSWORD" --data-urlencode "confirmPassword=$PASSWORD"'
      : "'password=<password>' --data-urlencode 'confirmPassword=<password>'";
    md.sh([
      ...(read?.startsWith('sops ') ? [`PASSWORD=$(${read})`] : []),
      `kubectl -n ${profilarr.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port} &`,
      `curl -fsS -o /dev/null -w '%{http_code}\\n' -H 'Origin: ${origin}' --data-urlencode username=${account?.user ?? 'admin'} --data-urlencode ${password} http://localhost:${svc.port}/auth/setup   # 303: created`,
      'kill %1',
    ]);
    md.p(`${f.ingressOptIn('profilarr')} Sign in at ${c(origin)}${connects ? '.' : ' and'} ${rest}`);
  }
  jobText();
}

export const profilarrPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 40, render: profilarrSetup };
