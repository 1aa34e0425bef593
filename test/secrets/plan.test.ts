import { describe, expect, it } from 'vitest';
import type { SecretRequest } from '../../src/secrets/model.js';
import { outlineOfDocument, planSecrets, secretManifest, type PreviousFileFacts, type PreviousOpening, type SecretFilePlan, type SecretPlanInput } from '../../src/secrets/plan.js';
import { DEMO_RECIPIENT, type CreationRule } from '../../src/sops/index.js';
import { decypharr, plex, sonarr } from './helpers.js';

/**
 * The decision table of the secrets lifecycle: one row per situation, plain facts in, the action
 * per file and key out. No file, identity or value is involved: that is the point of the plan.
 */
const ALICE = 'age1alicealicealicealicealicealicealicealicealicealicealiceq';
const BOB = 'age1bobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobbobq';
const REGEX = '^(data|stringData)$';

const rule = (...age: string[]): CreationRule => ({ pathRegex: '^clusters/', encryptedRegex: REGEX, age });

/** A request with a generated key and a required operator value. */
const mixed: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'password', source: { kind: 'operator', description: 'UI password' } }] };
/** sonarr with a second generated key the previous file does not have. */
const grown: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'db-password', source: { kind: 'generated' } }] };

/** What a previous file written by this engine for `req` with `keys` shows without decrypting. */
function previousOf(req: SecretRequest, keys: readonly string[], opening: PreviousOpening, recipients: readonly string[] = [ALICE]): PreviousFileFacts {
  const { stringData: _values, ...clearDocument } = secretManifest(req, {});
  return { kind: 'sops', recipients, keys, clearDocument, settings: { encryptedRegex: REGEX, macOnlyEncrypted: false }, opening };
}

/** The opening of a previous file holding `keys` (string values). */
const opened = (req: SecretRequest, keys: readonly string[], more: { publicValueKeys?: string[]; unchangedSuppliedKeys?: string[] } = {}): PreviousOpening => ({
  kind: 'opened',
  outline: outlineOfDocument(secretManifest(req, Object.fromEntries(keys.map((k) => [k, 'x'])))),
  publicValueKeys: more.publicValueKeys ?? [],
  unchangedSuppliedKeys: more.unchangedSuppliedKeys ?? [],
});

interface Row {
  readonly situation: string;
  readonly input: SecretPlanInput;
  readonly regenerate?: boolean;
  /** The file action, with `:opened` / `:unopened` for keep and re-encrypt. */
  readonly action: string;
  /** key → `action` or `action:reason`. */
  readonly keys: Readonly<Record<string, string>>;
  /** Fragments that the file's problem or warnings must contain (each message also names the file). */
  readonly says?: readonly string[];
  /** Fragments of the reasons a re-encryption names. */
  readonly changes?: readonly string[];
  /** Environment variables of the missing values this file adds to the plan. */
  readonly missing?: readonly string[];
  readonly demoKeys?: readonly string[];
}

const NO_ID: PreviousOpening = { kind: 'no-identity' };

