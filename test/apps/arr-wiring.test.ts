import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, Chart } from 'cdk8s';
import { ArrWiring, arrWiringDataText, arrWiringScript, hostRegex, wiringData, type WiredArr, type WiringData } from '../../src/apps/arr-wiring/index.js';
import type { PlexHandle } from '../../src/lib/handles.js';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { asServed, FakeServarr } from '../executed/fake-servarr.js';
import { prepareWiringRun, SHELLS, type WiringRun } from '../executed/wiring-run.js';
import { shellOf } from '../executed/image-shells.js';
import { requireTool } from '../executed/support.js';
import { IMAGES } from '../../src/lib/images.js';
import { LIDARR as LIDARR_KIND } from '../../src/apps/lidarr/facts.js';
import { readSourceFile } from '../../src/lib/script-file.js';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';

const QBIT = { enabled: true, vpn: { endpointCidrs: ['203.0.113.7/32'], serverHostnames: ['node-nl-05.protonvpn.net'] } } as const;
const FULL: StackConfigInput = { apps: { flaresolverr: { enabled: true }, qbittorrent: QBIT, sonarr: { extraInstances: ['4k'] } } };
const sel = (name: string, instance = name) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance } } });
/** The wiring data the stack of `input` ships (its ConfigMap), with Plex's connection when Plex runs. */
const shippedData = (input: StackConfigInput): WiringData => JSON.parse(objectsOf(input).find('ConfigMap', 'arr-wiring-script').data['arr-wiring.json']);
/** A Plex token as the claimed server's Secret holds it (the wiring only pastes plain tokens). */
const PLEX_TOKEN = 'pLexT0ken-of_the.server';

