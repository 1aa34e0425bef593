import { beforeAll, describe, expect, it } from 'vitest';
import { decryptSops } from 'sops-age';
import { parse as parseYaml } from 'yaml';
import type { SecretRequest } from '../../src/secrets/model.js';
import { generateSecretValue, MissingSecretValuesError, resolveSecrets, SecretsError } from '../../src/secrets/resolve.js';
import { decryptYaml, inspectSopsYaml, parseSopsConfig } from '../../src/sops/index.js';
import { countingRandom, decypharr, errorOf, newKey, Output, plex, sonarr, sopsConfigFor, type Key } from './helpers.js';

let alice: Key;
let bob: Key;
let stranger: Key;
beforeAll(async () => {
  [alice, bob, stranger] = await Promise.all([newKey(), newKey(), newKey()]);
});

const values = { 'decypharr-secrets': { 'realdebrid-api-key': 'rd-token-1' }, 'plex-secrets': { token: 'plex-token-1' } };
const requests = [sonarr, decypharr, plex];

async function plainOf(text: string, key: Key = alice) {
  return (await decryptYaml(text, [key.identity])).plain;
}

describe('a first run without previous files', () => {
  it('creates one encrypted stringData Secret per request, in the documented key order', async () => {
    const out = new Output();
    const res = await out.run({ requests, sopsConfig: sopsConfigFor([alice.recipient]), identities: [], operatorValues: values });
    expect(res.files.map((f) => f.path)).toEqual(requests.map((r) => r.path));
    expect(res.report.map((r) => [r.name, r.status])).toEqual([
      ['sonarr-secrets', 'created'],
      ['decypharr-secrets', 'created'],
      ['plex-secrets', 'created'],
    ]);
    expect(res.warnings).toEqual([]);
    const doc = await plainOf(out.files.get(decypharr.path)!);
    expect(Object.keys(doc)).toEqual(['apiVersion', 'kind', 'metadata', 'type', 'stringData']);
    expect(doc).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'decypharr-secrets', namespace: 'media' },
      type: 'Opaque',
      // the optional usenet-pass was not supplied and is left out
      stringData: { 'realdebrid-api-key': 'rd-token-1' },
    });
    const sonarrDoc = await plainOf(out.files.get(sonarr.path)!);
    expect(sonarrDoc.metadata).toEqual({ name: 'sonarr-secrets', namespace: 'media', labels: { 'app.kubernetes.io/name': 'sonarr' } });
  });

  it('generates 32 lower-case hex characters for a generated key and reports it', async () => {
    const out = new Output();
    const res = await out.run({ requests: [sonarr], sopsConfig: sopsConfigFor([alice.recipient]) });
    expect(res.report[0]).toEqual({ name: 'sonarr-secrets', namespace: 'media', path: sonarr.path, status: 'created', generatedKeys: ['api-key'], demoKeys: [] });
    const doc = await plainOf(out.files.get(sonarr.path)!);
    expect((doc.stringData as Record<string, string>)['api-key']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('encrypts every stringData value and leaves metadata readable', async () => {
    const out = new Output();
    await out.run({ requests: [decypharr], sopsConfig: sopsConfigFor([alice.recipient]), operatorValues: values });
    const text = out.files.get(decypharr.path)!;
    expect(text).not.toContain('rd-token-1');
    const raw = parseYaml(text);
    expect(raw.stringData['realdebrid-api-key']).toMatch(/^ENC\[AES256_GCM,/);
    expect(raw.metadata.name).toBe('decypharr-secrets');
    expect(inspectSopsYaml(text).recipients).toEqual([alice.recipient]);
  });

  it('writes files that an independent SOPS implementation (sops-age) decrypts', async () => {
    const out = new Output();
    await out.run({ requests: [decypharr], sopsConfig: sopsConfigFor([alice.recipient]), operatorValues: values });
    const plain = await decryptSops(out.files.get(decypharr.path)!, { secretKey: alice.identity, fileType: 'yaml' });
    expect(plain.stringData).toEqual({ 'realdebrid-api-key': 'rd-token-1' });
  });

  it('honours the yaml indent of .sops.yaml and the injected time', async () => {
    const cfg = parseSopsConfig(
      `stores:\n  yaml:\n    indent: 2\ncreation_rules:\n  - path_regex: ^clusters/\n    encrypted_regex: ^(data|stringData)$\n    age: ${alice.recipient}\n`,
    );
    const res = await resolveSecrets({ requests: [sonarr], sopsConfig: cfg, now: new Date('2026-01-02T03:04:05Z') });
    expect(res.files[0]!.text).toContain('\nmetadata:\n  name: sonarr-secrets\n');
    expect(inspectSopsYaml(res.files[0]!.text).lastModified).toBe('2026-01-02T03:04:05Z');
  });

  it('uses the injected random source, so generated values are reproducible in tests', async () => {
    const a = await resolveSecrets({ requests: [sonarr], sopsConfig: sopsConfigFor([alice.recipient]), random: countingRandom(0) });
    const doc = await plainOf(a.files[0]!.text);
    expect((doc.stringData as Record<string, string>)['api-key']).toBe('000102030405060708090a0b0c0d0e0f');
  });
});

describe('unchanged inputs', () => {
  it('keep the previous file byte-for-byte without any identity (CI)', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests, sopsConfig: cfg, identities: [alice.identity], operatorValues: values });
    const before = new Map(out.files);
    const res = await out.run({ requests, sopsConfig: cfg, identities: [], operatorValues: {} });
    expect(res.report.map((r) => r.status)).toEqual(['kept', 'kept', 'kept']);
    expect(res.report.every((r) => r.generatedKeys.length === 0)).toBe(true);
    expect(res.warnings).toEqual([]);
    for (const f of res.files) expect(f.text).toBe(before.get(f.path));
  });

  it('keep the previous file byte-for-byte with an identity that opens it, even when the same values are supplied again', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests, sopsConfig: cfg, identities: [alice.identity], operatorValues: values });
    const before = new Map(out.files);
    const res = await out.run({ requests, sopsConfig: cfg, identities: [alice.identity], operatorValues: values });
    expect(res.report.map((r) => r.status)).toEqual(['kept', 'kept', 'kept']);
    for (const f of res.files) expect(f.text).toBe(before.get(f.path));
  });

  it('keep the file when an identity is present that is not a recipient (treated like no identity)', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests, sopsConfig: cfg, operatorValues: values });
    const before = new Map(out.files);
    const res = await out.run({ requests, sopsConfig: cfg, identities: [stranger.identity] });
    expect(res.report.map((r) => r.status)).toEqual(['kept', 'kept', 'kept']);
    for (const f of res.files) expect(f.text).toBe(before.get(f.path));
  });
});

