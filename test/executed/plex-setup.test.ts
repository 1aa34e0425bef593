/**
 * plex-setup (src/apps/plex/plex-setup.py) and the Plex token writer (src/apps/plex/plex-token.py)
 * run by the real python3 from their ConfigMaps, as their pods run them: plex-setup against a
 * recording Plex stub that answers Plex-shaped JSON and refuses every request outside the API
 * description in test/fixtures/app-apis/plex/ (see its PROVENANCE.md); the token writer against
 * a stub Kubernetes API that allows exactly what its Role allows.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { objectsOf } from '../helpers.js';
import { requireTool, scratch } from './support.js';
import { atStubs, RecordingStub, runSetupJob, setupJobOf, type SetupJobFiles, type StubAnswer, type StubRequest } from './setup-jobs.js';

const TOKEN = 'pl3x-0nline-t0ken-of-the-server';
const PLEX_URL = 'http://plex.media.svc.cluster.local:32400';

interface QueryRule {
  readonly required?: boolean;
  readonly enum?: readonly string[];
  readonly repeated?: boolean;
  readonly absolutePath?: boolean;
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, QueryRule>>;
  readonly queryIsPreferences?: boolean;
}
interface PlexApi {
  readonly auth: { readonly header: string; readonly exempt: readonly string[] };
  readonly operations: readonly Operation[];
  readonly preferences: Readonly<Record<string, { type: string; default: string | boolean; label: string; group: string }>>;
  readonly agents: Readonly<Record<string, { agent: string; scanner: string }>>;
}
const API: PlexApi = JSON.parse(readFileSync('test/fixtures/app-apis/plex/plex-api.json', 'utf8'));

/** What is wrong with `r` by the API description ([] when it is a request Plex documents). */
function violations(r: StubRequest): string[] {
  const out: string[] = [];
  const op = API.operations.find((o) => o.method === r.method && new RegExp(`^${o.path.replace(/[.:]/g, '\\$&').replace(/\{[^}]+\}/g, '[A-Za-z0-9+/=]+')}$`).test(r.path));
  if (!op) return [`${r.method} ${r.path} is not in the API description`];
  if (!(r.headers.accept ?? '').includes('application/json')) out.push(`${r.method} ${r.path}: no Accept: application/json`);
  if (!API.auth.exempt.includes(op.path) && r.headers[API.auth.header.toLowerCase()] !== TOKEN) out.push(`${r.method} ${r.path}: no ${API.auth.header}`);
  if (r.text) out.push(`${r.method} ${r.path}: Plex reads parameters from the query, not a body`);
  const keys = [...new Set(r.query.keys())];
  if (op.queryIsPreferences) {
    if (!keys.length) out.push('PUT /:/prefs without a preference');
    for (const k of keys) {
      const pref = API.preferences[k];
      if (!pref) out.push(`PUT /:/prefs: no preference ${k}`);
      else if (pref.type === 'bool' && !['0', '1', 'true', 'false'].includes(r.query.get(k)!)) out.push(`PUT /:/prefs: ${k} is a bool, got ${r.query.get(k)}`);
    }
    return out;
  }
  for (const k of keys) if (!op.query[k]) out.push(`${r.method} ${op.path}: unknown parameter ${k}`);
  for (const [k, rule] of Object.entries(op.query)) {
    const values = r.query.getAll(k);
    if (rule.required && !values.length) out.push(`${r.method} ${op.path}: ${k} missing`);
    if (values.length > 1 && !rule.repeated) out.push(`${r.method} ${op.path}: ${k} repeated`);
    for (const v of values) {
      if (rule.enum && !rule.enum.includes(v)) out.push(`${r.method} ${op.path}: ${k}=${v} not one of ${rule.enum.join(', ')}`);
      if (rule.absolutePath && !v.startsWith('/')) out.push(`${r.method} ${op.path}: ${k}=${v} is not an absolute path`);
    }
  }
  return out;
}

interface Section {
  key: string;
  type: string;
  title: string;
  agent: string;
  scanner: string;
  Location: { id: number; path: string }[];
}

/** Plex as plex-setup sees it: preferences, sections and the folders its mounts show. */
class FakePlex {
  prefs = new Map<string, { id: string; type: string; default: string | boolean; value: string | boolean }>();
  sections: Section[] = [];
  folders = new Set<string>();
  fail?: { method: string; path: string; answer: StubAnswer };
  readonly problems: string[] = [];
  readonly stub = new RecordingStub((r) => this.answer(r));

