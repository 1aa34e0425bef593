import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOperatorValues, OperatorValuesError } from '../../src/secrets/sources.js';
import { secretEnvVarName } from '../../src/secrets/model.js';
import { clearTextValuePaths, defaultSopsConfigText, encryptYaml, findCreationRule, parseSopsConfig } from '../../src/sops/index.js';
import { REPO, SECRET_RULE } from '../sops/helpers.js';
import { decypharr, newKey, plex, sonarr, wholeFileRule, type Key } from './helpers.js';

let alice: Key;
let stranger: Key;
let root: string;
beforeAll(async () => {
  [alice, stranger] = await Promise.all([newKey(), newKey()]);
  root = mkdtempSync(join(tmpdir(), 'secrets-sources-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const requests = [sonarr, decypharr, plex];

function project(files: Record<string, string>): string {
  const d = mkdtempSync(join(root, 'p-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

async function sopsFile(doc: Record<string, unknown>): Promise<string> {
  return encryptYaml(doc, wholeFileRule([alice.recipient]));
}

describe('loadOperatorValues', () => {
  it('returns nothing when no source exists', async () => {
    const res = await loadOperatorValues({ projectDir: project({}), env: {}, identities: [], requests });
    expect(res).toEqual({ values: {}, origins: {}, filesRead: [], warnings: [] });
  });

  it('merges env over secrets.local.yaml over secrets.sops.yaml and names the source of each value', async () => {
    const dir = project({
      'secrets.sops.yaml': await sopsFile({
        'plex-secrets': { token: 'from-sops', claim: 'claim-from-sops' },
        'decypharr-secrets': { 'realdebrid-api-key': 'rd-from-sops', 'usenet-pass': 'pass-from-sops' },
      }),
      'secrets.local.yaml': 'plex-secrets:\n  token: from-local\ndecypharr-secrets:\n  realdebrid-api-key: rd-from-local\n',
    });
    const res = await loadOperatorValues({
      projectDir: dir,
      identities: [alice.identity],
      requests,
      env: { MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY: 'rd-from-env' },
    });
    expect(res.values).toEqual({
      'plex-secrets': { token: 'from-local', claim: 'claim-from-sops' },
      'decypharr-secrets': { 'realdebrid-api-key': 'rd-from-env', 'usenet-pass': 'pass-from-sops' },
    });
    expect(res.origins).toEqual({
      'plex-secrets': { token: 'secrets.local.yaml', claim: 'secrets.sops.yaml' },
      'decypharr-secrets': { 'realdebrid-api-key': 'env MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY', 'usenet-pass': 'secrets.sops.yaml' },
    });
    expect(res.filesRead).toEqual(['secrets.sops.yaml', 'secrets.local.yaml']);
    expect(res.warnings).toEqual([]);
  });

  it('reads env vars of the requested Secrets and keys, and ignores empty ones (an unrequested one too)', async () => {
    const res = await loadOperatorValues({
      projectDir: project({}),
      identities: [],
      requests,
      env: {
        MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN: 'tok',
        MEDIA_STACK_SECRET__PLEX_SECRETS__CLAIM: '',
        MEDIA_STACK_SECRET__UNKNOWN__KEY: '',
        MEDIA_STACK_SECRET_PLEX: 'not our prefix (one underscore)',
        MEDIA_STACK_SECRET__SONARR_SECRETS__API_KEY: 'override-of-a-generated-key',
      },
    });
    expect(res.values).toEqual({ 'plex-secrets': { token: 'tok' }, 'sonarr-secrets': { 'api-key': 'override-of-a-generated-key' } });
  });

  it('refuses env vars no Secret requests, with the closest requested name (names only)', async () => {
    const env = {
      MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN: 'tok-fine',
      MEDIA_STACK_SECRET__PLEX_SECRETS__TOKN: 'oops-1',
      MEDIA_STACK_SECRET__PLEX_SECRET__TOKEN: 'oops-2',
      MEDIA_STACK_SECRET__SOMETHING_ELSE_ENTIRELY__XYZZY: 'oops-3',
    };
    const err = await loadOperatorValues({ projectDir: project({}), env, identities: [], requests }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperatorValuesError);
    const msg = (err as Error).message;
    expect(msg).toContain('(3 problems)');
    expect(msg).toContain('env MEDIA_STACK_SECRET__PLEX_SECRETS__TOKN is not a value this config requests; did you mean MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN?');
    expect(msg).toContain('env MEDIA_STACK_SECRET__PLEX_SECRET__TOKEN is not a value this config requests; did you mean MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN?');
    expect(msg).toContain('env MEDIA_STACK_SECRET__SOMETHING_ELSE_ENTIRELY__XYZZY is not a value this config requests Fix the name, or unset it');
    expect(msg).not.toMatch(/oops|tok-fine/);
  });

  it('honours other file names, relative or absolute', async () => {
    const dir = project({ 'mine.yaml': 'plex-secrets:\n  token: t\n' });
    const rel = await loadOperatorValues({ projectDir: dir, env: {}, identities: [], requests, localFile: 'mine.yaml' });
    expect(rel.values).toEqual({ 'plex-secrets': { token: 't' } });
    const abs = await loadOperatorValues({ projectDir: root, env: {}, identities: [], requests, localFile: join(dir, 'mine.yaml') });
    expect(abs.origins).toEqual({ 'plex-secrets': { token: join(dir, 'mine.yaml') } });
  });

  it('refuses entries no Secret requests, with the closest requested name (names only)', async () => {
    const dir = project({ 'secrets.local.yaml': 'plex-secrets:\n  tokn: oops-1\nplx-secrets:\n  token: oops-2\nsomething-else:\n  x: oops-3\n' });
    const err = await loadOperatorValues({ projectDir: dir, env: {}, identities: [], requests }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperatorValuesError);
    const msg = (err as Error).message;
    expect(msg).toContain('secrets.local.yaml: plex-secrets/tokn is not a key of the Secret plex-secrets this config requests; did you mean plex-secrets/token?');
    expect(msg).toContain('secrets.local.yaml: plx-secrets/token is not a Secret this config requests; did you mean plex-secrets/token?');
    expect(msg).toContain('secrets.local.yaml: something-else/x is not a Secret this config requests Fix the name');
    expect(msg).not.toMatch(/oops/);
  });

  it('refuses a value of only whitespace, from a file or the environment, without echoing it', async () => {
    const dir = project({ 'secrets.local.yaml': 'plex-secrets:\n  token: "   "\n' });
    const env = { [secretEnvVarName('decypharr-secrets', 'realdebrid-api-key')]: '\t \n' };
    const err = await loadOperatorValues({ projectDir: dir, env, identities: [], requests }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('secrets.local.yaml: plex-secrets/token is only whitespace');
    expect((err as Error).message).toContain('env MEDIA_STACK_SECRET__DECYPHARR_SECRETS__REALDEBRID_API_KEY: decypharr-secrets/realdebrid-api-key is only whitespace');
  });

  it('treats an empty file and empty entries as nothing supplied', async () => {
    const dir = project({ 'secrets.local.yaml': '# nothing yet\n' });
    expect((await loadOperatorValues({ projectDir: dir, env: {}, identities: [], requests })).values).toEqual({});
    const dir2 = project({ 'secrets.local.yaml': 'plex-secrets:\n  token:\n  claim: ""\ndecypharr-secrets:\n' });
    expect((await loadOperatorValues({ projectDir: dir2, env: {}, identities: [], requests })).values).toEqual({});
  });

  it.each([
    ['- a\n- b\n', 'secrets.local.yaml: the top level must be a mapping of Secret names to mappings of keys to values, got a list.'],
    ['plex-secrets: abc\n', "secrets.local.yaml: 'plex-secrets' must be a mapping of keys to values, got a string."],
    ['plex-secrets:\n  token: 123456789\n', "secrets.local.yaml: 'plex-secrets.token' must be a string, got a number (put the value in quotes)."],
    ['plex-secrets:\n  token: true\n', "secrets.local.yaml: 'plex-secrets.token' must be a string, got a boolean (put the value in quotes)."],
    ['plex-secrets:\n  token:\n    nested: x\n', "secrets.local.yaml: 'plex-secrets.token' must be a string, got a mapping."],
    ['plex-secrets:\n  token: "unterminated\n', 'secrets.local.yaml: invalid YAML at line 3, column 1 (MISSING_CHAR).'],
  ])('rejects a malformed local file with the file and the offending path: %j', async (text, message) => {
    const dir = project({ 'secrets.local.yaml': text });
    const err = await loadOperatorValues({ projectDir: dir, env: {}, identities: [], requests }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperatorValuesError);
    expect((err as Error).message).toBe(message);
  });

  it('rejects a malformed decrypted sops file the same way', async () => {
    const dir = project({ 'secrets.sops.yaml': await sopsFile({ 'plex-secrets': { token: 42 } }) });
    const err = await loadOperatorValues({ projectDir: dir, env: {}, identities: [alice.identity], requests }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("secrets.sops.yaml: 'plex-secrets.token' must be a string, got a number (put the value in quotes).");
  });

  it('fails clearly when identities exist but none opens secrets.sops.yaml', async () => {
    const dir = project({ 'secrets.sops.yaml': await sopsFile({ 'plex-secrets': { token: 'x' } }) });
    const err = await loadOperatorValues({ projectDir: dir, env: {}, identities: [stranger.identity], requests }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperatorValuesError);
    expect((err as Error).message).toMatch(
      /^secrets\.sops\.yaml cannot be decrypted with the 1 available age identity \(.*\)\. Set SOPS_AGE_KEY_FILE to an identity that is one of its recipients/,
    );
  });

  it('skips secrets.sops.yaml with a warning when there is no identity at all (CI)', async () => {
    const dir = project({ 'secrets.sops.yaml': await sopsFile({ 'plex-secrets': { token: 'x' } }) });
    const res = await loadOperatorValues({ projectDir: dir, env: {}, identities: [], requests });
    expect(res.values).toEqual({});
    expect(res.filesRead).toEqual([]);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toContain('secrets.sops.yaml exists but no age identity is available');
  });

  it('refuses a secrets.sops.yaml whose values are in clear text under a valid sops block, with and without identities', async () => {
    // What sops writes when the output's rule (encrypted_regex ^(data|stringData)$) matches the file.
    const text = await encryptYaml(
      { 'plex-secrets': { token: 'plain-token-4711' }, 'decypharr-secrets': { 'realdebrid-api-key': 'plain-rd-4711' } },
      { ...SECRET_RULE, age: [alice.recipient] },
    );
    expect(text).toContain('plain-token-4711'); // the premise: sops left it in clear text
    const dir = project({ 'secrets.sops.yaml': text });
    for (const identities of [[alice.identity], []]) {
      const err = await loadOperatorValues({ projectDir: dir, env: {}, identities, requests }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperatorValuesError);
      const msg = (err as Error).message;
      expect(msg).toContain('secrets.sops.yaml has a sops block, but 2 value(s) are not encrypted (plex-secrets.token, decypharr-secrets.realdebrid-api-key)');
      expect(msg).toContain('path_regex: (^|/)secrets\\.sops\\.ya?ml$');
      expect(msg).toContain('sops decrypt -i secrets.sops.yaml && sops encrypt -i secrets.sops.yaml');
      expect(msg).not.toContain('plain-token-4711');
      expect(msg).not.toContain('plain-rd-4711');
    }
  });

  it('the .sops.yaml of the repository and of `keys init` route secrets.sops.yaml to a rule that encrypts every value', async () => {
    for (const cfgText of [readFileSync(join(REPO, '.sops.yaml'), 'utf8'), defaultSopsConfigText([alice.recipient])]) {
      const rule = findCreationRule(parseSopsConfig(cfgText), 'secrets.sops.yaml')!;
      const text = await encryptYaml({ 'plex-secrets': { token: 'plain-token-4711' } }, { ...rule, age: [alice.recipient] });
      expect(clearTextValuePaths(text)).toEqual([]);
      const res = await loadOperatorValues({ projectDir: project({ 'secrets.sops.yaml': text }), env: {}, identities: [alice.identity], requests });
      expect(res.values).toEqual({ 'plex-secrets': { token: 'plain-token-4711' } });
      // the Secrets of the output still get the data/stringData rule
      expect(findCreationRule(parseSopsConfig(cfgText), 'clusters/homelab/apps/media/sonarr/secret.sops.yaml')!.encryptedRegex).toBe('^(data|stringData)$');
    }
  });

  it('refuses a secrets.sops.yaml that is no SOPS file at all', async () => {
    const dir = project({ 'secrets.sops.yaml': 'plex-secrets:\n  token: plain-token-4711\n' });
    const err = await loadOperatorValues({ projectDir: dir, env: {}, identities: [], requests }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^secrets\.sops\.yaml is not a SOPS file \(.*\): encrypt it with `sops encrypt -i secrets\.sops\.yaml`/);
    expect((err as Error).message).not.toContain('plain-token-4711');
  });

  it('refuses a SOPS-encrypted secrets.local.yaml (it is the plaintext file)', async () => {
    const dir = project({ 'secrets.local.yaml': await sopsFile({ 'plex-secrets': { token: 'x' } }) });
    const err = await loadOperatorValues({ projectDir: dir, env: {}, identities: [], requests }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('secrets.local.yaml is SOPS-encrypted');
  });
});