describe('changes', () => {
  it('one changed operator value re-encrypts only the file that carries it', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests, sopsConfig: cfg, identities: [alice.identity], operatorValues: values });
    const before = new Map(out.files);
    const changed = { ...values, 'plex-secrets': { token: 'plex-token-2' } };
    const res = await out.run({ requests, sopsConfig: cfg, identities: [alice.identity], operatorValues: changed });
    expect(res.report.map((r) => [r.name, r.status])).toEqual([
      ['sonarr-secrets', 'kept'],
      ['decypharr-secrets', 'kept'],
      ['plex-secrets', 're-encrypted'],
    ]);
    expect(out.files.get(sonarr.path)).toBe(before.get(sonarr.path));
    expect(out.files.get(decypharr.path)).toBe(before.get(decypharr.path));
    expect(out.files.get(plex.path)).not.toBe(before.get(plex.path));
    expect((await plainOf(out.files.get(plex.path)!)).stringData).toEqual({ token: 'plex-token-2' });
  });

  it('generated values survive every later run, including re-encryptions for other reasons', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    const withPassword: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'password', source: { kind: 'operator', description: 'UI password' } }] };
    await out.run({ requests: [withPassword], sopsConfig: cfg, operatorValues: { 'sonarr-secrets': { password: 'pw-1' } } });
    const first = ((await plainOf(out.files.get(sonarr.path)!)).stringData as Record<string, string>)['api-key'];

    // Kept without identity, then re-encrypted for a new operator value, then re-encrypted for a new recipient.
    await out.run({ requests: [withPassword], sopsConfig: cfg });
    const r2 = await out.run({ requests: [withPassword], sopsConfig: cfg, identities: [alice.identity], operatorValues: { 'sonarr-secrets': { password: 'pw-2' } } });
    expect(r2.report[0]!.status).toBe('re-encrypted');
    expect(r2.report[0]!.generatedKeys).toEqual([]);
    const r3 = await out.run({ requests: [withPassword], sopsConfig: sopsConfigFor([alice.recipient, bob.recipient]), identities: [alice.identity] });
    expect(r3.report[0]!.status).toBe('re-encrypted');
    const finalDoc = await plainOf(out.files.get(sonarr.path)!, bob);
    expect(finalDoc.stringData).toEqual({ 'api-key': first, password: 'pw-2' });
  });

  it('operator values are needed once: later runs carry them over from the previous file', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests: [plex], sopsConfig: cfg, operatorValues: values });
    const before = out.files.get(plex.path);
    const res = await out.run({ requests: [plex], sopsConfig: cfg, identities: [alice.identity], operatorValues: {} });
    expect(res.report[0]!.status).toBe('kept');
    expect(out.files.get(plex.path)).toBe(before);
  });

  it('a new generated key is added with an identity, keeping the existing values', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests: [sonarr], sopsConfig: cfg });
    const first = ((await plainOf(out.files.get(sonarr.path)!)).stringData as Record<string, string>)['api-key'];
    const more: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'session-secret', source: { kind: 'generated', length: 40, alphabet: 'alphanumeric' } }] };
    const res = await out.run({ requests: [more], sopsConfig: cfg, identities: [alice.identity] });
    expect(res.report[0]).toMatchObject({ status: 're-encrypted', generatedKeys: ['session-secret'] });
    const sd = (await plainOf(out.files.get(sonarr.path)!)).stringData as Record<string, string>;
    expect(sd['api-key']).toBe(first);
    expect(sd['session-secret']).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('a changed label re-encrypts with an identity and is refused without one', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests: [sonarr], sopsConfig: cfg });
    const relabelled: SecretRequest = { ...sonarr, labels: { 'app.kubernetes.io/name': 'sonarr-4k' } };
    const err = await errorOf(resolveSecrets({ requests: [relabelled], sopsConfig: cfg, readPrevious: out.readPrevious }));
    expect(err.message).toContain(sonarr.path);
    expect(err.message).toContain('metadata.labels.app.kubernetes.io/name changed');
    const res = await out.run({ requests: [relabelled], sopsConfig: cfg, identities: [alice.identity] });
    expect(res.report[0]!.status).toBe('re-encrypted');
    expect(((await plainOf(out.files.get(sonarr.path)!)).metadata as any).labels).toEqual({ 'app.kubernetes.io/name': 'sonarr-4k' });
  });
});

