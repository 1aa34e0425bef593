/**
 * The pulsarr-setup job (src/apps/pulsarr/pulsarr-setup.py) run by the real python3, as its
 * CronJob runs it, against a stub of Pulsarr (its routes as JSON Schemas derived from Pulsarr's zod
 * route schemas, test/fixtures/app-apis/pulsarr) and of Sonarr/Radarr (their OpenAPI documents,
 * test/fixtures/app-apis/first-run). Every request body and every answer of the stub is validated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { objectsOf } from '../helpers.js';
import { jsonSchema } from './fake-servarr.js';
import { atStubs, RecordingStub, runSetupJob, setupJobOf, type StubAnswer, type StubRequest } from './setup-jobs.js';

const ADMIN_PASSWORD = 'GeneratedAdminPw0123456789abcdef';
const KEYS = { sonarr: 'a1'.repeat(16), 'sonarr-4k': 'd4'.repeat(16), radarr: 'b2'.repeat(16) } as const;
const PLEX_TOKEN = 'plex-server-token-xyz';
const ENV = { PULSARR_ADMIN_PASSWORD: ADMIN_PASSWORD, SONARR_API_KEY: KEYS.sonarr, SONARR_4K_API_KEY: KEYS['sonarr-4k'], RADARR_API_KEY: KEYS.radarr, PLEX_TOKEN };
const SECRETS = [ADMIN_PASSWORD, ...Object.values(KEYS), PLEX_TOKEN];
const SESSION = 'pulsarr-session=s%3Aabc.def';
const ns = 'media.svc.cluster.local';

const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
/** Pulsarr's operations: `METHOD /path/{id}` → body and answer validators. */
const pulsarrOps = Object.entries<any>(JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/app-apis/pulsarr/routes.json'), 'utf8')).operations).map(([key, op]) => {
  const [method, template] = key.split(' ') as [string, string];
  return {
    method,
    re: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    body: op.body ? ajv.compile(op.body) : undefined,
    answers: Object.fromEntries(Object.entries<any>(op.answers ?? {}).map(([status, schema]) => [status, ajv.compile(schema)])) as Record<string, ValidateFunction>,
  };
});
/** The Arr operations the job reads, from Sonarr's and Radarr's OpenAPI documents. */
function arrOps(app: 'sonarr' | 'radarr') {
  const doc = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/app-apis/first-run', `${app}-openapi.json`), 'utf8'));
  const id = `https://openapi.test/${app}-first-run.json`;
  ajv.addSchema({ $id: id, components: jsonSchema(doc.components) }, id);
  const answer = (path: string) => ajv.compile({ $ref: `${id}${doc.paths[path].get.responses['200'].content['application/json'].schema.items.$ref}` });
  return { qualityprofile: answer('/api/v3/qualityprofile'), rootfolder: answer('/api/v3/rootfolder') };
}
const arrValidators = { sonarr: arrOps('sonarr'), radarr: arrOps('radarr') };

const problems: string[] = [];
const errors = (v: ValidateFunction) =>
  v.errors!.map((e) => `${e.instancePath || '/'} ${e.message}${'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`).join('; ');

/** Pulsarr's state. */
let admin: { email: string; username: string; password: string } | undefined;
let instances: Record<'sonarr' | 'radarr', any[]>;
let plexTokens: string[];
let failPost: string | undefined;
/** What the Arrs list (the arr-wiring job adds the root folders: streaming first). */
const ARR_STATE = {
  sonarr: {
    qualityprofile: [
      { id: 4, name: 'HD-1080p' },
      { id: 1, name: 'Any' },
    ],
    rootfolder: [
      { id: 1, path: '/mnt/streaming-media/sonarr' },
      { id: 2, path: '/mnt/media/tv' },
    ],
  },
  'sonarr-4k': { qualityprofile: [{ id: 1, name: 'Any' }], rootfolder: [{ id: 3, path: '/mnt/streaming-media/sonarr-4k' }] },
  radarr: { qualityprofile: [{ id: 1, name: 'Any' }], rootfolder: [{ id: 1, path: '/mnt/streaming-media/radarr' }] },
} as const;

