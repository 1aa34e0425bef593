import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PARTS, RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { DECYPHARR_SETUP_JOB } from './facts.js';

/** Decypharr as the download client of every library manager (post-deploy.md), and their root folders. */
function downloadClient(f: Facts, md: Md): void {
  const arrs = f.arrs;
  const decypharr = f.one('decypharr');
  if (!decypharr || arrs.length === 0) return;
  const dSvc = f.svc(decypharr);
  const usenet = f.secretRef(decypharr, 'usenet-provider') !== undefined;
  // The arr-wiring job adds the clients (the SABnzbd-type one for usenet too) and root folders (downloads-and-database.md, "Arr wiring").
  if (cronJobOf(f, 'arr-wiring')) return;
  md.h(2, `${f.arrKinds}: Decypharr as the download client`);
  md.p(
    `Settings › Download Clients › + › qBittorrent. Decypharr authenticates the Arr by its URL and API key (the Arr gives them as user name and password, and Decypharr calls back into that Arr to import).${usenet ? ` For usenet add a SABnzbd client the same way, with URL Base ${c('/sabnzbd')}.` : ''} Leave "Use SSL" off.`,
  );
  md.table(
    ['Instance', 'Host', 'Port', 'Username', 'Password', 'Category'],
    arrs.map((w) => [c(w.name), c(`${dSvc?.name}.${decypharr.namespace}.svc.cluster.local`), c(dSvc?.port ?? ''), c(f.url(w) ?? ''), `${w.name}'s API key`, c(w.name)]),
  );
  const links = f.claimPath(arrs[0]!, 'symlink-library');
  const media = f.claimPath(arrs[0]!, 'media-library');
  if (links || media) {
    md.p(
      `Root folders (Settings › Media Management): the streaming library ${links ? c(`${links}/${arrs[0]!.name}`) : ''}${media ? ` and, for what you keep, the permanent library ${c(`${media}/<folder>`)}` : ''} — the same paths Plex sees. See [streaming-to-permanent.md](streaming-to-permanent.md).`,
    );
  }
}

/** Decypharr's own login: registered by its setup job (or on the first visit), and why its sign-up page stays off the route. */
function login(f: Facts, md: Md): void {
  const decypharr = f.one('decypharr');
  if (!decypharr) return;
  const svc = f.svc(decypharr);
  const url = f.uiUrl(decypharr);
  const port = svc?.port ?? 8282;
  const open = url
    ? `its ${f.routeKind} (${url}) exists only behind the forward-auth Middleware`
    : `it has no ${f.routeKind}: open it with ${c(`kubectl -n ${decypharr.namespace} port-forward svc/${svc?.name ?? 'decypharr'} ${port}:${port}`)} and ${c(`http://localhost:${port}`)}`;
  const signUp = `Its sign-up page (${c('POST /register')}) replaces the credentials for anyone who reaches it, even once a user exists, so ${open}. The Arrs keep signing in to its download-client API with their URL and API key.`;
  const job = cronJobOf(f, DECYPHARR_SETUP_JOB);
  const account = f.publishedOf('login', decypharr).find((x) => x.setBy === DECYPHARR_SETUP_JOB);
  const intro = `Decypharr: its login is on (${c('DECYPHARR_USE_AUTH=true')}, session cookies signed with the generated ${c('decypharr-secrets/session-secret')})`;
  if (!job || !account) {
    md.p(`${intro}; the first visit asks you to register the user. ${signUp}`);
    return;
  }
  md.p(
    `${intro}. ${c(`cronjob/${job.metadata.name}`)} (${scheduleText(job)}) registers the user ${c(account.user)} with the generated password ${c(`${account.secret}/${account.key}`)} while Decypharr has no user, as soon as Decypharr's own setup is complete (its provider credentials are in ${c('decypharr-secrets')}); a user registered otherwise is kept. ${signUp} The password:`,
  );
  md.sh(f.readSecret(account.secret, account.key));
  md.p(
    `Its log says what it did (${c(`login ${account.user}: registered`)}, ${c('login: present')}, or what Decypharr still lacks); ${c('apps.decypharr.setup.enabled: false')} turns it off (the first visit then registers the user). Run it now:`,
  );
  md.sh(runNow(job, cronPod(job).containers[0]!.name, '6m'));
}

export const decypharrDownloadClientSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 30, render: downloadClient };
export const decypharrLoginSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, part: RUNBOOK_PAGE_PARTS.logins, order: 20, render: login };