describe('without an identity', () => {
  it('a change of recipients fails, naming the file, the recipients and the fix', async () => {
    const out = new Output();
    await out.run({ requests: [sonarr, plex], sopsConfig: sopsConfigFor([alice.recipient]), operatorValues: values });
    const err = await errorOf(resolveSecrets({ requests: [sonarr, plex], sopsConfig: sopsConfigFor([alice.recipient, bob.recipient]), readPrevious: out.readPrevious }));
    expect(err).toBeInstanceOf(SecretsError);
    expect(err).not.toBeInstanceOf(MissingSecretValuesError);
    expect(err.message).toContain(sonarr.path);
    expect(err.message).toContain(plex.path);
    expect(err.message).toContain(`added ${bob.recipient}`);
    expect(err.message).toContain('SOPS_AGE_KEY_FILE');
    expect(err.message).toContain('npm run keys -- add');
    expect(err.message).toContain('npm run keys -- remove');
  });

  it('a change of recipients is accepted in any order of the list (compared sorted)', async () => {
    const out = new Output();
    await out.run({ requests: [sonarr], sopsConfig: sopsConfigFor([alice.recipient, bob.recipient]) });
    const res = await out.run({ requests: [sonarr], sopsConfig: sopsConfigFor([bob.recipient, alice.recipient]) });
    expect(res.report[0]!.status).toBe('kept');
  });

  it('a changed encrypted_regex or mac_only_encrypted fails with what changed', async () => {
    const out = new Output();
    await out.run({ requests: [sonarr], sopsConfig: sopsConfigFor([alice.recipient]) });
    const macOnly = sopsConfigFor([alice.recipient], '    mac_only_encrypted: true');
    const err = await errorOf(resolveSecrets({ requests: [sonarr], sopsConfig: macOnly, readPrevious: out.readPrevious }));
    expect(err.message).toContain('mac_only_encrypted changed');
    const otherRegex = parseSopsConfig(`creation_rules:\n  - path_regex: ^clusters/\n    encrypted_regex: ^(stringData)$\n    age: ${alice.recipient}\n`);
    const err2 = await errorOf(resolveSecrets({ requests: [sonarr], sopsConfig: otherRegex, readPrevious: out.readPrevious }));
    expect(err2.message).toContain('encrypted_regex changed');
  });

  it('a new key that needs the previous values fails with the fix', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests: [sonarr], sopsConfig: cfg });
    const more: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'session-secret', source: { kind: 'generated' } }] };
    const err = await errorOf(resolveSecrets({ requests: [more], sopsConfig: cfg, readPrevious: out.readPrevious }));
    expect(err.message).toContain(`${sonarr.path} (Secret media/sonarr-secrets) must be rewritten`);
    expect(err.message).toContain('new generated key(s) session-secret');
    expect(err.message).toContain('api-key exist only in the previous encrypted file');
    expect(err.message).toContain(`SOPS_AGE_KEY_FILE`);
  });

  it('a removed key fails too (it cannot be dropped without decrypting)', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    const two: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'old', source: { kind: 'generated' } }] };
    await out.run({ requests: [two], sopsConfig: cfg });
    const err = await errorOf(resolveSecrets({ requests: [sonarr], sopsConfig: cfg, readPrevious: out.readPrevious }));
    expect(err.message).toContain('key(s) old are no longer requested');
  });

  it('supplied operator values re-encrypt with a warning when every value is known without the previous file', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests: [plex], sopsConfig: cfg, operatorValues: values });
    const before = out.files.get(plex.path);
    const res = await out.run({ requests: [plex], sopsConfig: cfg, operatorValues: { 'plex-secrets': { token: 'plex-token-3' } } });
    expect(res.report[0]!.status).toBe('re-encrypted');
    expect(out.files.get(plex.path)).not.toBe(before);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toContain(plex.path);
    expect(res.warnings[0]).toContain('could not be compared');
    expect((await plainOf(out.files.get(plex.path)!)).stringData).toEqual({ token: 'plex-token-3' });
  });

  it('supplied operator values fail when a generated value would have to be carried over', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    const mixed: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'password', source: { kind: 'operator', description: 'UI password' } }] };
    await out.run({ requests: [mixed], sopsConfig: cfg, operatorValues: { 'sonarr-secrets': { password: 'pw-1' } } });
    const err = await errorOf(resolveSecrets({ requests: [mixed], sopsConfig: cfg, readPrevious: out.readPrevious, operatorValues: { 'sonarr-secrets': { password: 'pw-2' } } }));
    expect(err.message).toContain(sonarr.path);
    expect(err.message).toContain('operator values are supplied for password');
    expect(err.message).toContain('api-key exist only in the previous encrypted file');
    expect(err.message).toContain('SOPS_AGE_KEY_FILE');
  });
});