describe('Arr wiring: objects', () => {
  const { find, stack, objects } = objectsOf(FULL);
  const cron = find('CronJob', 'arr-wiring');
  const c = containerOf(cron, 'arr-wiring');

  it('is an hourly CronJob that never overlaps, keeps little history and gives up in time', () => {
    expect(cron.metadata).toMatchObject({ name: 'arr-wiring', namespace: 'media', labels: { 'app.kubernetes.io/name': 'arr-wiring' } });
    expect(cron.spec.schedule).toBe('17 * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.successfulJobsHistoryLimit).toBe(1);
    expect(cron.spec.failedJobsHistoryLimit).toBe(3);
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86400 });
    expect(cron.spec.jobTemplate.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'arr-wiring', 'app.kubernetes.io/instance': 'arr-wiring' });
    expect(podOf(cron).restartPolicy).toBe('Never');
  });

  it('runs the script from its ConfigMap with a pinned curl image, hardened', () => {
    expect(c.image).toMatch(/^curlimages\/curl:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
    expect(c.command).toEqual(['sh', '/scripts/arr-wiring.sh']);
    expect(c.volumeMounts).toContainEqual({ name: 'script', mountPath: '/scripts', readOnly: true });
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    const pod = podOf(cron);
    expect(pod.volumes).toContainEqual({ name: 'script', configMap: { name: 'arr-wiring-script' } });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } });
    const cm = find('ConfigMap', 'arr-wiring-script');
    expect(cm.data['arr-wiring.sh']).toBe(arrWiringScript());
    expect(cm.data['arr-wiring.sh']).toBe(readFileSync('src/apps/arr-wiring/arr-wiring.sh', 'utf8'));
    const plex = stack.components.find((x) => x.fluxName === 'plex') as unknown as PlexHandle;
    expect(cm.data['arr-wiring.json']).toBe(arrWiringDataText(wiringData(resolveConfig(FULL), { plex: { service: plex.app, port: plex.port, token: plex.token } })));
    // The script reads its data from the mounted ConfigMap.
    expect(cm.data['arr-wiring.sh']).toContain('DATA=${1:-/scripts/arr-wiring.json}');
  });

  it("mounts the streaming library (to create folders) and the permanent library read-only, at the Arrs' paths", () => {
    expect(c.volumeMounts).toContainEqual({ name: 'symlink-library', mountPath: '/mnt/streaming-media' });
    expect(c.volumeMounts).toContainEqual({ name: 'media-library', mountPath: '/mnt/media', readOnly: true });
    const sonarr = containerOf(find('StatefulSet', 'sonarr'), 'sonarr');
    for (const m of ['/mnt/streaming-media', '/mnt/media']) {
      const mine = c.volumeMounts.find((x: any) => x.mountPath === m);
      expect(sonarr.volumeMounts.find((x: any) => x.mountPath === m).name).toBe(mine.name);
    }
  });

  it('reads every API key from the Secret the app itself reads', () => {
    const env = envOf(c);
    for (const inst of ['sonarr', 'sonarr-4k', 'radarr', 'prowlarr']) {
      const name = `${inst.toUpperCase().replace('-', '_')}_API_KEY`;
      expect(env[name]).toEqual({ secretKeyRef: { name: `${inst}-secrets`, key: 'api-key' } });
    }
    expect(envOf(containerOf(find('StatefulSet', 'prowlarr'), 'prowlarr')).PROWLARR__AUTH__APIKEY).toEqual(env.PROWLARR_API_KEY);
    // The Plex token: optional (absent until Plex's side writes it), from the Secret the PlexHandle names.
    const plex = stack.components.find((x) => x.fluxName === 'plex') as unknown as PlexHandle;
    expect(env.PLEX_TOKEN).toEqual({ secretKeyRef: { name: plex.token.secret, key: plex.token.key, optional: true } });
    expect(Object.keys(env).sort()).toEqual(['PLEX_TOKEN', 'PROWLARR_API_KEY', 'RADARR_API_KEY', 'SONARR_4K_API_KEY', 'SONARR_API_KEY', 'TZ']);
  });

  it('is its own Flux folder after the Arrs and Prowlarr, before the NetworkPolicies', () => {
    const names = stack.components.map((x) => x.fluxName);
    const wiring = stack.components.find((x) => x.fluxName === 'arr-wiring')!;
    expect(wiring.dir).toBe('apps/media/arr-wiring');
    expect(wiring.dependsOn.map((d) => d.fluxName)).toEqual(expect.arrayContaining(['sonarr', 'sonarr-4k', 'radarr', 'prowlarr']));
    expect(names.at(-1)).toBe('media-network-policies');
    expect(names.indexOf('arr-wiring')).toBe(names.length - 2);
    for (const n of ['sonarr', 'radarr', 'prowlarr', 'decypharr', 'qbittorrent', 'flaresolverr']) expect(names.indexOf(n)).toBeLessThan(names.indexOf('arr-wiring'));
    expect(
      objects
        .filter((o) => o.metadata.name === 'arr-wiring' || o.metadata.name === 'arr-wiring-script')
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['ConfigMap', 'CronJob']);
  });

  it('may call the Arrs and Prowlarr (only those), and they accept it', () => {
    const spec = find('NetworkPolicy', 'allow-arr-wiring').spec;
    expect(spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'arr-wiring', 'app.kubernetes.io/instance': 'arr-wiring' });
    expect(spec.ingress).toBeUndefined();
    expect(spec.egress).toEqual([
      { to: [sel('sonarr')], ports: [{ protocol: 'TCP', port: 8989 }] },
      { to: [sel('sonarr', 'sonarr-4k')], ports: [{ protocol: 'TCP', port: 8989 }] },
      { to: [sel('radarr')], ports: [{ protocol: 'TCP', port: 7878 }] },
      { to: [sel('prowlarr')], ports: [{ protocol: 'TCP', port: 9696 }] },
    ]);
    for (const [inst, port] of [
      ['sonarr-4k', 8989],
      ['radarr', 7878],
      ['prowlarr', 9696],
    ] as const) {
      expect(find('NetworkPolicy', `allow-${inst}`).spec.ingress).toContainEqual({ from: [sel('arr-wiring')], ports: [{ protocol: 'TCP', port }] });
    }
  });

  it('is on by default, can be switched off, and vanishes when there is nothing to wire', () => {
    expect(() => objectsOf().find('CronJob', 'arr-wiring')).not.toThrow();
    expect(objectsOf({ apps: { arrWiring: { enabled: false } } }).objects.some((o) => o.metadata.name === 'arr-wiring')).toBe(false);
    const none = objectsOf({
      apps: { sonarr: { enabled: false }, radarr: { enabled: false }, prowlarr: { enabled: false }, profilarr: { enabled: false }, pulsarr: { enabled: false } },
    });
    expect(none.objects.some((o) => o.metadata.name === 'arr-wiring')).toBe(false);
    expect(objectsOf({ apps: { arrWiring: { schedule: '@daily' } } }).find('CronJob', 'arr-wiring').spec.schedule).toBe('@daily');
    expect(() => resolveConfig({ apps: { arrWiring: { schedule: 'hourly' } } })).toThrow(/apps\.arrWiring\.schedule/);
  });

  it('without Decypharr: no streaming folder, no streaming library mount; with hostPath storage: the host directories', () => {
    const { find: f } = objectsOf({ apps: { decypharr: { enabled: false }, qbittorrent: QBIT } });
    const cc = containerOf(f('CronJob', 'arr-wiring'), 'arr-wiring');
    expect(cc.volumeMounts.map((m: any) => m.mountPath)).not.toContain('/mnt/streaming-media');
    const data = f('ConfigMap', 'arr-wiring-script').data['arr-wiring.json'];
    expect(data).not.toContain('streaming-media');
    expect(data).not.toContain('Decypharr');
    // One client: nothing to route, no tags.
    expect(JSON.parse(data).apps[0].collections[0].entries[0].body).toContain('"name":"qBittorrent"');
    expect(JSON.parse(data).apps[0].collections[0].entries[0].body).toContain('"tags":[]');
    const { find: h } = objectsOf({ storage: { mode: 'hostPath' } });
    const vols = podOf(h('CronJob', 'arr-wiring')).volumes;
    expect(vols.find((v: any) => v.name === 'media-library').hostPath.path).toBe('/data/library');
    expect(vols.find((v: any) => v.name === 'symlink-library').hostPath.path).toBe('/data/streaming-media');
  });

  it('turns the tag routing and the Plex connection off one by one', () => {
    const resources = (input: StackConfigInput) => shippedData(input).apps[0]!.collections.map((x) => x.resource);
    expect(resources(FULL)).toEqual(['tag', 'downloadclient', 'rootfolder', 'notification']);
    const noRouting = { apps: { ...FULL.apps, arrWiring: { tagRouting: false } } } as StackConfigInput;
    expect(resources(noRouting)).toEqual(['downloadclient', 'rootfolder', 'notification']);
    expect(shippedData(noRouting).apps[0]!.collections[0]!.entries.map((e) => JSON.parse(e.body).tags)).toEqual([[], [], []]);
    const noPlex = { apps: { ...FULL.apps, arrWiring: { plexConnection: false } } } as StackConfigInput;
    expect(resources(noPlex)).toEqual(['tag', 'downloadclient', 'rootfolder']);
    expect(envOf(containerOf(objectsOf(noPlex).find('CronJob', 'arr-wiring'), 'arr-wiring')).PLEX_TOKEN).toBeUndefined();
    // Without Plex in the stack: no connection either.
    expect(resources({ apps: { ...FULL.apps, plex: { enabled: false }, clusterplex: { enabled: false }, pulsarr: { enabled: false } } })).not.toContain('notification');
  });

  it('matches Services by any of their in-cluster names', () => {
    const re = new RegExp(hostRegex('sonarr', 'media', 8989));
    for (const ok of ['http://sonarr:8989', 'http://sonarr.media.svc.cluster.local:8989/', 'sonarr', 'https://sonarr.media.svc:8989']) expect(ok).toMatch(re);
    for (const no of ['http://sonarr-4k:8989', 'http://sonarr:7878', 'http://sonarrx', 'http://sonarr.other:8989']) expect(no).not.toMatch(re);
  });
});