  reset(): void {
    this.prefs = new Map(Object.entries(API.preferences).map(([id, p]) => [id, { id, type: p.type, default: p.default, value: p.default }]));
    this.sections = [];
    this.folders = new Set(['/mnt/streaming-media/sonarr', '/mnt/streaming-media/radarr', '/mnt/streaming-media/lidarr', '/mnt/media/tv', '/mnt/media/movies', '/mnt/media/music']);
    this.fail = undefined;
    this.problems.length = 0;
    this.stub.requests.length = 0;
  }

  private answer(r: StubRequest): StubAnswer | undefined {
    const wrong = violations(r);
    if (wrong.length) {
      this.problems.push(...wrong);
      return { status: 400, body: 'Bad Request', contentType: 'text/html' };
    }
    if (this.fail?.method === r.method && this.fail.path === r.path) return this.fail.answer;
    const container = (body: object) => ({ body: { MediaContainer: { size: 0, ...body } } });
    if (r.path === '/identity') return container({ machineIdentifier: 'stub', version: '1.43.3.10828-00f62d37d' });
    if (r.path === '/:/prefs' && r.method === 'GET') return container({ Setting: [...this.prefs.values()] });
    if (r.path === '/:/prefs' && r.method === 'PUT') {
      for (const [k, v] of r.query) {
        const p = this.prefs.get(k)!;
        p.value = p.type === 'bool' ? v === '1' || v === 'true' : v;
      }
      return { status: 200, body: '' };
    }
    if (r.path === '/library/sections' && r.method === 'GET') return container({ Directory: this.sections });
    if (r.path === '/library/sections' && r.method === 'POST') {
      const type = r.query.get('type')!;
      const agent = API.agents[type];
      if (agent?.agent !== r.query.get('agent') || agent.scanner !== r.query.get('scanner')) {
        this.problems.push(`POST /library/sections: agent/scanner ${r.query.get('agent')}/${r.query.get('scanner')} is not Plex's for ${type}`);
        return { status: 400, body: 'Bad Request', contentType: 'text/html' };
      }
      const key = String(this.sections.length + 1);
      const locations = r.query.getAll('location').map((path, i) => ({ id: Number(key) * 10 + i, path }));
      this.sections.push({ key, type, title: r.query.get('name')!, agent: agent.agent, scanner: agent.scanner, Location: locations });
      return container({});
    }
    if (r.path.startsWith('/services/browse/')) {
      const parent = Buffer.from(r.path.slice('/services/browse/'.length), 'base64').toString('utf8');
      const children = [...this.folders].filter((f) => f.slice(0, f.lastIndexOf('/')) === parent);
      return container({ Path: children.map((path) => ({ key: `/services/browse/${Buffer.from(path).toString('base64')}`, path, title: path.slice(path.lastIndexOf('/') + 1) })) });
    }
    return undefined;
  }
}

