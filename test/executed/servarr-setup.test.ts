/**
 * The servarr-setup job (src/apps/servarr/servarr-setup.py) run by the real python3, as its
 * CronJob runs it, against a stub of Sonarr, Radarr and Prowlarr whose host config is built from
 * and checked against each app's own OpenAPI document (test/fixtures/app-apis/first-run, see
 * PROVENANCE.md there), and which rejects a PUT the way HostConfigController's validators do.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { objectsOf } from '../helpers.js';
import { jsonSchema } from './fake-servarr.js';
import { atStubs, RecordingStub, runSetupJob, setupJobOf, type StubRequest } from './setup-jobs.js';

const APPS = { sonarr: 'v3', radarr: 'v3', prowlarr: 'v1' } as const;
type App = keyof typeof APPS;
const PORTS: Record<App, number> = { sonarr: 8989, radarr: 7878, prowlarr: 9696 };
const KEYS: Record<App, string> = { sonarr: 'a1'.repeat(16), radarr: 'b2'.repeat(16), prowlarr: 'c3'.repeat(16) };
const PASSWORDS: Record<App, string> = { sonarr: 'SonarrPw0123456789abcdefghijklmn', radarr: 'RadarrPw0123456789abcdefghijklmn', prowlarr: 'ProwlarrPw0123456789abcdefghijkl' };
const ENV = {
  ...Object.fromEntries(Object.entries(KEYS).map(([a, k]) => [`${a.toUpperCase()}_API_KEY`, k])),
  ...Object.fromEntries(Object.entries(PASSWORDS).map(([a, p]) => [`${a.toUpperCase()}_UI_PASSWORD`, p])),
};

interface HostApi {
  readonly resource: Record<string, any>;
  readonly validatePut: ValidateFunction;
  readonly validateAnswer: ValidateFunction;
}

/** The app's HostConfigResource: a value of every property after its schema, and validators of the PUT body and the GET answer. */
function hostApi(app: App): HostApi {
  const doc = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/app-apis/first-run', `${app}-openapi.json`), 'utf8'));
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const id = `https://openapi.test/${app}-host.json`;
  ajv.addSchema({ $id: id, components: jsonSchema(doc.components) }, id);
  const schemas = doc.components.schemas;
  const put = doc.paths[`/api/${APPS[app]}/config/host/{id}`].put.requestBody.content['application/json'].schema.$ref;
  const answer = doc.paths[`/api/${APPS[app]}/config/host`].get.responses['200'].content['application/json'].schema.$ref;
  const resource: Record<string, any> = {};
  for (const [name, p] of Object.entries<any>(schemas.HostConfigResource.properties)) {
    const type = p.$ref ? schemas[p.$ref.split('/').pop()] : p;
    resource[name] = type.enum ? type.enum[0] : type.type === 'integer' ? 1 : type.type === 'boolean' ? false : '';
  }
  return { resource, validatePut: ajv.compile({ $ref: `${id}${put}` }), validateAnswer: ajv.compile({ $ref: `${id}${answer}` }) };
}

/** What the stub keeps per app: its user (none on a fresh install) and the requests that broke the contract. */
const users = new Map<App, { username: string; password: string }>();
const problems: string[] = [];
const apis = Object.fromEntries(Object.keys(APPS).map((a) => [a, hostApi(a as App)])) as Record<App, HostApi>;
let failPut: App | undefined;