describe('missing values', () => {
  it('are all listed in one MissingSecretValuesError with descriptions, env var names and the three ways to supply them', async () => {
    const both: SecretRequest = { ...plex, name: 'other-secrets', path: 'clusters/homelab/apps/plex/other/secret.sops.yaml' };
    const err = await errorOf(resolveSecrets({ requests: [sonarr, decypharr, plex, both], sopsConfig: sopsConfigFor([alice.recipient]) }));
    expect(err).toBeInstanceOf(MissingSecretValuesError);
    const missing = (err as unknown as MissingSecretValuesError).missing;
    expect(missing.map((m) => `${m.secret}/${m.key}`)).toEqual(['decypharr-secrets/realdebrid-api-key', 'plex-secrets/token', 'other-secrets/token']);
    for (const name of [
      'MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY',
      'MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN',
      'MEDIA_STACK_SECRET__OTHER_SECRETS__TOKEN',
      'Real-Debrid API token from https://real-debrid.com/apitoken',
      'Plex token (X-Plex-Token) of the server owner',
      'secrets.local.yaml',
      'secrets.sops.yaml',
      'sops secrets.sops.yaml',
      '       decypharr-secrets:\n         realdebrid-api-key: <value>',
    ]) {
      expect(err.message).toContain(name);
    }
    // optional values are not missing
    expect(err.message).not.toContain('usenet-pass');
    expect(err.message).not.toContain('claim');
  });

  it('are listed together with a file that additionally needs an identity', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests: [sonarr], sopsConfig: cfg });
    const more: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'password', source: { kind: 'operator', description: 'UI password' } }] };
    const err = await errorOf(resolveSecrets({ requests: [more, plex], sopsConfig: cfg, readPrevious: out.readPrevious }));
    expect(err).toBeInstanceOf(SecretsError);
    expect(err.message).toContain('missing key(s) password must be added');
    expect(err.message).toContain('MEDIA_STACK_SECRET__SONARR_SECRETS__PASSWORD');
    expect(err.message).toContain('MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN');
  });
});