/** Pulsarr's first instance of a kind, as it seeds it from sonarrBaseUrl/sonarrApiKey (no root folder or quality profile). */
function seeded(kind: 'sonarr' | 'radarr', port: number): any {
  const common = {
    id: 1,
    name: `Default ${kind === 'sonarr' ? 'Sonarr' : 'Radarr'} Instance`,
    baseUrl: `http://${kind}.${ns}:${port}`,
    apiKey: KEYS[kind],
    qualityProfile: null,
    rootFolder: null,
    bypassIgnored: false,
    searchOnAdd: true,
    tags: [],
    isDefault: true,
  };
  return kind === 'sonarr'
    ? { ...common, seasonMonitoring: 'all', monitorNewItems: 'all', createSeasonFolders: false, seriesType: 'standard' }
    : { ...common, minimumAvailability: 'released' };
}

function pulsarr(r: StubRequest, path: string): StubAnswer | undefined {
  const op = pulsarrOps.find((o) => o.method === r.method && o.re.test(path));
  if (!op && path !== '/health') return undefined;
  if (op?.body && !op.body(r.body ?? {})) problems.push(`${r.method} ${path}: ${errors(op.body)}`);
  const reply = (status: number, body: unknown, headers?: Record<string, string>): StubAnswer => {
    const check = op?.answers[String(status)];
    if (check && !check(body)) problems.push(`answer of ${r.method} ${path}: ${errors(check)}`);
    return { status, body, ...(headers ? { headers } : {}) };
  };
  if (path === '/health') return reply(200, { status: 'healthy' });
  if (path === '/v1/users/create-admin') {
    if (admin) return reply(409, { message: 'An admin user already exists in the system' });
    admin = { email: r.body.email, username: r.body.username, password: r.body.password };
    return reply(201, { success: true, message: 'Admin user created successfully' });
  }
  if (path === '/v1/users/login') {
    if (!admin || admin.email !== r.body.email.toLowerCase() || admin.password !== r.body.password) return reply(401, { message: 'Invalid email or password.' });
    return reply(
      200,
      { success: true, message: 'Login successful', username: admin.username, redirectTo: '/app/dashboard' },
      { 'Set-Cookie': `${SESSION}; Path=/; HttpOnly; SameSite=Lax` },
    );
  }
  if (r.headers.cookie !== SESSION) return { status: 401, body: { message: 'You must be authenticated to access this route.' } };
  const [, , kind, , id] = path.split('/') as [string, string, 'sonarr' | 'radarr' | 'config', string, string?];
  if (kind === 'config') {
    if (r.method === 'PUT') plexTokens = r.body.plexTokens ?? plexTokens;
    return reply(200, { success: true, config: { plexTokens, plexServerUrl: `http://plex.${ns}:32400` } });
  }
  const list = instances[kind];
  if (r.method === 'GET') return reply(200, list);
  if (r.method === 'POST') {
    if (failPost === kind)
      return { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: `Failed to initialize Sonarr instance (key ${r.body.apiKey})` } };
    const created = { ...r.body, id: Math.max(0, ...list.map((i) => i.id)) + 1 };
    list.push(created);
    return reply(201, { id: created.id });
  }
  const known = list.find((i) => String(i.id) === id);
  if (!known) return { status: 404, body: { message: 'Instance not found' } };
  Object.assign(known, r.body);
  return { status: 204 };
}