function answer(r: StubRequest) {
  const [, app, , version, ...rest] = r.path.split('/') as [string, App, string, string, ...string[]];
  if (!(app in APPS) || version !== APPS[app]) return undefined;
  if (r.headers['x-api-key'] !== KEYS[app]) return { status: 401, body: {} };
  const api = apis[app];
  const path = rest.join('/');
  // GetHostConfig: the user's name and (hashed) password, empty without a user; the confirmation always empty.
  const current = {
    ...api.resource,
    id: 1,
    authenticationMethod: 'forms',
    authenticationRequired: 'enabled',
    apiKey: KEYS[app],
    username: users.get(app)?.username ?? '',
    password: users.has(app) ? 'pbkdf2-hash' : '',
    passwordConfirmation: '',
  };
  if (!api.validateAnswer(current)) throw new Error(`${app}: the stub's own answer breaks the schema: ${JSON.stringify(api.validateAnswer.errors)}`);
  if (r.method === 'GET' && path === 'config/host') return { body: current };
  if (r.method === 'PUT' && path === 'config/host/1') {
    if (!api.validatePut(r.body)) problems.push(`${app} PUT: ${api.validatePut.errors!.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
    if (failPut === app) return { status: 500, body: { message: `database is locked (${r.body.password})` } };
    // The controller's validators (Forms: user name and password required; the confirmation must match).
    if (!r.body.username || !r.body.password || r.body.password !== r.body.passwordConfirmation)
      return { status: 400, body: [{ propertyName: 'PasswordConfirmation', errorMessage: 'Must match Password' }] };
    users.set(app, { username: r.body.username.toLowerCase(), password: r.body.password });
    return { status: 202, body: 1 };
  }
  return undefined;
}

describe('servarr-setup.py, run by python3 as its CronJob runs it', () => {
  const stub = new RecordingStub(answer);
  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    users.clear();
    problems.length = 0;
    stub.requests.length = 0;
    failPut = undefined;
  });
  const job = setupJobOf(objectsOf({ apps: { servarrLogin: { username: 'operator' } } }).objects, 'servarr-setup');
  const data = () => atStubs(job.data, Object.fromEntries(Object.entries(PORTS).map(([a, port]) => [`http://${a}.media.svc.cluster.local:${port}`, `${stub.origin}/${a}`])));
  const run = () => runSetupJob(job, 'servarr-setup', { data: data(), env: ENV });

  it('creates the first user of every instance with its own generated password, and a second run changes nothing', async () => {
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toEqual([
      'servarr-setup: sonarr: login user operator: created',
      'servarr-setup: radarr: login user operator: created',
      'servarr-setup: prowlarr: login user operator: created',
      '',
    ]);
    expect(Object.fromEntries(users)).toEqual({
      sonarr: { username: 'operator', password: PASSWORDS.sonarr },
      radarr: { username: 'operator', password: PASSWORDS.radarr },
      prowlarr: { username: 'operator', password: PASSWORDS.prowlarr },
    });
    // The whole host config went back as it was read, with only the user's three fields set.
    const put = stub.writes().find((r) => r.path === '/sonarr/api/v3/config/host/1')!;
    expect({ ...put.body, username: '', password: '', passwordConfirmation: '' }).toEqual({
      ...apis.sonarr.resource,
      id: 1,
      authenticationMethod: 'forms',
      authenticationRequired: 'enabled',
      apiKey: KEYS.sonarr,
      username: '',
      password: '',
      passwordConfirmation: '',
    });
    expect(problems).toEqual([]);
    stub.requests.length = 0;
    const second = await run();
    expect(second.code).toBe(0);
    expect(stub.writes()).toEqual([]);
    expect(second.stdout).toContain('servarr-setup: radarr: login user operator: present, kept');
  });

  it("keeps a user the operator created (no PUT there) and still creates the others'", async () => {
    users.set('radarr', { username: 'me', password: 'mine' });
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('servarr-setup: radarr: login user me: present, kept');
    expect(users.get('radarr')).toEqual({ username: 'me', password: 'mine' });
    expect(stub.writes().map((w) => w.path)).toEqual(['/sonarr/api/v3/config/host/1', '/prowlarr/api/v1/config/host/1']);
  });

  it('fails the run (exit 1) naming the instance when one cannot be set up, goes on with the others, and never logs a secret', async () => {
    failPut = 'sonarr';
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('servarr-setup: ERROR: sonarr: login user operator: not created, HTTP 500: ');
    expect(r.stdout).toContain('database is locked (***)');
    expect(users.get('prowlarr')?.username).toBe('operator');
    const down = await runSetupJob(job, 'servarr-setup', { data: { instances: [{ ...data().instances[0], api: 'http://127.0.0.1:9/api/v3' }] }, env: ENV });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^servarr-setup: ERROR: sonarr: GET \/config\/host: no answer: .*refused/);
    users.delete('radarr');
    const missing = await runSetupJob(job, 'servarr-setup', { data: data(), env: { ...ENV, RADARR_UI_PASSWORD: '' } });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('servarr-setup: ERROR: radarr: the environment variable RADARR_UI_PASSWORD is empty (its Secret key is missing)');
    for (const out of [r, down, missing]) for (const v of [...Object.values(KEYS), ...Object.values(PASSWORDS)]) expect(out.stdout + out.stderr).not.toContain(v);
  });
});

describe('the servarr-setup CronJob', () => {
  it("reads each instance's API key and generated password from the instance's own Secret", () => {
    const { objects } = objectsOf({});
    const job = setupJobOf(objects, 'servarr-setup');
    expect(job.data.instances.map((i: any) => i.instance)).toEqual(['sonarr', 'radarr', 'prowlarr']);
    expect(job.container.env).toContainEqual({ name: 'RADARR_UI_PASSWORD', valueFrom: { secretKeyRef: { name: 'radarr-secrets', key: 'ui-password' } } });
    expect(job.container.env).toContainEqual({ name: 'PROWLARR_API_KEY', valueFrom: { secretKeyRef: { name: 'prowlarr-secrets', key: 'api-key' } } });
  });

  it('is not built behind forward-auth or when turned off', () => {
    const built = (input: Parameters<typeof objectsOf>[0]) => objectsOf(input).objects.some((o) => o.kind === 'CronJob' && o.metadata.name === 'servarr-setup');
    expect(built({ apps: { servarrLogin: { enabled: false } } })).toBe(false);
    expect(built({ ingress: { auth: { mode: 'forward-auth', middleware: 'auth-authelia@kubernetescrd' } } })).toBe(false);
    expect(built({})).toBe(true);
  });
});