describe('configuration errors', () => {
  it('a path without a creation rule names the path and the fix', async () => {
    const cfg = parseSopsConfig(`creation_rules:\n  - path_regex: ^other/\n    age: ${alice.recipient}\n`);
    const err = await errorOf(resolveSecrets({ requests: [sonarr], sopsConfig: cfg }));
    expect(err.message).toContain(sonarr.path);
    expect(err.message).toContain('no creation rule in .sops.yaml matches');
    expect(err.message).toContain('npm run keys -- init');
  });

  it('a rule that would leave stringData in clear text is refused', async () => {
    const cfg = parseSopsConfig(`creation_rules:\n  - path_regex: ^clusters/\n    encrypted_regex: ^metadata$\n    age: ${alice.recipient}\n`);
    const err = await errorOf(resolveSecrets({ requests: [decypharr], sopsConfig: cfg, operatorValues: values }));
    expect(err.message).toContain('leaves stringData.realdebrid-api-key unencrypted');
    expect(err.message).not.toContain('rd-token-1');
  });

  it('a previous file that is not SOPS-encrypted is reported, not overwritten', async () => {
    const err = await errorOf(resolveSecrets({ requests: [sonarr], sopsConfig: sopsConfigFor([alice.recipient]), readPrevious: () => 'apiVersion: v1\nkind: Secret\n' }));
    expect(err.message).toContain(`${sonarr.path} (Secret media/sonarr-secrets): the previous file is not a readable SOPS file`);
  });

  it('a previous file that our identity should open but cannot is reported (corrupted or edited by hand)', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([alice.recipient]);
    await out.run({ requests: [plex], sopsConfig: cfg, operatorValues: values });
    const corrupt = out.files.get(plex.path)!.replace(/(token: ENC\[AES256_GCM,data:)([A-Za-z0-9+/=]{4})/, '$1AAAA');
    expect(corrupt).not.toBe(out.files.get(plex.path));
    const err = await errorOf(resolveSecrets({ requests: [plex], sopsConfig: cfg, readPrevious: () => corrupt, identities: [alice.identity] }));
    expect(err.message).toContain(`${plex.path} (Secret plex/plex-secrets): cannot be decrypted although an identity for its recipient ${alice.recipient} is available`);
    expect(err.message).toContain('restore it from Git');
  });

  it('duplicate paths, duplicate keys and invalid key names are rejected up front', async () => {
    const bad: SecretRequest = { ...sonarr, name: 'x', keys: [sonarr.keys[0]!, sonarr.keys[0]!, { key: 'a b', source: { kind: 'generated' } }] };
    const err = await errorOf(resolveSecrets({ requests: [sonarr, bad], sopsConfig: sopsConfigFor([alice.recipient]) }));
    expect(err.message).toContain('is used by two Secrets');
    expect(err.message).toContain('key api-key is declared twice');
    expect(err.message).toContain(`key 'a b' is not a valid Secret key`);
  });
});

describe('generated values', () => {
  it('alphanumeric values use rejection sampling: bytes from 248 up are skipped', () => {
    const bytes = [255, 248, 0, 61, 62, 247];
    let i = 0;
    const v = generateSecretValue({ length: 4, alphabet: 'alphanumeric' }, (n) => Uint8Array.from({ length: n }, () => bytes[i++] ?? 1));
    // 0 → A, 61 → 9, 62 → A (62 % 62), 247 → 247 % 62 = 61 → 9
    expect(v).toBe('A9A9');
  });

  it('hex values of odd length are cut to the length', () => {
    expect(generateSecretValue({ length: 5 }, countingRandom(0xab))).toBe('abacad'.slice(0, 5));
  });
});