describe('plex-setup, run by python3 against a Plex stub that checks every request against the API description', () => {
  const plex = new FakePlex();
  beforeAll(() => plex.stub.start());
  afterAll(() => plex.stub.stop());
  beforeEach(() => plex.reset());

  const { objects } = objectsOf({ apps: { plex: { allowedNetworks: ['192.168.1.0/24'], lanNetworks: ['192.168.1.0/24', '100.64.0.0/10'] }, lidarr: { enabled: true } } });
  const job = setupJobOf(objects, 'plex-setup');
  const data = () => atStubs(job.data, { [PLEX_URL]: plex.stub.origin });
  const run = (env: Record<string, string> = { PLEX_TOKEN: TOKEN }) => runSetupJob(job, 'plex-setup', { data: data(), env });
  const lines = (out: string) => out.split('\n').filter(Boolean);

  it('reads the token from Secret plex-token (optional: empty until the server is claimed)', () => {
    expect(job.container.env).toContainEqual({ name: 'PLEX_TOKEN', valueFrom: { secretKeyRef: { name: 'plex-token', key: 'token', optional: true } } });
  });

  it('first run sets the preferences and adds one library per type with the streaming and permanent folders; a second run adds nothing', async () => {
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(plex.problems).toEqual([]);
    expect(lines(first.stdout)).toEqual([
      'plex-setup: transcoder temporary directory, hardware acceleration, networks allowed without auth, LAN networks: set',
      "plex-setup: library 'TV Shows' (show): created",
      "plex-setup: library 'Movies' (movie): created",
      "plex-setup: library 'Music' (artist): created",
    ]);
    expect(Object.fromEntries([...plex.prefs.values()].map((p) => [p.id, p.value]))).toEqual({
      TranscoderTempDirectory: '/transcode',
      HardwareAcceleratedCodecs: true,
      allowedNetworks: '192.168.1.0/24',
      LanNetworksBandwidth: '192.168.1.0/24,100.64.0.0/10',
    });
    expect(plex.sections.map((s) => [s.title, s.type, s.Location.map((l) => l.path)])).toEqual([
      ['TV Shows', 'show', ['/mnt/streaming-media/sonarr', '/mnt/media/tv']],
      ['Movies', 'movie', ['/mnt/streaming-media/radarr', '/mnt/media/movies']],
      ['Music', 'artist', ['/mnt/streaming-media/lidarr', '/mnt/media/music']],
    ]);

    plex.stub.requests.length = 0;
    const second = await run();
    expect(second.code).toBe(0);
    expect(plex.stub.writes()).toEqual([]);
    expect(lines(second.stdout)).toEqual([
      'plex-setup: transcoder temporary directory: present',
      'plex-setup: hardware acceleration: present',
      'plex-setup: networks allowed without auth: present',
      'plex-setup: LAN networks: present',
      "plex-setup: library 'TV Shows' (show): present as 'TV Shows'",
      "plex-setup: library 'Movies' (movie): present as 'Movies'",
      "plex-setup: library 'Music' (artist): present as 'Music'",
    ]);
    expect(plex.problems).toEqual([]);
  });

  it("keeps a renamed library, the operator's transcoder directory and their hardware acceleration off", async () => {
    plex.sections.push({
      key: '7',
      type: 'show',
      title: 'Series (all)',
      agent: 'tv.plex.agents.series',
      scanner: 'Plex TV Series',
      Location: [{ id: 70, path: '/mnt/media/tv/' }],
    });
    plex.prefs.get('TranscoderTempDirectory')!.value = '/fast-ssd/transcode';
    plex.prefs.get('allowedNetworks')!.value = '10.1.0.0/16';
    const r = await run();
    expect(r.code).toBe(0);
    expect(plex.problems).toEqual([]);
    const out = lines(r.stdout);
    expect(out).toContain("plex-setup: transcoder temporary directory: kept '/fast-ssd/transcode' (set on the server)");
    expect(out).toContain('plex-setup: hardware acceleration: kept off (the transcoder was set up before; switch it on in Settings > Transcoder)');
    expect(out).toContain("plex-setup: networks allowed without auth: kept '10.1.0.0/16' (set on the server)");
    expect(out).toContain("plex-setup: library 'TV Shows' (show): present as 'Series (all)'");
    expect(plex.prefs.get('TranscoderTempDirectory')!.value).toBe('/fast-ssd/transcode');
    expect(plex.prefs.get('HardwareAcceleratedCodecs')!.value).toBe(false);
    expect(plex.prefs.get('allowedNetworks')!.value).toBe('10.1.0.0/16');
    // Only the still-empty LAN networks were set, and only the missing types added.
    const puts = plex.stub.writes().filter((w) => w.method === 'PUT');
    expect(puts.map((w) => [...w.query.keys()])).toEqual([['LanNetworksBandwidth']]);
    expect(plex.sections.map((s) => s.title)).toEqual(['Series (all)', 'Movies', 'Music']);
  });

  it('keeps hardware acceleration off when the server itself defaults it on (the operator switched it off)', async () => {
    const hw = plex.prefs.get('HardwareAcceleratedCodecs')!;
    hw.default = true;
    hw.value = false;
    const r = await run();
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toContain('plex-setup: hardware acceleration: kept off (switched off on the server)');
    expect(hw.value).toBe(false);
  });

  it('adds a library with the folders Plex can see and waits for a type none of whose folders exist yet', async () => {
    plex.folders.delete('/mnt/streaming-media/radarr');
    for (const f of ['/mnt/streaming-media/lidarr', '/mnt/media/music']) plex.folders.delete(f);
    const r = await run();
    expect(r.code).toBe(0);
    expect(plex.problems).toEqual([]);
    expect(lines(r.stdout)).toContain("plex-setup: library 'Movies' (movie): without /mnt/streaming-media/radarr (not there yet; add it in the library's settings)");
    expect(lines(r.stdout)).toContain("plex-setup: library 'Music' (artist): waiting, Plex sees none of /mnt/streaming-media/lidarr, /mnt/media/music yet (next run)");
    expect(plex.sections.find((s) => s.type === 'movie')!.Location.map((l) => l.path)).toEqual(['/mnt/media/movies']);
    expect(plex.sections.some((s) => s.type === 'artist')).toBe(false);
  });

  it('skips with a log line and exit 0 while the token is empty (server not claimed)', async () => {
    const r = await run({ PLEX_TOKEN: '' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('plex-setup: the Plex token (Secret plex-token key token) is empty: the server is not claimed yet, nothing to do\n');
    expect(plex.stub.requests).toEqual([]);
  });

  it('fails the run (exit 1) with the reason when Plex refuses a library, and never prints the token even when Plex echoes it', async () => {
    plex.fail = { method: 'POST', path: '/library/sections', answer: { status: 400, body: `Bad Request for token ${TOKEN}`, contentType: 'text/html' } };
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("plex-setup: ERROR: library 'TV Shows' (show): not created, HTTP 400: Bad Request for token ***");
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    plex.fail = { method: 'GET', path: '/:/prefs', answer: { status: 401, body: 'Unauthorized', contentType: 'text/html' } };
    const denied = await run();
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('plex-setup: ERROR: GET /:/prefs: HTTP 401: Unauthorized\n');
  });

  it('names a preference the server does not have (a renamed id) and fails', async () => {
    plex.prefs.delete('TranscoderTempDirectory');
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('plex-setup: ERROR: transcoder temporary directory: Plex has no preference TranscoderTempDirectory (a Plex version that renamed it?)');
  });

  it('sets no hardware acceleration without a GPU, no networks unless configured, and no libraries when they are off', () => {
    const plain = setupJobOf(objectsOf({ apps: { plex: { gpu: false, setupLibraries: false } } }).objects, 'plex-setup').data;
    expect(plain.prefs.map((p: any) => p.id)).toEqual(['TranscoderTempDirectory']);
    expect(plain.libraries).toEqual([]);
    expect(objectsOf({ apps: { plex: { setupJob: false } } }).objects.some((o) => o.kind === 'CronJob' && o.metadata.name === 'plex-setup')).toBe(false);
  });
});

// ─── the token writer ───────────────────────────────────────────────────────────────────────

const SA_TOKEN = 'service-account-jwt-of-plex-token-writer';

describe('the Plex token writer, run by python3 against a Kubernetes API stub that allows what its Role allows', () => {
  const { objects, find } = objectsOf();
  const sts = find('StatefulSet', 'plex');
  const pod = sts.spec.template.spec;
  const role = find('Role', pod.serviceAccountName);
  const rule = role.rules[0];
  let secretData: Record<string, string> | undefined;
  const api = new RecordingStub((r) => {
    if (r.headers.authorization !== `Bearer ${SA_TOKEN}`) return { status: 401, body: { kind: 'Status', code: 401 } };
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(r.path);
    const verb = r.method.toLowerCase();
    // RBAC: only the Role's verbs on the Role's resourceNames.
    if (m?.[1] !== 'media' || !rule.resourceNames.includes(m[2]) || !rule.verbs.includes(verb)) return { status: 403, body: { kind: 'Status', code: 403, reason: 'Forbidden' } };
    if (secretData === undefined) return { status: 404, body: { kind: 'Status', code: 404 } };
    if (verb === 'get') return { body: { kind: 'Secret', apiVersion: 'v1', metadata: { name: m[2], namespace: m[1] }, data: secretData } };
    if (r.headers['content-type'] !== 'application/merge-patch+json') return { status: 415, body: { kind: 'Status', code: 415 } };
    secretData = { ...secretData, ...JSON.parse(r.text).data };
    return { body: { kind: 'Secret', data: secretData } };
  });
  beforeAll(() => api.start());
  afterAll(() => api.stop());

  const configMap: any = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'plex-token-script');
  const writer: SetupJobFiles = { container: pod.containers.find((c: any) => c.name === 'plex-token'), files: configMap.data, data: JSON.parse(configMap.data['plex-token.json']) };
  const dir = scratch('plex-token');
  const preferences = join(dir, 'Preferences.xml');
  const tokenFile = join(dir, 'sa-token');
  writeFileSync(tokenFile, `${SA_TOKEN}\n`);
  const run = () =>
    runSetupJob(writer, 'plex-token', { data: { ...writer.data, preferences, tokenFile, apiServer: api.origin, heartbeat: join(dir, 'alive') }, env: { PLEX_TOKEN_ONCE: '1' } });
  const prefsXml = (attrs: string) =>
    writeFileSync(preferences, `<?xml version="1.0" encoding="utf-8"?>\n<Preferences MachineIdentifier="abc" ProcessedMachineIdentifier="def" ${attrs}/>\n`);
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('may only get and patch the Secret plex-token, with a token projected into the sidecar alone', () => {
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['plex-token'], verbs: ['get', 'patch'] }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    const tokenMounts = (c: any) => (c.volumeMounts ?? []).filter((m: any) => m.mountPath.startsWith('/var/run/secrets/kubernetes.io'));
    expect(tokenMounts(writer.container)).toHaveLength(1);
    expect(tokenMounts(pod.containers.find((c: any) => c.name === 'plex'))).toEqual([]);
    expect(writer.container.volumeMounts.find((m: any) => m.mountPath === '/config').readOnly).toBe(true);
    const secret = find('Secret', 'plex-token');
    expect(secret.metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
    expect(secret.data).toEqual({ token: '' });
  });

  it('waits while the server is unclaimed, writes the token once claimed, and changes nothing on the next round', async () => {
    secretData = { token: '' };
    prefsXml('');
    const unclaimed = await run();
    expect(unclaimed.code).toBe(0);
    expect(unclaimed.stdout).toMatch(/^plex-token: no PlexOnlineToken in .*Preferences\.xml yet: the server is not claimed, waiting\n$/);
    expect(api.requests).toEqual([]);

    prefsXml(`PlexOnlineToken="${TOKEN}"`);
    const claimed = await run();
    expect(claimed.stderr).toBe('');
    expect(claimed.stdout).toBe('plex-token: Secret plex-token key token: written\n');
    expect(claimed.code).toBe(0);
    const patch = api.writes();
    expect(patch).toHaveLength(1);
    expect(patch[0]!.method).toBe('PATCH');
    expect(patch[0]!.path).toBe('/api/v1/namespaces/media/secrets/plex-token');
    expect(JSON.parse(patch[0]!.text)).toEqual({ data: { token: b64(TOKEN) } });
    expect(secretData).toEqual({ token: b64(TOKEN) });

    api.requests.length = 0;
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("plex-token: Secret plex-token key token holds the server's token\n");
    expect(api.writes()).toEqual([]);
    expect(claimed.stdout + again.stdout + unclaimed.stdout).not.toContain(TOKEN);
  });

  it('updates the Secret after a new claim and fails (exit 1) without the token in the output when the API refuses', async () => {
    secretData = { token: b64('an-older-token') };
    prefsXml(`PlexOnlineToken="${TOKEN}"`);
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('plex-token: Secret plex-token key token: updated (the server has a new token)\n');

    secretData = undefined;
    const missing = await run();
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^plex-token: ERROR: GET \/api\/v1\/namespaces\/media\/secrets\/plex-token: HTTP 404/);
    expect(missing.stdout + missing.stderr).not.toContain(TOKEN);
    expect(missing.stdout + missing.stderr).not.toContain(b64(TOKEN));
  });

  it('speaks TLS to the API server and trusts exactly the CA file it is given (the projected kube-root-ca.crt)', async () => {
    const openssl = requireTool('openssl', 'openssl');
    const tls = scratch('plex-token-tls');
    const cert = (name: string) => {
      execFileSync(
        openssl,
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(tls, `${name}.key`),
          '-out',
          join(tls, `${name}.crt`),
        ],
        { stdio: 'ignore' },
      );
      return { key: readFileSync(join(tls, `${name}.key`)), cert: readFileSync(join(tls, `${name}.crt`)) };
    };
    const server = cert('apiserver');
    cert('other');
    let patched: unknown;
    const https = createServer(server, (req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        if (req.headers.authorization !== `Bearer ${SA_TOKEN}`) {
          res.writeHead(401).end('{}');
          return;
        }
        if (req.method === 'PATCH') patched = JSON.parse(text);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Secret', data: { token: '' } }));
      });
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const origin = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
    prefsXml(`PlexOnlineToken="${TOKEN}"`);
    const runWith = (caFile: string) =>
      runSetupJob(writer, 'plex-token', {
        data: { ...writer.data, preferences, tokenFile, apiServer: origin, caFile, heartbeat: join(dir, 'alive') },
        env: { PLEX_TOKEN_ONCE: '1' },
      });
    try {
      const trusted = await runWith(join(tls, 'apiserver.crt'));
      expect(trusted.stdout).toBe('plex-token: Secret plex-token key token: written\n');
      expect(patched).toEqual({ data: { token: b64(TOKEN) } });
      patched = undefined;
      const other = await runWith(join(tls, 'other.crt'));
      expect(other.code).toBe(1);
      expect(other.stdout).toMatch(/^plex-token: ERROR: GET \/api\/v1\/namespaces\/media\/secrets\/plex-token: no answer: .*CERTIFICATE_VERIFY_FAILED/);
      expect(patched).toBeUndefined();
    } finally {
      await new Promise<void>((r) => https.close(() => r()));
    }
  });
});
