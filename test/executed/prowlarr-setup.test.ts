/**
 * prowlarr-setup (src/apps/prowlarr/prowlarr-setup.py) run by the real python3 from its own
 * ConfigMap against a recording stub of Prowlarr that keeps state, serves the indexer templates
 * of test/fixtures/app-apis/prowlarr/indexer-schema.json (derived from Prowlarr's source, see
 * PROVENANCE.md there) and checks every request against Prowlarr's OpenAPI document.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig, type StackConfigInput } from '../../src/stack-config.js';
import { containerOf, envOf, objectsOf } from '../helpers.js';
import { openApiProblem } from './fake-servarr.js';
import { atStubs, RecordingStub, runSetupJob, setupJobOf, type StubRequest } from './setup-jobs.js';

const KEY = 'e'.repeat(32);
const USERNAME = 'fl-user-7781';
const PASSKEY = 'f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6';
const CONFIG: StackConfigInput = {
  apps: {
    flaresolverr: { enabled: true },
    prowlarr: {
      enabled: true,
      indexers: [
        { definition: '1337x', tags: ['flaresolverr', 'streaming'] },
        { definition: 'FileList.io', name: 'FileList', priority: 10, secrets: { username: 'filelist-username', passkey: 'filelist-passkey' } },
      ],
    },
  },
};
const SCHEMA: any[] = JSON.parse(readFileSync('test/fixtures/app-apis/prowlarr/indexer-schema.json', 'utf8'));

/** What a fresh Prowlarr lists: its "Standard" app profile (AppSyncProfileService), nothing else. */
function freshProwlarr() {
  return {
    indexers: [] as any[],
    tags: [] as { id: number; label: string }[],
    profiles: [{ id: 1, name: 'Standard', enableRss: true, enableAutomaticSearch: true, enableInteractiveSearch: true, minimumSeeders: 1 }],
  };
}
let state = freshProwlarr();
let rejectIndexer: { status: number; body: unknown } | undefined;
const invalid: string[] = [];

/** Prowlarr's answers (IndexerController, TagController, AppProfileController), 401 without the key. */
function prowlarr(r: StubRequest) {
  const problem = openApiProblem('prowlarr', r.method, r.path, r.body);
  if (problem) invalid.push(problem);
  if (r.headers['x-api-key'] !== KEY) return { status: 401, body: {} };
  const route = `${r.method} ${r.path}`;
  if (route === 'GET /api/v1/indexer') return { body: state.indexers };
  if (route === 'GET /api/v1/indexer/schema') return { body: SCHEMA };
  if (route === 'GET /api/v1/appprofile') return { body: state.profiles };
  if (route === 'GET /api/v1/tag') return { body: state.tags };
  if (route === 'POST /api/v1/tag') {
    const tag = { id: state.tags.length + 1, label: String(r.body.label).toLowerCase() };
    state.tags.push(tag);
    return { status: 201, body: tag };
  }
  if (route === 'POST /api/v1/indexer') {
    if (rejectIndexer) return rejectIndexer;
    // The validation of IndexerController / ProviderControllerBase.
    const errors: string[] = [];
    if (!state.profiles.some((p) => p.id === r.body.appProfileId)) errors.push('AppProfileId: App Profile does not exist');
    if (!(r.body.priority >= 1 && r.body.priority <= 50)) errors.push('Priority: must be between 1 and 50');
    if (state.indexers.some((i) => i.name.toLowerCase() === String(r.body.name).toLowerCase())) errors.push('Name: Should be unique');
    if (errors.length) return { status: 400, body: errors.map((e) => ({ propertyName: e.split(':')[0], errorMessage: e })) };
    // definitionName is computed (IndexerResourceMapper): a Cardigann indexer's definition file, else the provider's name.
    const file = r.body.fields.find((f: any) => f.name === 'definitionFile')?.value;
    const stored = { ...r.body, id: state.indexers.length + 1, definitionName: r.body.implementation === 'Cardigann' ? file : r.body.implementationName };
    state.indexers.push(stored);
    return { status: 201, body: stored };
  }
  return undefined;
}

