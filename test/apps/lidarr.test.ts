import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import single from '../../examples/single-node.js';
import { LIDARR } from '../../src/apps/lidarr/facts.js';
import { formatFindings } from '../../src/gates/index.js';
import type { StackConfigInput } from '../../src/stack-config.js';
import { generateDocs } from '../../src/docs/index.js';
import { docsInputOf } from '../docs/input.js';
import { containerOf, envOf, objectsOf, podOf } from '../helpers.js';
import { synthesizeThroughGates } from '../stack/support.js';

const QBT_ON = { enabled: true, vpn: { endpointCidrs: ['203.0.113.10/32'], serverHostnames: ['node-nl-05.protonvpn.net'] } } as const;
const ON: StackConfigInput = { apps: { lidarr: { enabled: true, extraInstances: ['hires'] }, qbittorrent: QBT_ON } };
const sel = (app: string, instance = app) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': instance } } });
const tcp = (port: number) => [{ protocol: 'TCP', port }];

describe('Lidarr', () => {
  const { find, stack } = objectsOf(ON);
  const sts = find('StatefulSet', 'lidarr');
  const c = containerOf(sts, 'lidarr');

  it('is off by default', () => {
    const { objects: none } = objectsOf();
    expect(JSON.stringify(none)).not.toContain('lidarr');
  });

  it('runs the pinned home-operations image on 8686: /ping for startup and readiness, TCP for liveness', () => {
    expect(c.image).toBe(LIDARR.image);
    expect(c.image).toMatch(/^ghcr\.io\/home-operations\/lidarr:\d+\.\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8686, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ping', port: 'http' });
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(find('Service', 'lidarr').spec.ports).toEqual([{ name: 'http', port: 8686, targetPort: 'http', protocol: 'TCP' }]);
    expect(find('Ingress', 'lidarr').spec.rules[0].host).toBe('lidarr.homelab');
    expect(find('PersistentVolumeClaim', 'config-lidarr').spec.resources.requests.storage).toBe('10Gi');
  });

  it('gets the Servarr env under its own prefix, the API key from its own generated Secret', () => {
    const env = envOf(c);
    expect(env.LIDARR__AUTH__APIKEY).toEqual({ secretKeyRef: { name: 'lidarr-secrets', key: 'api-key' } });
    expect(env.LIDARR__SERVER__PORT).toBe('8686');
    expect(env.LIDARR__AUTH__METHOD).toBe('Forms');
    expect(env.LIDARR__AUTH__REQUIRED).toBe('Enabled');
    expect(Object.keys(env).filter((k) => /^(SONARR|RADARR)/.test(k))).toEqual([]);
    const secret = stack.components.find((x) => x.fluxName === 'lidarr')!.secrets;
    expect(secret.map((x) => [x.name, x.keys.map((k) => [k.key, k.source.kind])])).toEqual([
      [
        'lidarr-secrets',
        [
          ['api-key', 'generated'],
          ['ui-password', 'generated'],
        ],
      ],
    ]);
  });

  it('mounts the libraries and the downloads where Sonarr does, and waits for the DFS', () => {
    const sonarr = objectsOf(ON).find('StatefulSet', 'sonarr');
    expect(c.volumeMounts).toEqual(containerOf(sonarr, 'sonarr').volumeMounts);
    expect(podOf(sts).initContainers.map((i: any) => i.name)).toEqual(['wait-for-decypharr-dfs']);
    expect(podOf(sts).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
  });

  it('an extra instance is its own app: lidarr-hires with its own Secret, claim and Ingress', () => {
    expect(envOf(containerOf(find('StatefulSet', 'lidarr-hires'), 'lidarr')).LIDARR__AUTH__APIKEY).toEqual({ secretKeyRef: { name: 'lidarr-hires-secrets', key: 'api-key' } });
    expect(find('PersistentVolumeClaim', 'config-lidarr-hires')).toBeDefined();
    expect(find('Ingress', 'lidarr-hires')).toBeDefined();
  });

  it('NetworkPolicies: Prowlarr ↔ Lidarr, Lidarr → Decypharr and qBittorrent, Decypharr → Lidarr, the ingress controller → Lidarr', () => {
    const lidarr = find('NetworkPolicy', 'allow-lidarr').spec;
    expect(lidarr.egress).toContainEqual({ to: [sel('prowlarr')], ports: tcp(9696) });
    expect(lidarr.egress).toContainEqual({ to: [sel('decypharr')], ports: tcp(8282) });
    expect(lidarr.egress).toContainEqual({ to: [sel('qbittorrent')], ports: tcp(8080) });
    expect(lidarr.ingress).toContainEqual({ from: [sel('prowlarr')], ports: tcp(8686) });
    expect(lidarr.ingress).toContainEqual({ from: [sel('decypharr')], ports: tcp(8686) });
    expect(lidarr.ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }], ports: tcp(8686) });
    expect(find('NetworkPolicy', 'allow-prowlarr').spec.egress).toContainEqual({ to: [sel('lidarr', 'lidarr-hires')], ports: tcp(8686) });
    // qBittorrent's kill switch admits it too
    expect(JSON.stringify(find('NetworkPolicy', 'qbittorrent-vpn-killswitch').spec.ingress)).toContain('"app.kubernetes.io/instance":"lidarr-hires"');
    // Pulsarr requests series and movies only, Profilarr manages Sonarr/Radarr only
    expect(JSON.stringify(lidarr.egress)).not.toContain('pulsarr');
    for (const app of ['pulsarr', 'profilarr']) expect(JSON.stringify(find('NetworkPolicy', `allow-${app}`).spec)).not.toContain('lidarr');
    // the wiring job calls its API
    expect(find('NetworkPolicy', 'allow-arr-wiring').spec.egress).toContainEqual({ to: [sel('lidarr')], ports: tcp(8686) });
  });

  it('Decypharr knows it as an Arr (URL + API key) and has a category for each instance', () => {
    const env = envOf(containerOf(find('StatefulSet', 'decypharr'), 'decypharr'));
    const names = Object.entries(env)
      .filter(([k]) => /^DECYPHARR_ARRS__\d+__NAME$/.test(k))
      .map(([, v]) => v);
    expect(names).toEqual(['sonarr', 'radarr', 'lidarr', 'lidarr-hires']);
    const i = names.indexOf('lidarr');
    expect(env[`DECYPHARR_ARRS__${i}__HOST`]).toBe('http://lidarr.media.svc.cluster.local:8686');
    expect(env[`DECYPHARR_ARRS__${i}__TOKEN`]).toEqual({ secretKeyRef: { name: 'lidarr-secrets', key: 'api-key' } });
    const seed = JSON.parse(find('ConfigMap', 'decypharr-seed-config').data['config.json']);
    expect(seed.categories).toEqual(['sonarr', 'radarr', 'lidarr', 'lidarr-hires']);
  });

  it('the wiring job adds it to Prowlarr and gives it the download clients and the music root folder, over its API v1', () => {
    const data = JSON.parse(find('ConfigMap', 'arr-wiring-script').data['arr-wiring.json']);
    const app = data.apps.find((a: any) => a.instance === 'lidarr');
    expect(app.api).toBe('http://lidarr.media.svc.cluster.local:8686/api/v1');
    const text = JSON.stringify(app);
    expect(text).toContain('{\\"name\\":\\"musicCategory\\",\\"value\\":\\"lidarr\\"}');
    expect(text).toContain('/mnt/media/music');
    expect(JSON.stringify(data)).toContain('\\"implementation\\":\\"Lidarr\\"');
  });

  it('Configarr (TRaSH templates for Sonarr/Radarr) leaves it alone', () => {
    const { objects } = objectsOf({ apps: { lidarr: { enabled: true }, configarr: { enabled: true } } });
    const configarr = objects.filter((o) => JSON.stringify(o.metadata).includes('configarr'));
    expect(configarr.length).toBeGreaterThan(0);
    expect(JSON.stringify(configarr)).not.toContain('lidarr');
  });

  it('its row of the kinds table carries what the wiring needs: API v1, musicCategory, the music folder', () => {
    expect(LIDARR).toMatchObject({ name: 'lidarr', title: 'Lidarr', port: 8686, apiVersion: 'v1', library: { folder: 'music', categoryField: 'musicCategory' } });
  });

  it('its image pin and port are the ones recorded with their sources', () => {
    const facts = readFileSync('docs/app-facts-verified.md', 'utf8');
    expect(facts).toContain(`\`${LIDARR.image}\``);
    expect(facts).toContain('GetValueInt("Port", 8686)');
    expect(facts).toContain('`LIDARR__AUTH__APIKEY`');
  });

  it.each([
    ['the default config', ON],
    ['the single-node example', { ...single, apps: { ...single.apps, lidarr: { enabled: true } } }],
  ] as [string, StackConfigInput][])(
    'synthesizes with %s and passes every gate',
    async (_name, input) => {
      const result = await synthesizeThroughGates(input);
      const own = result.findings.filter((f) => f.object.includes('/lidarr'));
      expect(
        own.every((f) => f.severity === 'warning' && /\[(export-defined|image-pinned)\]/.test(f.message)),
        formatFindings(own),
      ).toBe(true);
      const docs = result.files
        .filter((f) => f.path.endsWith('.md'))
        .map((f) => f.content)
        .join('\n');
      expect(docs).toContain('Lidarr (lidarr) on port 8686');
    },
    120_000,
  );

  it('the servarr-setup job creates its first user through its own API version (v1); the runbook lists its API key and password', () => {
    const md = generateDocs(docsInputOf(ON)).find((f) => f.path === 'docs/post-deploy.md')!.content;
    expect(md).toContain('# lidarr (env LIDARR__AUTH__APIKEY from Secret lidarr-secrets)');
    expect(md).toContain('# lidarr: user admin, password:');
    const data = JSON.parse(objectsOf(ON).find('ConfigMap', 'servarr-setup-script').data['servarr-setup.json']);
    expect(data.instances.find((i: any) => i.instance === 'lidarr').api).toBe('http://lidarr.media.svc.cluster.local:8686/api/v1');
  });

  it('with the job off, the runbook creates its first user by hand through its own API version (v1)', () => {
    const md = generateDocs(docsInputOf({ ...ON, apps: { ...ON.apps, servarrLogin: { enabled: false } } })).find((f) => f.path === 'docs/post-deploy.md')!.content;
    expect(md).toContain('http://localhost:8686/api/v1/config/host');
    expect(md).toContain('# lidarr-hires');
    expect(md).toContain('http://localhost:8989/api/v3/config/host');
  });
});
