/**
 * decypharr-setup, run by the real python3 from the homelab example's own ConfigMap against a
 * stub Decypharr that answers as v2.4 does (test/fixtures/app-apis/decypharr/routes.json, from
 * its source) and checks every request against those routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerEnv, synthExample } from './support.js';
import { appRoutes, violations } from './app-routes.js';
import { atStubs, RecordingStub, runSetupJob, setupJobOf, type SetupJobFiles, type StubAnswer, type StubRequest } from './setup-jobs.js';

const NAME = 'decypharr-setup';
const PASSWORD = 'Gen3ratedDecypharrPassw0rd';
const api = appRoutes('decypharr');
const answers = api.answers;

/** Decypharr's login state, as auth.json and Config.Validate() would give it. */
interface State {
  user?: { username: string; password: string };
  /** Config.Validate()'s error while the setup is incomplete. */
  setupError?: string;
  authOff?: boolean;
  /** POST /register fails to save (e.g. a read-only /app). */
  saveFails?: boolean;
}

function decypharr(state: State) {
  return (r: StubRequest): StubAnswer | undefined => {
    if (violations(api, r).length > 0) return { status: 404, body: '404 page not found', contentType: 'text/plain' };
    if (r.path === '/version') return { body: { version: '2.4' } };
    if (r.path === '/api/arrs') {
      if (state.authOff) return { body: [] };
      if (state.setupError) return { status: 503, body: { error: answers.setupIncomplete.errorFormat.replace('%s', state.setupError), status: 503 } };
      if (!state.user) return { status: 401, body: { error: answers.noUser.error, status: 401 } };
      return { status: 401, body: { error: answers.notSignedIn.error, status: 401 } };
    }
    if (r.method === 'POST' && r.path === '/register') {
      if (state.setupError) return { status: 303, headers: { Location: answers.redirects.setupIncompletePage.location }, body: '' };
      if (state.saveFails) return { status: 500, body: 'Error saving credentials\n', contentType: 'text/plain' };
      state.user = { username: r.body.username, password: r.body.password };
      return { status: 303, headers: { Location: answers.redirects.registered.location }, body: '' };
    }
    return undefined;
  };
}

describe('decypharr-setup registers the UI login while Decypharr has none', () => {
  let state: State = {};
  const stub = new RecordingStub((r) => decypharr(state)(r));
  let job: SetupJobFiles;
  let env: Record<string, string>;
  const outputs: string[] = [];
  beforeAll(async () => {
    await stub.start();
    const { objects } = await synthExample('examples/homelab.ts');
    job = setupJobOf(objects, NAME);
    env = containerEnv(job.container, (secret, key) => (secret === 'decypharr-secrets' && key === 'admin-password' ? PASSWORD : `unused-${secret}-${key}`));
  });
  afterAll(() => stub.stop());

  const data = () => ({ ...atStubs(job.data, { 'http://decypharr.media.svc.cluster.local:8282': stub.origin }), wait: { attempts: 2, delaySeconds: 0.1 } });
  async function run(env_ = env) {
    const r = await runSetupJob(job, NAME, { data: data(), env: env_ });
    outputs.push(r.stdout + r.stderr);
    expect(stub.requests.flatMap((x) => violations(api, x))).toEqual([]);
    return r;
  }

  it('reads the generated password from the Secret by env and names no secret value in its data', () => {
    const ref = job.container.env.find((e: any) => e.name === job.data.passwordEnv);
    expect(ref.valueFrom.secretKeyRef).toEqual({ name: 'decypharr-secrets', key: 'admin-password' });
    expect(job.data.user).toBe('admin');
    expect(JSON.stringify(job.files)).not.toContain(PASSWORD);
  });

  it('registers the user, and a second run adds nothing', async () => {
    state = {};
    stub.requests.length = 0;
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('decypharr-setup: login admin: registered (password: decypharr-secrets/admin-password)\n');
    expect(stub.writes().map((r) => [r.path, r.body])).toEqual([['/register', { username: 'admin', password: PASSWORD, confirmPassword: PASSWORD }]]);
    expect(state.user).toEqual({ username: 'admin', password: PASSWORD });
    stub.requests.length = 0;
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('decypharr-setup: login: present (a user is registered; kept as it is)\n');
    expect(stub.writes()).toEqual([]);
  });

  it('keeps a login the operator registered (its /register would replace it)', async () => {
    state = { user: { username: 'me', password: 'mine' } };
    stub.requests.length = 0;
    const r = await run();
    expect(r.code).toBe(0);
    expect(stub.writes()).toEqual([]);
    expect(state.user).toEqual({ username: 'me', password: 'mine' });
  });

  it('waits for the provider credentials while the setup is incomplete, without registering', async () => {
    state = { setupError: answers.validateErrors.noDebridKey };
    stub.requests.length = 0;
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("login: not registered yet, Decypharr's setup is incomplete ([error] debrid api key is required Setup wizard must be completed first.");
    expect(r.stdout).toContain('put the provider credentials into decypharr-secrets (realdebrid-api-key, usenet-host, usenet-user, usenet-pass)');
    expect(stub.writes()).toEqual([]);
  });

  it('does nothing when Decypharr runs without auth', async () => {
    state = { authOff: true };
    stub.requests.length = 0;
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("decypharr-setup: login: Decypharr's auth is off (use_auth false), nothing to register\n");
    expect(stub.writes()).toEqual([]);
  });

  it('fails the run (exit 1) when the registration does not take, when Decypharr does not answer, or without the password', async () => {
    state = { saveFails: true };
    const failed = await run();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('decypharr-setup: ERROR: login admin: not registered, POST /register HTTP 500: Error saving credentials');
    const down = await runSetupJob(job, NAME, { data: { ...data(), url: 'http://127.0.0.1:9' }, env });
    outputs.push(down.stdout + down.stderr);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^decypharr-setup: ERROR: http:\/\/127\.0\.0\.1:9\/version is not ready: no answer: .*refused/);
    const noPassword = await run({});
    expect(noPassword.code).toBe(1);
    expect(noPassword.stdout).toBe('decypharr-setup: ERROR: the environment variable LOGIN_PASSWORD is empty (its Secret key is missing)\n');
  });

  it('never prints the password', () => {
    expect(outputs.length).toBeGreaterThan(5);
    for (const o of outputs) expect(o).not.toContain(PASSWORD);
  });
});