describe('prowlarr-setup: the job', () => {
  const { objects, find } = objectsOf(CONFIG);
  const job = setupJobOf(objects, 'prowlarr-setup');

  it('is a CronJob of Prowlarr with its key and each credential from a Secret, and may call Prowlarr only', () => {
    expect(find('CronJob', 'prowlarr-setup').spec.schedule).toBe('27 * * * *');
    const env = envOf(containerOf(find('CronJob', 'prowlarr-setup'), 'prowlarr-setup'));
    expect(env.PROWLARR_API_KEY).toEqual({ secretKeyRef: { name: 'prowlarr-secrets', key: 'api-key' } });
    expect(env.INDEXER_FILELIST_USERNAME).toEqual({ secretKeyRef: { name: 'prowlarr-indexer-secrets', key: 'filelist-username' } });
    expect(env.INDEXER_FILELIST_PASSKEY).toEqual({ secretKeyRef: { name: 'prowlarr-indexer-secrets', key: 'filelist-passkey' } });
    expect(job.data).toEqual({
      api: 'http://prowlarr.media.svc.cluster.local:9696/api/v1',
      keyEnv: 'PROWLARR_API_KEY',
      indexers: [
        { definition: '1337x', tags: ['flaresolverr', 'streaming'], secrets: {} },
        {
          definition: 'FileList.io',
          name: 'FileList',
          tags: [],
          priority: 10,
          secrets: {
            username: { env: 'INDEXER_FILELIST_USERNAME', secret: 'prowlarr-indexer-secrets', key: 'filelist-username' },
            passkey: { env: 'INDEXER_FILELIST_PASSKEY', secret: 'prowlarr-indexer-secrets', key: 'filelist-passkey' },
          },
        },
      ],
    });
    const egress = find('NetworkPolicy', 'allow-prowlarr-setup').spec.egress;
    expect(egress).toEqual([
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prowlarr', 'app.kubernetes.io/instance': 'prowlarr' } } }], ports: [{ protocol: 'TCP', port: 9696 }] },
    ]);
  });

  it('exists only when indexers are configured', () => {
    expect(objectsOf().objects.some((o) => o.metadata.name === 'prowlarr-setup')).toBe(false);
    expect(objectsOf().objects.some((o) => o.metadata.name === 'prowlarr-indexer-secrets')).toBe(false);
  });

  it('refuses bad indexer lists, naming the item and the fix', () => {
    const bad = (indexers: unknown) => () => resolveConfig({ apps: { prowlarr: { indexers } } } as StackConfigInput);
    expect(bad([{ definition: '1337x' }, { definition: '1337X' }])).toThrow(/apps\.prowlarr\.indexers.*the definition '1337X' is listed twice/);
    expect(bad([{ definition: '1337x', tag: ['x'] }])).toThrow(/\[0\] has no field 'tag': use definition, name, tags, priority, secrets/);
  });
});

