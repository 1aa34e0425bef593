import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';

/** Plex's one operator step (post-deploy.md): claim the server; the rest is plex-setup's. */
function plexClaim(f: Facts, md: Md): void {
  const plex = f.one('plex');
  if (!plex) return;
  const svc = f.svc(plex);
  const claim = f.secretRef(plex, 'plex-claim');
  const setup = f.publishedOf('plex-setup', plex)[0];
  md.h(2, 'Plex');
  md.ol([
    svc
      ? `Claim the server as a local client: run ${c(`kubectl port-forward -n ${plex.namespace} svc/${svc.name} ${svc.port}:${svc.port}`)} on your workstation, open ${c(`http://localhost:${svc.port}/web`)} and sign in — through the port-forward Plex sees a connection from localhost, which may claim an unclaimed server.${claim ? ` A claim token as ${c(`${claim.secret}/${claim.key}`)} is optional: a token (https://www.plex.tv/claim) lives 4 minutes and is only read when an unclaimed server starts, so it must still be fresh when the pod (re)starts — less time than synth, commit and a Flux reconcile usually take; the port-forward has no such deadline.` : ''}`
      : 'Claim the server in the Plex web app.',
  ]);
  if (setup?.job || setup?.tokenWriter) {
    md.p(
      `That is the only Plex step: ${setup.tokenWriter ? "the token writer copies the claimed server's token into its Secret within a minute, and " : ''}${setup.job ? `${c(`cronjob/${setup.job.cronJob}`)} then sets the transcoder${setup.libraries.length ? ' and adds the libraries' : ''} (see "Plex setup and token" below); skip the library step of Plex's setup wizard, or the job keeps the libraries you add there.` : 'fill in the transcoder directory and the libraries yourself (apps.plex.setupJob is off).'}`,
    );
  }
}

/** What plex-setup and the token writer do, where the token lives, and how to turn each part off. */
function plexSetup(f: Facts, md: Md): void {
  const plex = f.one('plex');
  const setup = plex && f.publishedOf('plex-setup', plex)[0];
  if (!plex || !setup) return;
  const ns = plex.namespace;
  const token = c(`kubectl -n ${ns} get secret ${setup.token.secret}`);
  md.h(2, 'Plex setup and token');
  md.p(
    `The Plex token is the claimed server's own (${c('PlexOnlineToken')} in ${c('Preferences.xml')} on Plex's config volume); it never enters the repo. Flux creates the Secret ${c(setup.token.secret)} (key ${c(setup.token.key)}) empty, once, and never applies it again (annotation ${c('kustomize.toolkit.fluxcd.io/ssa: IfNotPresent')}, with ${c('prune: disabled')}). ${
      setup.tokenWriter
        ? `The ${c(setup.tokenWriter.container)} sidecar of the Plex pod checks every minute and writes the token there when it differs; its ServiceAccount ${c(setup.tokenWriter.serviceAccount)} may only get and patch that one Secret. Its clients read the key as optional and skip while it is empty.`
        : `The token writer is off (${c('apps.plex.tokenWriter: false')}): put the token there yourself.`
    } See whether it is filled (length only, never the value):`,
  );
  md.sh([
    `kubectl -n ${ns} get secret ${setup.token.secret} -o jsonpath='{.data.${setup.token.key}}' | wc -c   # 0 until the server is claimed`,
    ...(setup.tokenWriter ? [`kubectl -n ${ns} logs statefulset/${plex.name} -c ${setup.tokenWriter.container}`] : []),
  ]);
  md.p(
    `Rotate or reset: sign the server out of your Plex account and claim it again, or remove ${c('PlexOnlineToken')} and restart Plex — the writer copies the new token within a minute and its clients read it at their next start or run. ${token} shows the Secret; deleting it makes Flux create it empty again at the next reconcile${setup.tokenWriter ? ' and the writer refill it' : ''}. Removing Plex from the config leaves the Secret behind (Flux does not prune it): delete it then.`,
  );
  const cj = setup.job && cronJobOf(f, setup.job.cronJob);
  if (setup.job && cj) {
    const settings = setup.settings.map((s) => `${s.what} ${c(s.value === '1' ? 'on' : s.value)}${s.value === '1' ? ' (hardware transcoding needs Plex Pass)' : ''}`);
    const libraries = setup.libraries.map((l) => `${l.name} (${l.folders.map((x) => c(x)).join(', ')})`);
    md.p(
      `${c(`cronjob/${setup.job.cronJob}`)} runs at ${scheduleText(cj)} through Plex's API with that token (it logs and exits while the token is empty). It sets ${settings.join(', ')}${libraries.length ? `, and adds one library per type: ${libraries.join('; ')} — only the folders Plex can already see; a type none of whose folders exists waits for the next run` : ''}. It keeps what you changed: a preference that is no longer empty stays as it is, hardware acceleration is only switched on in the run that sets the transcoder directory, and a library of the same type with one of these folders counts as present, whatever its name. Run it now and read its log:`,
    );
    md.sh(runNow(cj, cronPod(cj).containers[0]!.name, '15m'));
  }
  md.ul([
    `${c('apps.plex.setupJob: false')}: no plex-setup job; ${c('apps.plex.setupLibraries: false')}: no libraries; ${c('apps.plex.gpu: false')}: no hardware acceleration; without ${c('apps.plex.allowedNetworks')} / ${c('apps.plex.lanNetworks')} the job leaves "List of IP addresses and networks that are allowed without auth" and "LAN Networks" alone.`,
    `${c('apps.plex.tokenWriter: false')}: no sidecar and no ServiceAccount; the Secret ${c(setup.token.secret)} is still created empty for you to fill (${c(`kubectl -n ${ns} patch secret ${setup.token.secret} -p '{"stringData":{"${setup.token.key}":"…"}}'`)}).`,
  ]);
}

export const plexPostDeploySection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 10, render: plexClaim };
export const plexSetupSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.postDeploy, order: 11, render: plexSetup };