function arr(r: StubRequest, instance: keyof typeof ARR_STATE, rest: string): StubAnswer | undefined {
  if (r.headers['x-api-key'] !== KEYS[instance]) return { status: 401, body: {} };
  const resource = rest.replace(/^\/api\/v3\//, '') as 'qualityprofile' | 'rootfolder';
  if (r.method !== 'GET' || !(resource in ARR_STATE[instance])) return undefined;
  const body = ARR_STATE[instance][resource];
  const check = arrValidators[instance === 'radarr' ? 'radarr' : 'sonarr'][resource];
  for (const entry of body) if (!check(entry)) problems.push(`${instance} ${resource} answer: ${errors(check)}`);
  return { body };
}

const stub = new RecordingStub((r) => {
  const [, first, ...rest] = r.path.split('/');
  if (first === 'pulsarr') return pulsarr(r, `/${rest.join('/')}`);
  if (first && first in ARR_STATE) return arr(r, first as keyof typeof ARR_STATE, `/${rest.join('/')}`);
  return undefined;
});

describe('pulsarr-setup.py, run by python3 as its CronJob runs it', () => {
  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    admin = undefined;
    instances = { sonarr: [seeded('sonarr', 8989)], radarr: [seeded('radarr', 7878)] };
    plexTokens = [];
    problems.length = 0;
    stub.requests.length = 0;
    failPost = undefined;
  });
  const job = setupJobOf(objectsOf({ apps: { sonarr: { extraInstances: ['4k'] } } }).objects, 'pulsarr-setup');
  /** The job's data at the stub; the instance URLs it hands Pulsarr stay the cluster's. */
  const data = (extra: object = {}) => {
    const at = atStubs(job.data, {
      [`http://pulsarr.${ns}:3003`]: `${stub.origin}/pulsarr`,
      [`http://sonarr.${ns}:8989`]: `${stub.origin}/sonarr`,
      [`http://sonarr-4k.${ns}:8989`]: `${stub.origin}/sonarr-4k`,
      [`http://radarr.${ns}:7878`]: `${stub.origin}/radarr`,
    });
    return { ...at, arrs: at.arrs.map((a: any, i: number) => ({ ...a, url: job.data.arrs[i].url })), ...extra };
  };
  const run = (env: Record<string, string> = ENV, extra: object = {}) => runSetupJob(job, 'pulsarr-setup', { data: data(extra), env });
  const noSecrets = (r: { stdout: string; stderr: string }) => {
    for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
  };

  it('claims the admin, fills the seeded instances, adds the missing one and the Plex token; a second run changes nothing', async () => {
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toEqual([
      'pulsarr-setup: admin user admin@pulsarr.local: created',
      'pulsarr-setup: sonarr instance sonarr: rootFolder /mnt/streaming-media/sonarr, qualityProfile 1: created',
      'pulsarr-setup: sonarr instance sonarr-4k: created',
      'pulsarr-setup: radarr instance radarr: rootFolder /mnt/streaming-media/radarr, qualityProfile 1: created',
      'pulsarr-setup: Plex token: created',
      '',
    ]);
    expect(admin).toEqual({ email: 'admin@pulsarr.local', username: 'admin', password: ADMIN_PASSWORD });
    expect(instances.sonarr.map((i) => [i.name, i.baseUrl, i.rootFolder, i.qualityProfile, i.isDefault])).toEqual([
      ['Default Sonarr Instance', `http://sonarr.${ns}:8989`, '/mnt/streaming-media/sonarr', 1, true],
      ['sonarr-4k', `http://sonarr-4k.${ns}:8989`, '/mnt/streaming-media/sonarr-4k', 1, false],
    ]);
    expect(instances.sonarr[1].apiKey).toBe(KEYS['sonarr-4k']);
    expect(plexTokens).toEqual([PLEX_TOKEN]);
    expect(problems).toEqual([]);
    noSecrets(first);

    stub.requests.length = 0;
    const second = await run();
    expect(second.code).toBe(0);
    expect(stub.writes().map((w) => w.path)).toEqual(['/pulsarr/v1/users/login']);
    expect(second.stdout).toContain('pulsarr-setup: admin user admin@pulsarr.local: present');
    expect(second.stdout).toContain('pulsarr-setup: Plex token: present');
    expect(problems).toEqual([]);
  });

  it("keeps what the operator set: an instance's root folder and profile, an instance under a short URL, their own Plex token", async () => {
    admin = { email: 'admin@pulsarr.local', username: 'admin', password: ADMIN_PASSWORD };
    Object.assign(instances.sonarr[0], { rootFolder: '/mnt/media/tv', qualityProfile: 'HD-1080p' });
    instances.sonarr.push({
      ...seeded('sonarr', 8989),
      id: 7,
      name: 'UHD',
      baseUrl: 'http://sonarr-4k:8989/',
      apiKey: KEYS['sonarr-4k'],
      rootFolder: '/mnt/media/tv-4k',
      qualityProfile: 9,
      isDefault: false,
    });
    plexTokens = ['the-operators-own-token'];
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pulsarr-setup: sonarr instance sonarr: present');
    expect(r.stdout).toContain('pulsarr-setup: sonarr instance sonarr-4k: present');
    expect(instances.sonarr.map((i) => [i.rootFolder, i.qualityProfile])).toEqual([
      ['/mnt/media/tv', 'HD-1080p'],
      ['/mnt/media/tv-4k', 9],
    ]);
    expect(plexTokens).toEqual(['the-operators-own-token']);
    expect(stub.writes().map((w) => `${w.method} ${w.path}`)).toEqual(['POST /pulsarr/v1/users/login', 'PUT /pulsarr/v1/radarr/instances/1']);
    expect(problems).toEqual([]);
  });

  it('leaves an admin it cannot sign in as alone (the operator was first) and changes nothing else', async () => {
    admin = { email: 'me@example.org', username: 'me', password: 'my own password' };
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('an admin user exists that the generated password does not sign in as (yours): kept');
    expect(admin.email).toBe('me@example.org');
    expect(stub.writes().map((w) => w.path)).toEqual(['/pulsarr/v1/users/login', '/pulsarr/v1/users/create-admin']);
    expect(instances.sonarr).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('skips the Plex token while Plex is not claimed (its Secret key empty or missing)', async () => {
    const r = await run({ ...ENV, PLEX_TOKEN: '' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pulsarr-setup: Plex token: Plex is not claimed yet (its token Secret is empty): skipped until the next run');
    expect(plexTokens).toEqual([]);
    expect(stub.requests.some((q) => q.path === '/pulsarr/v1/config/config')).toBe(false);
  });

  it('fails the run (exit 1) with a clear line when an instance is not added or Pulsarr does not answer, and logs no secret', async () => {
    failPost = 'sonarr';
    const failed = await run();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('pulsarr-setup: ERROR: sonarr instance sonarr-4k: not created, HTTP 500: ');
    expect(failed.stdout).toContain('(key ***)');
    expect(failed.stdout).toContain('pulsarr-setup: Plex token: created');
    noSecrets(failed);
    const down = await runSetupJob(job, 'pulsarr-setup', { data: { ...data(), url: 'http://127.0.0.1:9', readyAttempts: 1 }, env: ENV });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^pulsarr-setup: ERROR: http:\/\/127\.0\.0\.1:9\/health is not ready: no answer: .*refused/);
    noSecrets(down);
  });
});

describe('the pulsarr-setup CronJob', () => {
  it('reads the generated admin password, the Arr keys and the Plex token (optional) from their Secrets, and opens the Ingress', () => {
    const { objects } = objectsOf({});
    const job = setupJobOf(objects, 'pulsarr-setup');
    expect(job.container.env).toContainEqual({ name: 'PULSARR_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'pulsarr-secrets', key: 'admin-password' } } });
    expect(job.container.env.find((e: any) => e.name === 'PLEX_TOKEN').valueFrom.secretKeyRef.optional).toBe(true);
    expect(objects.some((o) => o.kind === 'Ingress' && o.metadata.name === 'pulsarr')).toBe(true);
  });

  it('is gone with setup.enabled false, and then the Ingress waits for the opt-in again', () => {
    const { objects } = objectsOf({ apps: { pulsarr: { setup: { enabled: false } } } });
    expect(objects.some((o) => o.kind === 'CronJob' && o.metadata.name === 'pulsarr-setup')).toBe(false);
    expect(objects.some((o) => o.kind === 'Ingress' && o.metadata.name === 'pulsarr')).toBe(false);
  });
});