// ─── the script against a fake Servarr ──────────────────────────────────────────────────────

const KEYS: Record<string, string> = { sonarr: 'a'.repeat(32), 'sonarr-4k': 'b'.repeat(32), radarr: 'c'.repeat(32), prowlarr: 'd'.repeat(32) };

describe.each(SHELLS)('Arr wiring: the script (%s) against a fake Servarr on 127.0.0.1', (shell) => {
  const fake = new FakeServarr(KEYS);
  let wiring: WiringRun;
  let dir = '';
  let env: Record<string, string> = {};
  const script = arrWiringScript();
  const run = (file: string, e: Record<string, string>) => wiring.run(e, { file });
  const posts = () => fake.requests.filter((r) => r.method === 'POST');
  const reset = () => fake.reset();

  beforeAll(async () => {
    await fake.start();
    // The in-cluster URLs point at the fake server; bodies keep the real names.
    wiring = prepareWiringRun(shell, fake.port, shippedData(FULL), ['/mnt/media/tv']);
    dir = wiring.dir;
    env = {
      SONARR_API_KEY: KEYS.sonarr!,
      SONARR_4K_API_KEY: KEYS['sonarr-4k']!,
      RADARR_API_KEY: KEYS.radarr!,
      PROWLARR_API_KEY: KEYS.prowlarr!,
      PLEX_TOKEN,
    };
  });
  afterAll(async () => {
    await fake.stop();
    wiring.cleanup();
  });

  it('creates every missing entry exactly once, with the verified API shapes', async () => {
    reset();
    const { code, out } = await run(join(dir, 'arr-wiring.sh'), env);
    expect(out).not.toContain('ERROR');
    expect(code).toBe(0);
    expect(fake.requests.every((r) => r.method === 'GET' || r.method === 'POST')).toBe(true);
    expect(fake.requests.every((r) => r.key === KEYS[r.svc])).toBe(true);
    const summary = posts().map((r) => `${r.svc} ${r.path}`);
    const arrPosts = (svc: string, roots: number) => [
      `${svc} /api/v3/tag`,
      `${svc} /api/v3/tag`,
      `${svc} /api/v3/downloadclient?forceSave=true`,
      `${svc} /api/v3/downloadclient?forceSave=true`,
      `${svc} /api/v3/downloadclient?forceSave=true`,
      ...Array.from({ length: roots }, () => `${svc} /api/v3/rootfolder`),
      `${svc} /api/v3/notification?forceSave=true`,
    ];
    expect(summary).toEqual([
      ...arrPosts('sonarr', 2),
      ...arrPosts('sonarr-4k', 1),
      ...arrPosts('radarr', 1),
      'prowlarr /api/v1/applications?forceSave=true',
      'prowlarr /api/v1/applications?forceSave=true',
      'prowlarr /api/v1/applications?forceSave=true',
      'prowlarr /api/v1/tag',
      'prowlarr /api/v1/indexerProxy?forceSave=true',
    ]);

    const [decypharr, qbit] = fake.list('sonarr', 'downloadclient');
    expect(decypharr).toMatchObject({
      name: 'Decypharr',
      enable: true,
      protocol: 'torrent',
      priority: 1,
      removeCompletedDownloads: true,
      removeFailedDownloads: true,
      implementation: 'QBittorrent',
      configContract: 'QBittorrentSettings',
      tags: [],
    });
    const fields = (e: any) => Object.fromEntries(e.fields.map((f: any) => [f.name, f.value]));
    expect(fields(decypharr)).toEqual({
      host: 'decypharr.media.svc.cluster.local',
      port: 8282,
      useSsl: false,
      urlBase: '',
      username: 'http://sonarr.media.svc.cluster.local:8989',
      password: KEYS.sonarr,
      tvCategory: 'sonarr',
    });
    // Routing: the routing tags exist; qBittorrent serves only items tagged downloads, Decypharr (untagged) everything else.
    expect(fake.list('sonarr', 'tag')).toEqual([
      { label: 'streaming', id: 1 },
      { label: 'downloads', id: 2 },
    ]);
    expect(qbit).toMatchObject({ name: 'qBittorrent', priority: 2, tags: [2] });
    expect(fields(qbit)).toMatchObject({ host: 'qbittorrent.media.svc.cluster.local', port: 8080, username: '', password: '', tvCategory: 'sonarr' });
    expect(fields(fake.list('radarr', 'downloadclient')[0])).toMatchObject({
      movieCategory: 'radarr',
      username: 'http://radarr.media.svc.cluster.local:7878',
      password: KEYS.radarr,
    });
    expect(fields(fake.list('sonarr-4k', 'downloadclient')[0])).toMatchObject({ tvCategory: 'sonarr-4k', password: KEYS['sonarr-4k'] });

    expect(fake.list('sonarr', 'rootfolder').map((r) => r.path)).toEqual(['/mnt/streaming-media/sonarr', '/mnt/media/tv']);
    expect(fake.list('sonarr-4k', 'rootfolder').map((r) => r.path)).toEqual(['/mnt/streaming-media/sonarr-4k']);
    expect(fake.list('radarr', 'rootfolder').map((r) => r.path)).toEqual(['/mnt/streaming-media/radarr']);
    expect(out).toContain('radarr: root folder /mnt/media/movies skipped');
    expect(statSync(join(dir, 'mnt', 'streaming-media', 'sonarr-4k')).isDirectory()).toBe(true);

    const apps = fake.list('prowlarr', 'applications');
    expect(apps.map((a) => [a.name, a.implementation, a.configContract, a.syncLevel])).toEqual([
      ['sonarr', 'Sonarr', 'SonarrSettings', 'fullSync'],
      ['sonarr-4k', 'Sonarr', 'SonarrSettings', 'fullSync'],
      ['radarr', 'Radarr', 'RadarrSettings', 'fullSync'],
    ]);
    expect(fields(apps[2])).toEqual({ prowlarrUrl: 'http://prowlarr.media.svc.cluster.local:9696', baseUrl: 'http://radarr.media.svc.cluster.local:7878', apiKey: KEYS.radarr });
    expect(fake.list('prowlarr', 'tag')).toEqual([{ label: 'flaresolverr', id: 1 }]);
    const [proxy] = fake.list('prowlarr', 'indexerProxy');
    expect(proxy).toMatchObject({ name: 'FlareSolverr', implementation: 'FlareSolverr', configContract: 'FlareSolverrSettings', tags: [1] });
    expect(fields(proxy)).toEqual({ host: 'http://flaresolverr.media.svc.cluster.local:8191/' });
    // The library refresh: Connect › Plex Media Server with the claimed server's token, on the events that change files.
    const [plexSonarr] = fake.list('sonarr', 'notification');
    expect(plexSonarr).toMatchObject({
      name: 'Plex',
      implementation: 'PlexServer',
      configContract: 'PlexServerSettings',
      onDownload: true,
      onUpgrade: true,
      onRename: true,
      tags: [],
    });
    expect(plexSonarr.onGrab).toBeUndefined();
    expect(fields(plexSonarr)).toEqual({ host: 'plex.media.svc.cluster.local', port: 32400, useSsl: false, urlBase: '', authToken: PLEX_TOKEN, updateLibrary: true });
    expect(fake.list('radarr', 'notification')[0]).toMatchObject({ onDownload: true, onMovieDelete: true, onMovieFileDelete: true });
    // Every request is an operation of the app's OpenAPI document, every body fits its schema.
    expect(fake.invalid).toEqual([]);

    // Second run against what the first one created: reads only.
    fake.requests.length = 0;
    const again = await run(join(dir, 'arr-wiring.sh'), env);
    expect(again.code).toBe(0);
    expect(posts()).toEqual([]);
    expect(again.out).toContain('sonarr: download client Decypharr: present');
  });

  it('recognises entries the operator made under other names (host, URL, path) and changes nothing', async () => {
    reset();
    fake.list('sonarr', 'downloadclient').push(
      asServed(
        {
          name: 'My debrid',
          implementation: 'QBittorrent',
          fields: [
            { name: 'host', value: 'decypharr' },
            { name: 'port', value: 8282 },
          ],
        },
        7,
      ),
    );
    fake.list('sonarr', 'downloadclient').push(asServed({ name: 'QBITTORRENT', implementation: 'QBittorrent', fields: [{ name: 'host', value: 'some-nas' }] }, 8));
    const unmapped = Array.from({ length: 3000 }, (_, i) => ({ name: `Show ${i}`, path: `/mnt/streaming-media/sonarr/Show ${i}`, relativePath: `Show ${i}` }));
    fake.list('sonarr', 'rootfolder').push({ path: '/mnt/streaming-media/sonarr/', id: 3, unmappedFolders: unmapped });
    fake.list('prowlarr', 'applications').push(asServed({ name: 'Sonarr', implementation: 'Sonarr', fields: [{ name: 'baseUrl', value: 'http://sonarr:8989' }] }, 1));
    fake
      .list('prowlarr', 'applications')
      .push(asServed({ name: 'Movies', implementation: 'Radarr', fields: [{ name: 'baseUrl', value: 'http://radarr.media.svc.cluster.local:7878/' }] }, 2));
    fake.list('prowlarr', 'tag').push({ label: 'other', id: 4 }, { label: 'flaresolverr', id: 9 });
    fake.list('sonarr', 'tag').push({ label: 'downloads', id: 5 });
    fake.list('sonarr', 'notification').push(asServed({ name: 'My Plex', implementation: 'PlexServer', fields: [{ name: 'host', value: '192.168.1.5' }] }, 3));
    fake.list('radarr', 'notification').push(asServed({ name: 'Plex (LAN)', implementation: 'Email', fields: [{ name: 'host', value: 'plex.media' }] }, 4));
    const { code, out } = await run(join(dir, 'arr-wiring.sh'), env);
    expect(out).not.toContain('ERROR');
    expect(code).toBe(0);
    const summary = posts().map((r) => `${r.svc} ${r.path} ${r.body.name ?? r.body.path ?? r.body.label}`);
    expect(summary).toEqual([
      'sonarr /api/v3/tag streaming',
      // The operator's clients are torrent ones: the usenet client is still missing.
      'sonarr /api/v3/downloadclient?forceSave=true Decypharr Usenet',
      'sonarr /api/v3/rootfolder /mnt/media/tv',
      'sonarr-4k /api/v3/tag streaming',
      'sonarr-4k /api/v3/tag downloads',
      'sonarr-4k /api/v3/downloadclient?forceSave=true Decypharr',
      'sonarr-4k /api/v3/downloadclient?forceSave=true qBittorrent',
      'sonarr-4k /api/v3/downloadclient?forceSave=true Decypharr Usenet',
      'sonarr-4k /api/v3/rootfolder /mnt/streaming-media/sonarr-4k',
      'sonarr-4k /api/v3/notification?forceSave=true Plex',
      'radarr /api/v3/tag streaming',
      'radarr /api/v3/tag downloads',
      'radarr /api/v3/downloadclient?forceSave=true Decypharr',
      'radarr /api/v3/downloadclient?forceSave=true qBittorrent',
      'radarr /api/v3/downloadclient?forceSave=true Decypharr Usenet',
      'radarr /api/v3/rootfolder /mnt/streaming-media/radarr',
      // Any Plex Media Server connection counts as present, whatever its host; another kind (e-mail) does not.
      'radarr /api/v3/notification?forceSave=true Plex',
      'prowlarr /api/v1/applications?forceSave=true sonarr-4k',
      'prowlarr /api/v1/indexerProxy?forceSave=true FlareSolverr',
    ]);
    // The existing tag is reused, not created.
    expect(posts().at(-1)!.body.tags).toEqual([9]);
    expect(fake.list('sonarr', 'downloadclient').map((e) => e.name)).toEqual(['My debrid', 'QBITTORRENT', 'Decypharr Usenet']);
    // The operator's untagged qBittorrent stays untagged (the runbook says to tag it by hand).
    expect(fake.list('sonarr', 'downloadclient')[1].tags).toBeUndefined();
    expect(out).toContain('sonarr: connection Plex Media Server: present');
    expect(fake.list('sonarr', 'notification').map((e) => e.name)).toEqual(['My Plex']);
    expect(fake.invalid).toEqual([]);
  });

  it('flattens JSON of any layout: escapes, nesting, literals, one long line', async () => {
    const flat = /json_flat\(\) \{\n {2}awk '([\s\S]*?)'\n\}/.exec(script)![1]!;
    writeFileSync(join(dir, 'flat.awk'), flat);
    const input = JSON.stringify([
      {
        name: 'a "b" \\ c',
        fields: [
          { name: 'port', value: 8282 },
          { name: 'x', value: [true, null, -2.5e3, {}] },
        ],
        tags: [],
      },
    ]);
    writeFileSync(join(dir, 'in.json'), input);
    writeFileSync(join(dir, 'flat.sh'), `awk -f '${join(dir, 'flat.awk')}' < '${join(dir, 'in.json')}'\n`);
    const { code, out } = await run(join(dir, 'flat.sh'), env);
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toEqual([
      '[0].name\ta "b" \\ c',
      '[0].fields[0].name\tport',
      '[0].fields[0].value\t8282',
      '[0].fields[1].name\tx',
      '[0].fields[1].value[0]\ttrue',
      '[0].fields[1].value[1]\tnull',
      '[0].fields[1].value[2]\t-2500',
    ]);
  });

  it("reports failures (HTTP status and the app's message), carries on, and exits non-zero", async () => {
    reset();
    fake.failPost.set('sonarr downloadclient', { status: 400, body: [{ propertyName: 'Host', errorMessage: 'Unable to connect to qBittorrent' }] });
    const badKey = { ...env, RADARR_API_KEY: 'not"a key' };
    const { code, out } = await run(join(dir, 'arr-wiring.sh'), badKey);
    expect(code).toBe(1);
    expect(out).toMatch(/ERROR: sonarr: download client Decypharr: not created, HTTP 400: .*Unable to connect to qBittorrent/s);
    expect(out).toContain('ERROR: RADARR_API_KEY is empty or not a plain API key or token');
    expect(fake.requests.some((r) => r.svc === 'radarr')).toBe(false);
    // Everything else still happened.
    expect(fake.list('sonarr', 'rootfolder').map((r) => r.path)).toEqual(['/mnt/streaming-media/sonarr', '/mnt/media/tv']);
    expect(fake.list('prowlarr', 'applications').map((a) => a.name)).toEqual(['sonarr', 'sonarr-4k']);
  });

  it('waits for the Plex token: without it no connection, one log line per Arr, and the run still succeeds', async () => {
    reset();
    const { PLEX_TOKEN: _token, ...unclaimed } = env;
    const { code, out } = await run(join(dir, 'arr-wiring.sh'), { ...unclaimed, PLEX_TOKEN: '' });
    expect(out).not.toContain('ERROR');
    expect(code).toBe(0);
    expect(posts().filter((r) => r.path.includes('notification'))).toEqual([]);
    for (const arr of ['sonarr', 'sonarr-4k', 'radarr'])
      expect(out).toMatch(new RegExp(`^arr-wiring: ${arr}: connection Plex Media Server skipped: Plex is not claimed yet \\(.+/token is empty\\): added on a later run$`, 'm'));
    // Absent altogether (the optional secretKeyRef of a missing Secret): the same.
    const absent = await run(join(dir, 'arr-wiring.sh'), unclaimed);
    expect(absent.code).toBe(0);
    expect(fake.list('sonarr', 'notification')).toEqual([]);
  });

  it('fails when an app is unreachable or rejects the key, without creating anything there', async () => {
    reset();
    const { code, out } = await run(join(dir, 'arr-wiring.sh'), { ...env, PROWLARR_API_KEY: 'e'.repeat(32) });
    expect(code).toBe(1);
    expect(out).toMatch(/ERROR: GET http:\/\/127\.0\.0\.1:\d+\/prowlarr\/api\/v1\/applications answered HTTP 401/);
    expect(posts().filter((r) => r.svc === 'prowlarr')).toEqual([]);
  });
});