describe('prowlarr-setup: python3 against a Prowlarr stub', () => {
  const stub = new RecordingStub(prowlarr);
  const { objects } = objectsOf(CONFIG);
  const job = setupJobOf(objects, 'prowlarr-setup');
  const env = { PROWLARR_API_KEY: KEY, INDEXER_FILELIST_USERNAME: USERNAME, INDEXER_FILELIST_PASSKEY: PASSKEY };
  const run = (e: Record<string, string> = env) =>
    runSetupJob(job, 'prowlarr-setup', { data: atStubs(job.data, { 'http://prowlarr.media.svc.cluster.local:9696': stub.origin }), env: e });
  const fieldsOf = (i: any) => Object.fromEntries(i.fields.map((f: any) => [f.name, f.value]));
  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    state = freshProwlarr();
    rejectIndexer = undefined;
    stub.requests.length = 0;
    invalid.length = 0;
  });

  it('creates the indexers from their templates, with tags, profile and credentials; a second run adds nothing', async () => {
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.stdout.split('\n')).toEqual([
      'prowlarr-setup: tag flaresolverr: created',
      'prowlarr-setup: tag streaming: created',
      'prowlarr-setup: indexer 1337x (1337x): created',
      'prowlarr-setup: indexer FileList.io (FileList): created',
      '',
    ]);
    expect(first.code).toBe(0);
    expect(stub.writes().map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query.toString()}` : ''}`)).toEqual([
      'POST /api/v1/tag',
      'POST /api/v1/tag',
      'POST /api/v1/indexer?forceSave=true',
      'POST /api/v1/indexer?forceSave=true',
    ]);
    const [x1337, filelist] = state.indexers;
    expect(x1337).toMatchObject({ name: '1337x', implementation: 'Cardigann', configContract: 'CardigannSettings', enable: true, appProfileId: 1, priority: 25, tags: [1, 2] });
    expect(x1337.presets).toBeUndefined();
    // The template's settings are kept (definition file, Cardigann settings' defaults).
    expect(fieldsOf(x1337)).toMatchObject({ definitionFile: '1337x', downloadlink: 0, downloadlink2: 1, uploader: '' });
    expect(filelist).toMatchObject({ name: 'FileList', implementation: 'FileList', appProfileId: 1, priority: 10, tags: [], definitionName: 'FileList.io' });
    expect(fieldsOf(filelist)).toMatchObject({ username: USERNAME, passkey: PASSKEY, 'baseSettings.queryLimit': 150 });
    expect(invalid).toEqual([]);
    expect(first.stdout).not.toContain(PASSKEY);
    expect(first.stdout).not.toContain(USERNAME);

    stub.requests.length = 0;
    const second = await run();
    expect(second.code).toBe(0);
    expect(stub.writes()).toEqual([]);
    expect(second.stdout).toBe('prowlarr-setup: indexer 1337x: present\nprowlarr-setup: indexer FileList.io: present\n');
  });

  it('keeps an indexer the operator renamed and edited (same definition), adds only the missing one', async () => {
    state.tags.push({ id: 4, label: 'streaming' });
    state.indexers.push({ ...SCHEMA[0], id: 3, name: 'Leet (mine)', priority: 1, enable: false, tags: [4] });
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('prowlarr-setup: indexer 1337x: present (as Leet (mine))');
    expect(stub.writes().map((w) => `${w.method} ${w.path} ${w.body.name ?? w.body.label}`)).toEqual(['POST /api/v1/indexer FileList']);
    expect(state.indexers[0]).toMatchObject({ id: 3, name: 'Leet (mine)', priority: 1, enable: false, tags: [4] });
    expect(invalid).toEqual([]);
  });

  it('fails clearly on a missing credential, naming the Secret key and never a value, and still adds the others', async () => {
    const r = await run({ PROWLARR_API_KEY: KEY, INDEXER_FILELIST_USERNAME: USERNAME });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'prowlarr-setup: ERROR: indexer FileList.io: the credential passkey is empty: put it into the key filelist-passkey of the Secret prowlarr-indexer-secrets (docs/secrets.md)\n',
    );
    expect(state.indexers.map((i) => i.name)).toEqual(['1337x']);
    expect(r.stdout + r.stderr).not.toContain(USERNAME);
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it("reports Prowlarr's refusal with its message, masking a credential it echoes, and an unknown definition with the close ones", async () => {
    rejectIndexer = { status: 400, body: [{ propertyName: 'Passkey', errorMessage: `Invalid passkey ${PASSKEY}` }] };
    const refused = await run();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('prowlarr-setup: ERROR: indexer FileList.io (FileList): not created, HTTP 400: ');
    expect(refused.stdout).toContain('Invalid passkey ***');
    expect(refused.stdout).not.toContain(PASSKEY);

    rejectIndexer = undefined;
    const typo = { ...job.data, indexers: [{ definition: '1337', tags: [], secrets: {} }] };
    const r = await runSetupJob(job, 'prowlarr-setup', { data: atStubs(typo, { 'http://prowlarr.media.svc.cluster.local:9696': stub.origin }), env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      "prowlarr-setup: ERROR: indexer 1337: Prowlarr has no definition '1337' (did you mean 1337x?): fix apps.prowlarr.indexers[].definition (Prowlarr's definitionName, see Indexers › Add)\n",
    );
  });

  it('fails without creating anything when Prowlarr rejects the key', async () => {
    const r = await run({ ...env, PROWLARR_API_KEY: 'wrong' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('prowlarr-setup: ERROR: GET /indexer: HTTP 401: {}\n');
    expect(stub.writes()).toEqual([]);
  });
});