const rows: Row[] = [
  // first run
  { situation: 'no previous file, generated key', input: { request: sonarr, rule: rule(ALICE) }, action: 'create', keys: { 'api-key': 'generate:new-file' } },
  {
    situation: 'no previous file, required value supplied, optional not',
    input: { request: decypharr, rule: rule(ALICE), suppliedKeys: ['realdebrid-api-key'] },
    action: 'create',
    keys: { 'realdebrid-api-key': 'supply', 'usenet-pass': 'omit:not-supplied' },
  },
  {
    situation: 'no previous file, required value missing',
    input: { request: decypharr, rule: rule(ALICE) },
    action: 'await-values',
    keys: { 'realdebrid-api-key': 'missing:not-supplied', 'usenet-pass': 'omit:not-supplied' },
    missing: ['MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY'],
  },
  // previous file opened
  {
    situation: 'opened, nothing changed',
    input: { request: sonarr, rule: rule(ALICE), previous: previousOf(sonarr, ['api-key'], opened(sonarr, ['api-key'])) },
    action: 'keep:opened',
    keys: { 'api-key': 'carry' },
  },
  {
    situation: 'opened, operator value supplied and equal to the previous one',
    input: { request: plex, rule: rule(ALICE), suppliedKeys: ['token'], previous: previousOf(plex, ['token'], opened(plex, ['token'], { unchangedSuppliedKeys: ['token'] })) },
    action: 'keep:opened',
    keys: { token: 'supply', claim: 'omit:not-supplied' },
  },
  {
    situation: 'opened, operator value changed',
    input: { request: plex, rule: rule(ALICE), suppliedKeys: ['token'], previous: previousOf(plex, ['token'], opened(plex, ['token'])) },
    action: 're-encrypt:opened',
    keys: { token: 'supply', claim: 'omit:not-supplied' },
    changes: ['operator value(s) token changed'],
  },
  {
    situation: 'opened, recipients changed',
    input: { request: sonarr, rule: rule(ALICE, BOB), previous: previousOf(sonarr, ['api-key'], opened(sonarr, ['api-key'])) },
    action: 're-encrypt:opened',
    keys: { 'api-key': 'carry' },
    changes: [`the age recipients in .sops.yaml changed (added ${BOB})`],
  },
  {
    situation: 'opened, a generated key was added',
    input: { request: grown, rule: rule(ALICE), previous: previousOf(grown, ['api-key'], opened(grown, ['api-key'])) },
    action: 're-encrypt:opened',
    keys: { 'api-key': 'carry', 'db-password': 'generate:new-key' },
  },
  {
    situation: 'opened, a key is no longer requested',
    input: { request: sonarr, rule: rule(ALICE), previous: previousOf(sonarr, ['api-key', 'old'], opened(sonarr, ['api-key', 'old'])) },
    action: 're-encrypt:opened',
    keys: { 'api-key': 'carry' },
  },
  {
    situation: 'opened, --regenerate-secrets',
    input: { request: mixed, rule: rule(ALICE), previous: previousOf(mixed, ['api-key', 'password'], opened(mixed, ['api-key', 'password'])) },
    regenerate: true,
    action: 're-encrypt:opened',
    keys: { 'api-key': 'generate:regenerate', password: 'carry' },
    changes: ['generated value(s) api-key'],
  },
  {
    situation: 'opened, a required value is missing',
    input: { request: mixed, rule: rule(ALICE), previous: previousOf(mixed, ['api-key'], opened(mixed, ['api-key'])) },
    action: 'await-values',
    keys: { 'api-key': 'carry', password: 'missing:not-supplied' },
    missing: ['MEDIA_STACK_SECRET__SONARR_SECRETS__PASSWORD'],
  },
  // previous file not opened
  {
    situation: 'no identity, nothing visible changed',
    input: { request: sonarr, rule: rule(ALICE), previous: previousOf(sonarr, ['api-key'], NO_ID) },
    action: 'keep:unopened',
    keys: { 'api-key': 'carry' },
  },
  {
    situation: 'no identity, every value supplied',
    input: { request: plex, rule: rule(ALICE), suppliedKeys: ['token'], previous: previousOf(plex, ['token'], NO_ID) },
    action: 're-encrypt:unopened',
    keys: { token: 'supply', claim: 'omit:not-supplied' },
    says: ['re-encrypted without opening the previous file (no age identity is available)', 'operator values are supplied for token', 'set SOPS_AGE_KEY_FILE'],
  },
  {
    situation: 'no identity, recipients changed, a value must be carried',
    input: { request: sonarr, rule: rule(ALICE, BOB), previous: previousOf(sonarr, ['api-key'], NO_ID) },
    action: 'needs-identity',
    keys: { 'api-key': 'carry' },
    says: [
      'cannot be opened (no age identity is available)',
      `added ${BOB}`,
      'The value(s) of api-key exist only in the previous encrypted file',
      `recipients (${ALICE})`,
      'SOPS_AGE_KEY_FILE',
      'npm run keys -- add',
    ],
  },
  {
    situation: 'identities that are not recipients, an operator value supplied beside a carried one',
    input: { request: mixed, rule: rule(ALICE), suppliedKeys: ['password'], previous: previousOf(mixed, ['api-key', 'password'], { kind: 'not-a-recipient', identities: 2 }) },
    action: 'needs-identity',
    keys: { 'api-key': 'carry', password: 'supply' },
    says: ['none of the 2 available age identities is one of its recipients', 'operator values are supplied for password and cannot be compared', 'SOPS_AGE_KEY_FILE'],
  },
  {
    situation: 'no identity, a required value is missing beside a carried one',
    input: { request: mixed, rule: rule(ALICE), previous: previousOf(mixed, ['api-key'], NO_ID) },
    action: 'needs-identity',
    keys: { 'api-key': 'carry', password: 'missing:not-supplied' },
    says: ['missing key(s) password must be added', 'The value(s) of api-key exist only in the previous encrypted file'],
    missing: ['MEDIA_STACK_SECRET__SONARR_SECRETS__PASSWORD'],
  },
  {
    situation: '--regenerate-secrets without identity, a required value missing and nothing to carry',
    input: { request: mixed, rule: rule(ALICE), previous: previousOf(mixed, ['api-key'], NO_ID) },
    regenerate: true,
    action: 'await-values',
    keys: { 'api-key': 'generate:regenerate', password: 'missing:not-supplied' },
    missing: ['MEDIA_STACK_SECRET__SONARR_SECRETS__PASSWORD'],
  },
  // leaving the demo
  {
    situation: 'demo still a recipient: demo values are carried',
    input: { request: sonarr, rule: rule(DEMO_RECIPIENT, ALICE), previous: previousOf(sonarr, ['api-key'], opened(sonarr, ['api-key']), [DEMO_RECIPIENT, ALICE]) },
    action: 'keep:opened',
    keys: { 'api-key': 'carry' },
  },
  {
    situation: 'demo recipient gone, previous file demo-readable: generated value regenerated',
    input: { request: sonarr, rule: rule(ALICE), previous: previousOf(sonarr, ['api-key'], opened(sonarr, ['api-key']), [DEMO_RECIPIENT]) },
    action: 're-encrypt:opened',
    keys: { 'api-key': 'generate:demo-value' },
    demoKeys: ['api-key'],
  },
  {
    situation: 'demo recipient gone, a known demo value in a file re-encrypted away from the demo key',
    input: { request: sonarr, rule: rule(ALICE), previous: previousOf(sonarr, ['api-key'], opened(sonarr, ['api-key'], { publicValueKeys: ['api-key'] })) },
    action: 're-encrypt:opened',
    keys: { 'api-key': 'generate:demo-value' },
    demoKeys: ['api-key'],
  },
  {
    situation: "demo recipient gone, required value is the demo's placeholder",
    input: { request: decypharr, rule: rule(ALICE), previous: previousOf(decypharr, ['realdebrid-api-key'], opened(decypharr, ['realdebrid-api-key']), [DEMO_RECIPIENT]) },
    action: 'await-values',
    keys: { 'realdebrid-api-key': 'missing:demo-placeholder', 'usenet-pass': 'omit:not-supplied' },
    missing: ['MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY'],
    demoKeys: ['realdebrid-api-key'],
  },
  {
    situation: "demo recipient gone, optional value is the demo's placeholder",
    input: { request: plex, rule: rule(ALICE), suppliedKeys: ['token'], previous: previousOf(plex, ['token', 'claim'], opened(plex, ['token', 'claim']), [DEMO_RECIPIENT]) },
    action: 're-encrypt:opened',
    keys: { token: 'supply', claim: 'omit:demo-placeholder' },
    says: ["the optional value(s) claim held the demo's public placeholder", 'MEDIA_STACK_SECRET__PLEX_SECRETS__CLAIM'],
    demoKeys: ['token', 'claim'],
  },
  // refusals
  {
    situation: 'no creation rule matches',
    input: { request: sonarr },
    action: 'refuse',
    keys: {},
    says: ['no creation rule in .sops.yaml matches this path', 'npm run keys -- init'],
  },
  { situation: 'the rule has no recipients', input: { request: sonarr, rule: rule() }, action: 'refuse', keys: {}, says: ['has no age recipients', 'npm run keys -- add <age1…>'] },
  {
    situation: 'the previous file is not a SOPS file',
    input: { request: sonarr, rule: rule(ALICE), previous: { kind: 'unreadable', error: 'no sops metadata' } },
    action: 'refuse',
    keys: {},
    says: ['is not a readable SOPS file (no sops metadata)', 'Restore it from Git'],
  },
  {
    situation: 'the previous file does not decrypt with its recipient’s identity',
    input: { request: sonarr, rule: rule(ALICE), previous: previousOf(sonarr, ['api-key'], { kind: 'undecryptable', matchingRecipients: [ALICE], error: 'MAC mismatch' }) },
    action: 'refuse',
    keys: {},
    says: [`identity for its recipient ${ALICE} is available: MAC mismatch`, 'restore it from Git'],
  },
  {
    situation: 'demo-readable previous file, demo identity missing',
    input: {
      request: sonarr,
      rule: rule(ALICE),
      previous: previousOf(sonarr, ['api-key'], { kind: 'demo-identity-unavailable', error: 'examples/demo.agekey is not found: restore it from Git' }, [DEMO_RECIPIENT]),
    },
    action: 'refuse',
    keys: {},
    says: ['encrypted to the demo recipient', 'restore it from Git'],
  },
];

