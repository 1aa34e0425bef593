/**
 * profilarr-setup, run by the real python3 from the homelab example's own ConfigMap against a
 * stub Profilarr that answers as its v2 source does (test/fixtures/app-apis/profilarr/routes.json:
 * first-run redirect, CSRF Origin check, form actions, session cookie) and checks every request
 * against those routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerEnv, synthExample } from './support.js';
import { appRoutes, routeOf, violations } from './app-routes.js';
import { atStubs, RecordingStub, runSetupJob, setupJobOf, type SetupJobFiles, type StubAnswer, type StubRequest } from './setup-jobs.js';

const NAME = 'profilarr-setup';
const PASSWORD = 'Gen3ratedProfilarrPassw0rd';
const KEYS: Record<string, string> = { 'sonarr-secrets': 'sonarrkey0123456789abcdef01234567', 'radarr-secrets': 'radarrkey0123456789abcdef01234567' };
const api = appRoutes('profilarr');

interface Instance {
  id: number;
  name: string;
  type: string;
  url: string;
  api_key: string;
}

interface State {
  users: { username: string; password: string }[];
  sessions: Set<string>;
  instances: Instance[];
  /** POST /arr/new fails (what its action answers when saving fails). */
  createFails?: boolean;
}

const redirect = (location: string, cookie?: string): StubAnswer => ({
  status: 303,
  headers: { Location: location, ...(cookie ? { 'Set-Cookie': `session=${cookie}; Path=/; Expires=Wed, 09 Dec 2026 10:00:00 GMT; HttpOnly; SameSite=Lax` } : {}) },
  body: '',
});

function profilarr(state: State, origin: string) {
  let next = 1;
  return (r: StubRequest): StubAnswer | undefined => {
    const route = routeOf(api, r);
    if (!route || violations(api, r).length > 0) return { status: 400, body: 'bad request', contentType: 'text/plain' };
    // SvelteKit's CSRF check of form posts (Profilarr rewrites the request URL to ORIGIN).
    if (r.method === 'POST' && route.form && r.headers.origin !== origin) return { status: 403, body: 'Cross-site POST form submissions are forbidden', contentType: 'text/plain' };
    if (state.users.length === 0 && r.path !== '/auth/setup') return redirect('/auth/setup');
    const session = /(?:^|;\s*)session=([^;]+)/.exec(r.headers.cookie ?? '')?.[1];
    const signedIn = session !== undefined && state.sessions.has(session);
    const newSession = () => {
      const id = `sess-${next++}`;
      state.sessions.add(id);
      return id;
    };
    const at = `${r.method} ${r.path}`;
    if (at === 'GET /auth/setup') return state.users.length > 0 ? redirect('/') : { body: '<form method="POST">', contentType: 'text/html' };
    if (at === 'POST /auth/setup') {
      if (state.users.length > 0) return redirect('/');
      state.users.push({ username: r.body.username.trim(), password: r.body.password });
      return redirect('/', newSession());
    }
    if (at === 'POST /auth/login') {
      const ok = state.users.some((u) => u.username === r.body.username.trim() && u.password === r.body.password);
      return ok ? redirect('/', newSession()) : { status: 400, body: 'Invalid username or password', contentType: 'text/html' };
    }
    if (!signedIn) return r.path.startsWith('/api') ? { status: 401, body: api.unauthenticated.api.body } : redirect(api.unauthenticated.page.location);
    if (at === 'POST /auth/logout') {
      state.sessions.delete(session);
      return redirect('/auth/login');
    }
    if (at === 'GET /api/v1/arr') return { body: state.instances.map(({ api_key: _, ...pub }) => ({ ...pub, tags: null, enabled: 1 })) };
    if (at === 'POST /arr/new') {
      const { name, type, url, api_key } = r.body;
      if (state.instances.some((i) => i.name === name)) return { status: 400, body: 'An instance with this name already exists', contentType: 'text/html' };
      if (state.instances.some((i) => i.type === type && i.url === url)) return { status: 400, body: 'This instance target is already configured', contentType: 'text/html' };
      if (state.createFails) return { status: 500, body: 'Failed to create instance', contentType: 'text/html' };
      state.instances.push({ id: state.instances.length + 1, name, type, url, api_key });
      return redirect('/arr');
    }
    return undefined;
  };
}

