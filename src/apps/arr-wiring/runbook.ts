import type { Facts } from '../../docs/facts.js';
import { c, type Md } from '../../docs/md.js';
import { cronJobOf, cronPod, runNow, scheduleText } from '../../docs/objects.js';
import { RUNBOOK_PAGE_PATHS, type RunbookSection } from '../../docs/page.js';
import { secretEnvVarName } from '../../secrets/model.js';
import { NOTIFICATION_SECRET, type WiringData } from './data.js';
import { ROUTING_TAGS } from './facts.js';
import { ARR_NOTIFICATION_EVENTS } from './config.js';

/** The wiring document the job ships (its ConfigMap), to say what it adds in this config. */
function shippedWiring(f: Facts): WiringData | undefined {
  const cm = f.v.all('ConfigMap').find((o) => o.metadata.name === 'arr-wiring-script');
  const text = (cm as { data?: Record<string, string> } | undefined)?.data?.['arr-wiring.json'];
  return text ? (JSON.parse(text) as WiringData) : undefined;
}

/** The Arr wiring CronJob: what it adds, the tag routing, the Plex connection, running it by hand and turning parts off. */
function arrWiring(f: Facts, md: Md): void {
  const v = f.v;
  const wiring = cronJobOf(f, 'arr-wiring');
  if (!wiring) return;
  const ctr = cronPod(wiring).containers[0]!;
  const data = shippedWiring(f);
  md.h(2, 'Arr wiring');
  const desc = v.components.find((x) => x.fluxName === wiring.metadata.name || x.dir.endsWith(`/${wiring.metadata.name}`))?.description;
  md.p(
    `${c(`cronjob/${wiring.metadata.name}`)} runs at ${scheduleText(wiring)}${desc ? `: ${desc.replace(/^[^:]*:\s*/, '')}` : ''}. It only adds what is missing, so running it again is safe; settings changed in the UIs stay. Run it now (after the first deployment, or after adding an instance) and read its log:`,
  );
  md.sh(runNow(wiring, ctr.name, `${Math.ceil((wiring.spec.jobTemplate.spec.activeDeadlineSeconds ?? 600) / 60)}m`));
  md.p(
    `Each line names the app and the entry: ${c('<instance>: <entry>: created')}, ${c(': present')} (found by name, host, URL or path — yours count too), ${c('skipped: <why>')}, or ${c('ERROR: …')} with the app's answer (the run then exits 1 and the next one tries again).`,
  );

  const arrApps = (data?.apps ?? []).filter((a) => a.collections.some((x) => x.resource === 'downloadclient' || x.resource === 'rootfolder'));
  const routed = arrApps.some((a) => a.collections.some((x) => x.resource === 'tag'));
  if (routed) {
    md.h(3, 'Routing by tag: streaming or downloads');
    md.p(
      `Every Arr gets the tags ${c(ROUTING_TAGS.streaming)} and ${c(ROUTING_TAGS.downloads)}; the qBittorrent client is created with the tag ${c(ROUTING_TAGS.downloads)}, Decypharr without tags. Sonarr and Radarr give a grab to the clients sharing a tag with the series or movie, and to the untagged clients when none does: a series or movie tagged ${c(ROUTING_TAGS.downloads)} downloads through qBittorrent (give it the permanent root folder to keep it); everything else — tagged ${c(ROUTING_TAGS.streaming)} or untagged — streams through Decypharr. Pick the tag when you add the series or movie (or under Edit). The indexers synced from Prowlarr arrive untagged (Prowlarr does not copy its indexer tags), so both kinds search every indexer; to keep an indexer to one kind, tag its "(Prowlarr)" copy in the Arr (Settings › Indexers) — Prowlarr keeps tags set there.`,
    );
    md.p(
      `A qBittorrent client that existed before the wiring stays as it is (untagged, so it shares untagged grabs by priority): give it the tag ${c(ROUTING_TAGS.downloads)} in each Arr (Settings › Download Clients › qBittorrent › Tags). Off: ${c('apps.arrWiring.tagRouting: false')} (both clients untagged; the lower priority number wins).`,
    );
  }
  const plexWaits = arrApps
    .flatMap((a) => a.collections.filter((x) => x.resource === 'notification').flatMap((x) => x.entries))
    .find((e) => e.skipWithout !== undefined)?.skipWithout;
  if (plexWaits) {
    md.h(3, 'Plex library refresh');
    md.p(
      `Each Arr gets Settings › Connect › Plex Media Server (the in-cluster Plex, library update on import, upgrade, rename and delete) with the claimed server's token, read from an optional Secret key the job receives as ${c(plexWaits.env)}. Until Plex is claimed the key is empty and the log says ${c('connection Plex Media Server skipped: Plex is not claimed yet …')}; the run after the token exists adds the connections. An existing Plex Media Server connection (yours) counts as present. Off: ${c('apps.arrWiring.plexConnection: false')}.`,
    );
  }
  notifications(f, md);
  md.p(`The whole job off: ${c('apps.arrWiring.enabled: false')} (nothing it added is removed).`);
}

/** The notification connections: what each reports in which Arr, where its URL or topic comes from, and what happens on the first run. */
function notifications(f: Facts, md: Md): void {
  const rows = f.publishedAll('notification').filter((n) => n.setBy === 'arr-wiring');
  if (rows.length === 0) return;
  md.h(3, 'Notifications');
  md.p(
    `Each Arr gets these Settings › Connect entries (${c('apps.arrWiring.notifications')}); a connection of the same name counts as present, so one you edited or made yourself stays as it is. The Arr tests a connection before it saves it — it posts a test message, and a connection whose endpoint does not answer is not added (the log shows the Arr's message, with the URL masked) until a later run succeeds. The Arrs may call the internet; a server on your LAN or in the cluster also needs an egress NetworkPolicy of your own.`,
  );
  md.table(
    ['Arr', 'Connection', 'Kind', 'Reports', 'URL or topic (Secret key)'],
    rows.map((r) => [c(r.instance), r.name, r.target, r.events.join(', '), c(`${r.secret}/${r.key}`)]),
  );
  const keys = [...new Set(rows.map((r) => r.key))];
  md.p(
    f.v.cfg.secrets.backend === 'sops'
      ? `The URLs and topics are operator values you supply at synth time (${keys.map((k) => c(secretEnvVarName(NOTIFICATION_SECRET, k))).join(', ')}; see secrets.md); read one back with:`
      : 'The URLs and topics are values you keep in Infisical:',
  );
  md.sh(keys.flatMap((k) => f.readSecret(NOTIFICATION_SECRET, k)));
  md.p(
    `What a connection reports is its ${c('events')}: ${ARR_NOTIFICATION_EVENTS.map(c).join(', ')} (default ${c("['grab', 'importFailed']")}). A new URL or topic later does not reach a connection that exists (the job never edits): change it in each Arr, or delete the connection there and let the next run add it anew. Off: remove the entry from ${c('apps.arrWiring.notifications')} (the connections already added stay in the Arrs).`,
  );
}

export const arrWiringSection: RunbookSection = { page: RUNBOOK_PAGE_PATHS.downloads, order: 50, render: arrWiring };
