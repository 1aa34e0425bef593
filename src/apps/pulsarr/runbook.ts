import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { envValue, type KindObject, type Workload } from '../../docs/model.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { PULSARR_ARR_KINDS } from './facts.js';
import { PULSARR_SETUP_JOB } from './pulsarr.js';

/** Pulsarr's admin user and the instances it sends watchlisted items to (post-deploy.md). */
function pulsarrSetup(f: Facts, md: Md): void {
  const pulsarr = f.one('pulsarr');
  if (!pulsarr) return;
  md.h(2, 'Pulsarr');
  const job = cronJobOf(f, PULSARR_SETUP_JOB);
  if (job) setupJob(f, md, pulsarr, job);
  else byHand(f, md, pulsarr);
}

/** What pulsarr-setup does, its log, where the admin's password is, and what stays in the UI. */
function setupJob(f: Facts, md: Md, pulsarr: Workload, job: KindObject<'CronJob'>): void {
  const setup = f.v.cfg.apps.pulsarr.setup;
  const arrs = setup.arrInstances ? f.arrs.filter((w) => PULSARR_ARR_KINDS.includes(w.app)).map((w) => c(w.name)) : [];
  // Pulsarr seeds its first instance of each kind from sonarrBaseUrl / radarrBaseUrl.
  const seeded = f.arrs.filter((w) => ['sonarrBaseUrl', 'radarrBaseUrl'].some((k) => envValue(f.main(pulsarr), k) === f.url(w))).map((w) => c(w.name));
  const url = f.uiUrl(pulsarr);
  md.p(
    `${c(`cronjob/${job.metadata.name}`)} runs at ${scheduleText(job)}. Its first run claims the admin user before anyone else can (${c('POST /v1/users/create-admin')} is open until one exists) and signs in as it; then it ${[
      ...(arrs.length
        ? [
            `adds ${arrs.join(', ')} as Pulsarr instances (each with the Arr's first root folder and quality profile, read from its API) unless Pulsarr knows them${seeded.length ? ` — ${seeded.join(' and ')} ${seeded.length > 1 ? 'are' : 'is'} seeded from its environment, and only ${seeded.length > 1 ? 'their' : 'its'} empty root folder or quality profile is filled in` : ''}`,
          ]
        : []),
      ...(setup.plexToken && f.has('plex') ? ["hands Pulsarr the claimed Plex server's token while it has none (before Plex is claimed it logs that and skips)"] : []),
    ].join('; and ')}. It only adds what is missing: an instance or token you set in the UI stays. Run it now after the first deployment and read its log:`,
  );
  md.sh(runNow(job, cronPod(job).containers[0]!.name, `${Math.ceil((job.spec.jobTemplate.spec.activeDeadlineSeconds ?? 600) / 60)}m`));
  const login = f.publishedOf('login', pulsarr).find((x) => x.setBy === job.metadata.name);
  if (login) {
    md.p(
      `Sign in${url ? ` at ${url}` : ''} with ${c(login.user)} and the generated password (one generated anew later, e.g. by ${c('--regenerate-secrets')}, does not reach the existing admin: change it in the UI):`,
    );
    md.sh(f.readSecret(login.secret, login.key));
  }
  md.p(
    `Nothing else is required; notifications, content routing and which Plex users' watchlists sync stay optional settings in its UI. If an admin existed before the job's first run (yours), the job keeps it and does nothing more: add the instances there. Turn the job off with ${c('apps.pulsarr.setup.enabled: false')} (then its first visitor creates the admin, and its ${f.routeKind} waits for ${c('apps.pulsarr.ingress: true')}), or only its parts with ${c('apps.pulsarr.setup.arrInstances: false')} and ${c('apps.pulsarr.setup.plexToken: false')}.`,
  );
}

/** The job is off: the first visit creates the admin user, through a port-forward. */
function byHand(f: Facts, md: Md, pulsarr: Workload): void {
  const seeded = ['sonarrBaseUrl', 'radarrBaseUrl'].map((k) => envValue(f.main(pulsarr), k)).filter(Boolean);
  const others = f.arrs.filter((w) => !seeded.includes(f.url(w)));
  const url = f.uiUrl(pulsarr);
  const svc = f.svc(pulsarr);
  const open =
    url || !svc
      ? `Open ${url ?? 'Pulsarr'} and create the admin user.`
      : `Its first visit creates the admin user (${c('POST /v1/users/create-admin')} is open until one exists), so it has no ${f.routeKind} yet: run ${c(`kubectl -n ${pulsarr.namespace} port-forward svc/${svc.name} ${svc.port}:${svc.port}`)}, open ${c(`http://localhost:${svc.port}`)} and create the admin user. ${f.ingressOptIn('pulsarr')}`;
  md.p(
    `${open} ${seeded.length ? `It starts with ${seeded.map((s) => c(s!)).join(' and ')} (seeded from the environment); check the root folder and quality profile of each.` : ''}${others.length ? ` Add ${others.map((w) => c(w.name)).join(', ')} in its UI (${others.map((w) => c(f.url(w) ?? '')).join(', ')}).` : ''} Watchlisted items reach ${f.arrKinds} at the next sync.`,
  );
}

export const pulsarrPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 50, render: pulsarrSetup };