// ─── the static file ────────────────────────────────────────────────────────────────────────

describe('Arr wiring: the static script file', () => {
  it('passes shellcheck for the shell of the image that runs it (busybox sh in curlimages/curl: linted as POSIX sh)', () => {
    const bin = requireTool('shellcheck', 'shellcheck');
    const shell = shellOf(IMAGES.curl, 'sh');
    expect(shell, `a known sh in ${IMAGES.curl}`).toEqual({ lint: 'sh', run: 'busybox' });
    // Every default check, style notes included: no finding is accepted.
    const r = spawnSync(bin, ['-s', shell!.lint, '-f', 'gcc', 'src/apps/arr-wiring/arr-wiring.sh'], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('is static: no config value, app, kind or field name in it (those are data)', () => {
    const script = arrWiringScript();
    expect(script).toMatch(/^#!\/bin\/sh\n/);
    expect(script).toMatch(/^set -eu$/m);
    for (const word of ['sonarr', 'radarr', 'lidarr', 'prowlarr', 'decypharr', 'qbittorrent', 'flaresolverr', 'svc.cluster.local', '/api/v', 'Category', 'forceSave']) {
      expect(script.toLowerCase(), word).not.toContain(word.toLowerCase());
    }
  });

  it('refuses data whose body leaves a placeholder its entry does not fill', () => {
    expect(() => wiringData(resolveConfig(FULL))).not.toThrow();
    const data = wiringData(resolveConfig(FULL));
    expect(JSON.stringify(data)).not.toMatch(/[a-f0-9]{32}/);
    // Every placeholder of every body is declared by its entry.
    for (const e of data.apps.flatMap((a) => a.collections.flatMap((c) => c.entries))) {
      const names = [...e.body.matchAll(/@@([A-Z0-9_]+)@@/g)].map((m) => m[1]).sort();
      expect(names, e.what).toEqual([...(e.secrets ?? []), ...(e.lookups ?? []).map((l) => l.placeholder)].sort());
    }
  });
});

// ─── Lidarr: a third kind, from the kind table ─────────────────────────────────────────────

/** Lidarr as an extra Arr of the wiring, with its row of the kinds table (src/apps/lidarr/facts.ts). */
const LIDARR: WiredArr = {
  kind: 'lidarr',
  spec: { ...LIDARR_KIND, library: LIDARR_KIND.library! },
  instance: 'lidarr',
  port: 8686,
  url: 'http://lidarr.media.svc.cluster.local:8686',
  apiKey: { secret: 'lidarr-secrets', key: 'api-key' },
};
/** Sonarr and Radarr off: Lidarr and Prowlarr only (with Decypharr, qBittorrent and FlareSolverr). */
const MUSIC: StackConfigInput = {
  apps: { sonarr: { enabled: false }, radarr: { enabled: false }, profilarr: { enabled: false }, pulsarr: { enabled: false }, qbittorrent: QBIT, flaresolverr: { enabled: true } },
};

describe('Arr wiring: Lidarr data', () => {
  const data = wiringData(resolveConfig(MUSIC), { extraArrs: [LIDARR] });
  const lidarr = data.apps.find((a) => a.instance === 'lidarr')!;

  it('calls Lidarr API v1 with its own key, category field and named root folders with profile lookups', () => {
    expect(data.apps.map((a) => a.instance)).toEqual(['lidarr', 'prowlarr']);
    expect(lidarr).toMatchObject({ api: 'http://lidarr.media.svc.cluster.local:8686/api/v1', keyEnv: 'LIDARR_API_KEY' });
    const [tags, clients, roots] = lidarr.collections;
    expect(tags!.resource).toBe('tag');
    expect(JSON.parse(clients!.entries[0]!.body).fields).toContainEqual({ name: 'musicCategory', value: 'lidarr' });
    expect(roots!.entries.map((e) => JSON.parse(e.body))).toEqual([
      {
        name: 'lidarr streaming',
        path: '/mnt/streaming-media/lidarr',
        defaultMetadataProfileId: '@@DEFAULT_METADATA_PROFILE_ID@@',
        defaultQualityProfileId: '@@DEFAULT_QUALITY_PROFILE_ID@@',
      },
      { name: 'lidarr library', path: '/mnt/media/music', defaultMetadataProfileId: '@@DEFAULT_METADATA_PROFILE_ID@@', defaultQualityProfileId: '@@DEFAULT_QUALITY_PROFILE_ID@@' },
    ]);
    expect(roots!.entries[0]!.lookups).toEqual([
      { placeholder: 'DEFAULT_METADATA_PROFILE_ID', resource: 'metadataprofile', except: 'None' },
      { placeholder: 'DEFAULT_QUALITY_PROFILE_ID', resource: 'qualityprofile' },
    ]);
    const app = JSON.parse(data.apps[1]!.collections[0]!.entries[0]!.body);
    expect(app).toMatchObject({ name: 'lidarr', implementation: 'Lidarr', configContract: 'LidarrSettings' });
    // With Plex: Lidarr's own events of its Plex Media Server connection (no onDownload in Lidarr's API).
    const withPlex = wiringData(resolveConfig(MUSIC), { extraArrs: [LIDARR], plex: { service: 'plex', port: 32400, token: { secret: 'plex-token', key: 'token' } } });
    const connection = withPlex.apps[0]!.collections.find((c) => c.resource === 'notification')!.entries[0]!;
    expect(JSON.parse(connection.body)).toMatchObject({ implementation: 'PlexServer', onReleaseImport: true, onUpgrade: true, onTrackRetag: true, onAlbumDelete: true });
    expect(JSON.parse(connection.body).onDownload).toBeUndefined();
  });

  it('the job reads the Lidarr key from its Secret and may call Lidarr', () => {
    const { find } = objectsOf(MUSIC);
    expect(find('ConfigMap', 'arr-wiring-script').data['arr-wiring.json']).not.toContain('lidarr');
    const chart = new Chart(new App(), 'c');
    const wiring = new ArrWiring(chart, 'arr-wiring', resolveConfig(MUSIC), { extraArrs: [LIDARR] });
    const objects = chart.toJson();
    const cron = objects.find((o: any) => o.kind === 'CronJob');
    expect(envOf(containerOf(cron, 'arr-wiring')).LIDARR_API_KEY).toEqual({ secretKeyRef: { name: 'lidarr-secrets', key: 'api-key' } });
    expect(objects.find((o: any) => o.kind === 'ConfigMap').data['arr-wiring.json']).toBe(arrWiringDataText(data));
    expect(wiring.callEdges).toContainEqual({
      from: { app: 'arr-wiring' },
      to: { app: 'lidarr', instance: 'lidarr' },
      ports: [8686],
      why: 'adds download clients and root folders through the API',
    });
  });
});

const MUSIC_KEYS: Record<string, string> = { lidarr: 'f'.repeat(32), prowlarr: 'd'.repeat(32) };

describe.each(SHELLS)('Arr wiring: Lidarr (%s) against a fake Lidarr validated by its OpenAPI document', (shell) => {
  const fake = new FakeServarr(MUSIC_KEYS);
  let wiring: WiringRun;
  const env = { LIDARR_API_KEY: MUSIC_KEYS.lidarr!, PROWLARR_API_KEY: MUSIC_KEYS.prowlarr!, PLEX_TOKEN };
  const run = () => wiring.run(env);
  const posts = () => fake.requests.filter((r) => r.method === 'POST');

  beforeAll(async () => {
    await fake.start();
    const plex = { service: 'plex', port: 32400, token: { secret: 'plex-token', key: 'token' } };
    wiring = prepareWiringRun(shell, fake.port, wiringData(resolveConfig(MUSIC), { extraArrs: [LIDARR], plex }), ['/mnt/media/music']);
  });
  afterAll(async () => {
    await fake.stop();
    wiring.cleanup();
  });

  it("adds the download clients, both root folders (with a fresh Lidarr's profiles) and the Prowlarr application, once", async () => {
    fake.reset();
    const { code, out } = await run();
    expect(out).not.toContain('ERROR');
    expect(code).toBe(0);
    expect(posts().map((r) => `${r.svc} ${r.path}`)).toEqual([
      'lidarr /api/v1/tag',
      'lidarr /api/v1/tag',
      'lidarr /api/v1/downloadclient?forceSave=true',
      'lidarr /api/v1/downloadclient?forceSave=true',
      'lidarr /api/v1/downloadclient?forceSave=true',
      'lidarr /api/v1/rootfolder',
      'lidarr /api/v1/rootfolder',
      'lidarr /api/v1/notification?forceSave=true',
      'prowlarr /api/v1/applications?forceSave=true',
      'prowlarr /api/v1/tag',
      'prowlarr /api/v1/indexerProxy?forceSave=true',
    ]);
    const fields = (e: any) => Object.fromEntries(e.fields.map((f: any) => [f.name, f.value]));
    const [decypharr, qbit] = fake.list('lidarr', 'downloadclient');
    expect(fields(decypharr)).toMatchObject({
      host: 'decypharr.media.svc.cluster.local',
      username: 'http://lidarr.media.svc.cluster.local:8686',
      password: MUSIC_KEYS.lidarr,
      musicCategory: 'lidarr',
    });
    expect(fields(qbit)).toMatchObject({ host: 'qbittorrent.media.svc.cluster.local', musicCategory: 'lidarr' });
    // "Standard" (id 1), never the empty "None" profile; the first quality profile ("Any").
    expect(
      fake
        .list('lidarr', 'rootfolder')
        .map(({ name, path, defaultMetadataProfileId, defaultQualityProfileId }) => ({ name, path, defaultMetadataProfileId, defaultQualityProfileId })),
    ).toEqual([
      { name: 'lidarr streaming', path: '/mnt/streaming-media/lidarr', defaultMetadataProfileId: 1, defaultQualityProfileId: 1 },
      { name: 'lidarr library', path: '/mnt/media/music', defaultMetadataProfileId: 1, defaultQualityProfileId: 1 },
    ]);
    expect(statSync(join(wiring.dir, 'mnt', 'streaming-media', 'lidarr')).isDirectory()).toBe(true);
    const [app] = fake.list('prowlarr', 'applications');
    expect(app).toMatchObject({ name: 'lidarr', implementation: 'Lidarr', configContract: 'LidarrSettings', syncLevel: 'fullSync' });
    expect(fields(app)).toEqual({ prowlarrUrl: 'http://prowlarr.media.svc.cluster.local:9696', baseUrl: 'http://lidarr.media.svc.cluster.local:8686', apiKey: MUSIC_KEYS.lidarr });
    expect(fake.invalid).toEqual([]);

    fake.requests.length = 0;
    const again = await run();
    expect(again.code).toBe(0);
    expect(posts()).toEqual([]);
    expect(again.out).toContain('lidarr: root folder /mnt/media/music: present');
  });

  it('keeps the operator\'s entries and picks a profile other than "None" when that comes first', async () => {
    fake.reset();
    fake.list('lidarr', 'downloadclient').push(asServed({ name: 'Debrid', implementation: 'QBittorrent', fields: [{ name: 'host', value: 'Decypharr.media' }] }, 5));
    fake.list('lidarr', 'rootfolder').push({ id: 4, name: 'Music', path: '/mnt/media/music/', defaultMetadataProfileId: 2, defaultQualityProfileId: 3 });
    fake.list('lidarr', 'metadataprofile').splice(0, 2, { id: 7, name: 'None' }, { id: 8, name: 'Albums only' });
    fake.list('lidarr', 'qualityprofile').splice(0, 3, { id: 5, name: 'FLAC' });
    const { code, out } = await run();
    expect(out).not.toContain('ERROR');
    expect(code).toBe(0);
    expect(
      posts()
        .filter((r) => r.svc === 'lidarr')
        .map((r) => `${r.path} ${r.body.name ?? r.body.label}`),
    ).toEqual([
      '/api/v1/tag streaming',
      '/api/v1/tag downloads',
      '/api/v1/downloadclient?forceSave=true qBittorrent',
      '/api/v1/downloadclient?forceSave=true Decypharr Usenet',
      '/api/v1/rootfolder lidarr streaming',
      '/api/v1/notification?forceSave=true Plex',
    ]);
    expect(posts().find((r) => r.path === '/api/v1/rootfolder')!.body).toMatchObject({ defaultMetadataProfileId: 8, defaultQualityProfileId: 5 });
    expect(fake.list('lidarr', 'rootfolder')[0]).toEqual({ id: 4, name: 'Music', path: '/mnt/media/music/', defaultMetadataProfileId: 2, defaultQualityProfileId: 3 });
    expect(fake.invalid).toEqual([]);
  });

  it('without a usable profile: no root folder, a clear error, the rest still added', async () => {
    fake.reset();
    fake.list('lidarr', 'metadataprofile').splice(0, 2, { id: 2, name: 'None' });
    const { code, out } = await run();
    expect(code).toBe(1);
    expect(out).toContain('ERROR: lidarr: root folder /mnt/streaming-media/lidarr: not created: lidarr has no metadataprofile to use');
    expect(fake.list('lidarr', 'rootfolder')).toEqual([]);
    expect(fake.list('lidarr', 'downloadclient').map((e) => e.name)).toEqual(['Decypharr', 'qBittorrent', 'Decypharr Usenet']);
    expect(fake.list('prowlarr', 'applications').map((e) => e.name)).toEqual(['lidarr']);
  });
});

// ─── the loader of files shipped with the source ────────────────────────────────────────────

describe('readSourceFile (src/lib/script-file.ts)', () => {
  it('finds the script from src and from a bundle in node_modules/.cache, as `npm run synth` runs it', async () => {
    expect(readSourceFile('src/apps/arr-wiring/arr-wiring.sh')).toBe(readFileSync('src/apps/arr-wiring/arr-wiring.sh', 'utf8'));
    const { build } = await import('esbuild');
    const out = join(process.cwd(), 'node_modules', '.cache', 'media-stack-test', `script-file-${process.pid}.mjs`);
    await build({ entryPoints: ['src/lib/script-file.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'error' });
    try {
      const bundled = await import(pathToFileURL(out).href);
      expect(bundled.readSourceFile('src/apps/arr-wiring/arr-wiring.sh')).toBe(readSourceFile('src/apps/arr-wiring/arr-wiring.sh'));
    } finally {
      rmSync(out, { force: true });
    }
  });

  it('names the file and what to do when it is missing, and refuses paths outside the project', () => {
    expect(() => readSourceFile('src/apps/arr-wiring/missing.sh')).toThrow(
      /src\/apps\/arr-wiring\/missing\.sh is not found in any folder above .*script-file\.ts: restore it from Git/,
    );
    expect(() => readSourceFile('../etc/passwd')).toThrow(/must be a path from the project root/);
    expect(() => readSourceFile('/etc/passwd')).toThrow(/must be a path from the project root/);
  });
});