function actionOf(file: SecretFilePlan): string {
  const a = file.action;
  return a.kind === 'keep' || a.kind === 're-encrypt' ? `${a.kind}:${a.opened ? 'opened' : 'unopened'}` : a.kind;
}

function messagesOf(file: SecretFilePlan): string[] {
  const a = file.action;
  return [...(a.kind === 'refuse' || a.kind === 'needs-identity' ? [a.problem] : []), ...file.warnings];
}

describe('planSecrets', () => {
  it.each(rows)('$situation → $action', (row) => {
    const plan = planSecrets([row.input], { regenerate: row.regenerate ?? false });
    const file = plan.files[0]!;
    expect(actionOf(file)).toBe(row.action);
    expect(Object.fromEntries(file.keys.map((k) => [k.key, 'reason' in k ? `${k.action}:${k.reason}` : k.action]))).toEqual(row.keys);
    expect(file.demoKeys).toEqual(row.demoKeys ?? []);
    expect(plan.missing.map((m) => m.envVar)).toEqual(row.missing ?? []);
    const messages = messagesOf(file);
    for (const fragment of row.says ?? []) expect(messages.join('\n')).toContain(fragment);
    if (!row.says) expect(messages).toEqual([]);
    const changes = file.action.kind === 're-encrypt' ? file.action.changes.join('\n') : '';
    for (const fragment of row.changes ?? []) expect(changes).toContain(fragment);
    // Every message names the file and the Secret.
    for (const m of messages) expect(m).toContain(`${row.input.request.path} (Secret ${row.input.request.namespace}/${row.input.request.name})`);
  });

  it('has a row for every file action and every key action with each of its reasons', () => {
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.action);
      for (const k of Object.values(row.keys)) seen.add(k);
    }
    expect([...seen].sort()).toEqual(
      [
        'create',
        'keep:opened',
        'keep:unopened',
        're-encrypt:opened',
        're-encrypt:unopened',
        'await-values',
        'needs-identity',
        'refuse',
        'supply',
        'carry',
        'generate:new-file',
        'generate:new-key',
        'generate:demo-value',
        'generate:regenerate',
        'omit:not-supplied',
        'omit:demo-placeholder',
        'missing:not-supplied',
        'missing:demo-placeholder',
      ].sort(),
    );
  });

  it('names a missing value by Secret, key, description and environment variable, and says when it replaces the demo placeholder', () => {
    const previous = previousOf(decypharr, ['realdebrid-api-key'], opened(decypharr, ['realdebrid-api-key']), [DEMO_RECIPIENT]);
    const { missing } = planSecrets([
      { request: decypharr, rule: rule(ALICE), previous },
      { request: mixed, rule: rule(ALICE) },
    ]);
    expect(missing).toEqual([
      {
        secret: 'decypharr-secrets',
        namespace: 'media',
        key: 'realdebrid-api-key',
        description: 'Real-Debrid API token from https://real-debrid.com/apitoken',
        envVar: 'MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY',
        path: decypharr.path,
        replacesDemo: true,
      },
      { secret: 'sonarr-secrets', namespace: 'media', key: 'password', description: 'UI password', envVar: 'MEDIA_STACK_SECRET__SONARR_SECRETS__PASSWORD', path: sonarr.path },
    ]);
  });

  it('sees a changed document in an opened file: a non-string value, other metadata, another key order', () => {
    const base = { request: sonarr, rule: rule(ALICE) };
    const outline = outlineOfDocument(secretManifest(sonarr, { 'api-key': 'x' }));
    const withOutline = (o: Record<string, unknown>) => ({
      ...base,
      previous: previousOf(sonarr, ['api-key'], { kind: 'opened', outline: o, publicValueKeys: [], unchangedSuppliedKeys: [] }),
    });
    const nonString = outlineOfDocument({ ...secretManifest(sonarr, {}), stringData: { 'api-key': 12345 } });
    const otherLabels = { ...outline, metadata: { name: sonarr.name, namespace: sonarr.namespace } };
    const { stringData, ...rest } = outline;
    const reordered = { stringData, ...rest };
    const plan = planSecrets([withOutline(outline), withOutline(nonString), withOutline(otherLabels), withOutline(reordered)]);
    expect(plan.files.map(actionOf)).toEqual(['keep:opened', 're-encrypt:opened', 're-encrypt:opened', 're-encrypt:opened']);
  });

  it('keeps values out of an outline: only the shape of stringData and the clear fields remain', () => {
    const outline = outlineOfDocument({ ...secretManifest(sonarr, { 'api-key': 'PLANTED-value-1' }), data: { x: 'PLANTED-value-2' } });
    expect(JSON.stringify(outline)).not.toContain('PLANTED');
    expect(outline.stringData).toEqual({ 'api-key': '' });
  });
});
