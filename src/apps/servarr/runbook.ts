import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import type { KindObject, Workload } from '../../docs/model.js';
import { RUNBOOK_PAGE_PARTS, RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { arrKind } from './arr.js';
import { SERVARR_SETUP_JOB } from './config.js';

/**
 * The first user of every Servarr instance (Sonarr, Radarr…, Prowlarr): their Forms login is
 * required from every address, so the servarr-setup job creates it through their API (or, with the
 * job off, the operator does). One section for all of them, offered by each Servarr module (the
 * pipeline keeps one copy).
 */
function formsLogin(f: Facts, md: Md): void {
  const servarr = [...f.arrs, ...f.v.workloadsOfApp('lidarr'), ...f.v.workloadsOfApp('prowlarr')];
  if (f.v.cfg.ingress.auth.mode === 'forward-auth') return; // the Middleware is the login (the page says so)
  if (servarr.length === 0) return;
  const why = `${servarr.map((w) => w.name).join(', ')} ask for their Forms login from every address (${c('*__AUTH__REQUIRED=Enabled')}: through ${f.routeProxy} every client has a private address, which "disabled for local addresses" would let in). Nobody can sign in before a user exists, and the UI cannot create one while the login is required`;
  const job = cronJobOf(f, SERVARR_SETUP_JOB);
  if (job) setupJobLogins(f, md, job, why);
  else manualLogins(f, md, servarr, why);
  md.p(`Sign in at ${servarr.map((w) => f.uiUrl(w) ?? w.name).join(', ')}. Change a password later under Settings › General › Security.`);
}

/** What the servarr-setup job does, its log, and where the generated passwords are. */
function setupJobLogins(f: Facts, md: Md, job: KindObject<'CronJob'>, why: string): void {
  const ctr = cronPod(job).containers[0]!;
  md.p(
    `${why}: ${c(`cronjob/${job.metadata.name}`)} runs at ${scheduleText(job)} and, in every instance without a user, creates one through the API (${c('PUT /api/<version>/config/host/1')} with the instance's API key) with the config's user name and the password generated into the instance's Secret. An instance that has a user is left alone, so a user or password you set stays. Run it now after the first deployment and read its log:`,
  );
  md.sh(runNow(job, ctr.name, `${Math.ceil((job.spec.jobTemplate.spec.activeDeadlineSeconds ?? 600) / 60)}m`));
  const rows: string[] = [];
  for (const login of f.publishedAll('login').filter((x) => x.setBy === job.metadata.name)) {
    rows.push(`# ${login.instance}: user ${login.user}, password:`, ...f.readSecret(login.secret, login.key));
  }
  if (rows.length) {
    md.p(
      'The passwords (the user name is the same everywhere; a password generated anew, e.g. by `--regenerate-secrets`, does not reach a user that exists: set it under Settings › General › Security):',
    );
    md.sh(rows);
  }
  md.p(
    `Turn the job off with ${c('apps.servarrLogin.enabled: false')} (then create the users by hand: the docs generated with the job off show the API calls); ${c('apps.servarrLogin.username')} sets the user name.`,
  );
}

/** The first user of each instance by hand, through the API (the job is off). */
function manualLogins(f: Facts, md: Md, servarr: readonly Workload[], why: string): void {
  md.p(`${why}: create it once per instance through the API, with the instance's API key (pick the user name and password; ${c('jq')} and ${c('curl')} on your workstation):`);
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
}

export const servarrLoginSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, part: RUNBOOK_PAGE_PARTS.logins, order: 10, render: formsLogin };