describe('profilarr-setup creates the admin account and the Arr connections', () => {
  let state: State = { users: [], sessions: new Set(), instances: [] };
  let job: SetupJobFiles;
  let env: Record<string, string>;
  let origin = '';
  const stub = new RecordingStub((r) => handler(r));
  let handler: (r: StubRequest) => StubAnswer | undefined = () => undefined;
  const outputs: string[] = [];
  const fresh = (s: Partial<State> = {}) => {
    state = { users: [], sessions: new Set(), instances: [], ...s };
    handler = profilarr(state, origin);
    stub.requests.length = 0;
  };

  beforeAll(async () => {
    await stub.start();
    const { objects } = await synthExample('examples/homelab.ts');
    job = setupJobOf(objects, NAME);
    env = containerEnv(job.container, (secret, key) => (secret === 'profilarr-secrets' && key === 'admin-password' ? PASSWORD : (KEYS[secret] ?? `unused-${key}`)));
    const sts: any = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'profilarr');
    origin = sts.spec.template.spec.containers[0].env.find((e: any) => e.name === 'ORIGIN').value;
  });
  afterAll(() => stub.stop());

  const data = (over: Record<string, unknown> = {}) => ({
    ...atStubs(job.data, {
      'http://profilarr.media.svc.cluster.local:6868': stub.origin,
      'http://sonarr.media.svc.cluster.local:8989': 'http://sonarr:8989',
      'http://radarr.media.svc.cluster.local:7878': 'http://radarr:7878',
    }),
    wait: { attempts: 2, delaySeconds: 0.1 },
    ...over,
  });
  async function run(opts: { env?: Record<string, string>; data?: Record<string, unknown> } = {}) {
    const r = await runSetupJob(job, NAME, { data: data(opts.data), env: opts.env ?? env });
    outputs.push(r.stdout + r.stderr);
    expect(stub.requests.flatMap((x) => violations(api, x))).toEqual([]);
    return r;
  }
  const creates = () => stub.writes().filter((r) => r.path === '/auth/setup' || r.path === '/arr/new');

  it("sends Profilarr's own ORIGIN, and takes the password and the Arrs' keys from their Secrets by env", () => {
    expect(job.data.origin).toBe(origin);
    const refs = Object.fromEntries(job.container.env.filter((e: any) => e.valueFrom).map((e: any) => [e.name, e.valueFrom.secretKeyRef]));
    expect(refs).toEqual({
      ADMIN_PASSWORD: { name: 'profilarr-secrets', key: 'admin-password' },
      API_KEY_SONARR: { name: 'sonarr-secrets', key: 'api-key', optional: true },
      API_KEY_RADARR: { name: 'radarr-secrets', key: 'api-key', optional: true },
    });
    expect(job.data.arrs.map((a: any) => [a.name, a.type, a.apiKeyEnv])).toEqual([
      ['sonarr', 'sonarr', 'API_KEY_SONARR'],
      ['radarr', 'radarr', 'API_KEY_RADARR'],
    ]);
  });

  it('creates the account and both connections, signs out, and a second run adds nothing', async () => {
    fresh();
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toEqual([
      'profilarr-setup: admin account admin: created (password: profilarr-secrets/admin-password)',
      'profilarr-setup: sonarr connection sonarr: created',
      'profilarr-setup: radarr connection radarr: created',
      '',
    ]);
    expect(creates().map((r) => [r.path, r.body])).toEqual([
      ['/auth/setup', { username: 'admin', password: PASSWORD, confirmPassword: PASSWORD }],
      ['/arr/new', { name: 'sonarr', type: 'sonarr', url: 'http://sonarr:8989', api_key: KEYS['sonarr-secrets'] }],
      ['/arr/new', { name: 'radarr', type: 'radarr', url: 'http://radarr:7878', api_key: KEYS['radarr-secrets'] }],
    ]);
    expect(state.sessions.size).toBe(0);
    stub.requests.length = 0;
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stdout.split('\n')).toEqual([
      'profilarr-setup: admin account: present (kept as it is)',
      'profilarr-setup: sonarr connection sonarr: present',
      'profilarr-setup: radarr connection radarr: present',
      '',
    ]);
    expect(creates()).toEqual([]);
    expect(state.sessions.size).toBe(0);
  });

  it("keeps the operator's connections: a renamed one (same URL) and a re-pointed one (same name)", async () => {
    fresh({ users: [{ username: 'admin', password: PASSWORD }] });
    state.instances.push({ id: 1, name: 'Sonarr HD', type: 'sonarr', url: 'http://sonarr:8989/', api_key: 'k1' });
    state.instances.push({ id: 2, name: 'radarr', type: 'radarr', url: 'http://radarr.lan:7878', api_key: 'k2' });
    const before = JSON.stringify(state.instances);
    const r = await run();
    expect(r.code).toBe(0);
    expect(creates()).toEqual([]);
    expect(JSON.stringify(state.instances)).toBe(before);
  });

  it('leaves an account the operator changed alone: no connections checked, a clear line, exit 0', async () => {
    fresh({ users: [{ username: 'admin', password: 'changed-by-me' }] });
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'profilarr-setup: connections: not checked, signing in as admin with profilarr-secrets/admin-password failed (HTTP 400: Invalid username or password): the account was changed in Profilarr, so add them there',
    );
    expect(creates()).toEqual([]);
  });

  it('skips a connection whose Arr key is empty, and creates no account when that part is off', async () => {
    fresh();
    const off = await run({ data: { account: false } });
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('admin account: none yet, and creating it is off (apps.profilarr.setup.account)');
    expect(creates()).toEqual([]);
    fresh({ users: [{ username: 'admin', password: PASSWORD }] });
    const r = await run({ env: { ...env, API_KEY_RADARR: '' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('profilarr-setup: radarr connection radarr: skipped, API_KEY_RADARR is empty (radarr-secrets/api-key not generated yet)');
    expect(creates().map((x) => x.body.name)).toEqual(['sonarr']);
  });

  it('fails the run (exit 1) when Profilarr refuses: a create that fails, a wrong Origin, no answer, no password', async () => {
    fresh({ users: [{ username: 'admin', password: PASSWORD }], createFails: true });
    const failed = await run();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('profilarr-setup: ERROR: sonarr connection sonarr: not created, HTTP 500: Failed to create instance');
    expect(state.sessions.size).toBe(0);
    fresh();
    const csrf = await run({ data: { origin: 'http://localhost:6868' } });
    expect(csrf.code).toBe(1);
    expect(csrf.stdout).toContain('profilarr-setup: ERROR: admin account admin: not created, POST /auth/setup HTTP 403: Cross-site POST form submissions are forbidden');
    const down = await runSetupJob(job, NAME, { data: data({ url: 'http://127.0.0.1:9' }), env });
    outputs.push(down.stdout + down.stderr);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^profilarr-setup: ERROR: http:\/\/127\.0\.0\.1:9\/auth\/setup is not ready: no answer: .*refused/);
    const noPassword = await run({ env: {} });
    expect(noPassword.code).toBe(1);
    expect(noPassword.stdout).toBe('profilarr-setup: ERROR: the environment variable ADMIN_PASSWORD is empty (its Secret key is missing)\n');
  });

  it('never prints the password or an API key', () => {
    expect(outputs.length).toBeGreaterThan(8);
    for (const o of outputs) for (const secret of [PASSWORD, ...Object.values(KEYS)]) expect(o).not.toContain(secret);
  });
});
