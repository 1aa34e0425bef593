import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecretRequest } from '../../src/secrets/model.js';
import type { SecretPlan, SecretPlanInput } from '../../src/secrets/plan.js';
import { resolveSecrets, type ResolvedSecrets } from '../../src/secrets/resolve.js';
import { loadOperatorValues } from '../../src/secrets/sources.js';
import { decryptYaml, encryptYaml, parseSopsConfig } from '../../src/sops/index.js';
import { decypharr, newKey, Output, plex, sonarr, sopsConfigFor, wholeFileRule, type Key } from './helpers.js';

/**
 * Plants distinctive values, drives every path that produces text (report, warnings, each kind of
 * error, the sources loader) and scans all of it for the values.
 */
const PLANTED = {
  rd: 'PLANTED-realdebrid-9c1f4e',
  plex1: 'PLANTED-plextoken-a7d203',
  plex2: 'PLANTED-plextoken-b81e55',
  pw1: 'PLANTED-password-0d9b61',
  pw2: 'PLANTED-password-e3c47a',
  sopsFile: 'PLANTED-from-sops-file-51aa',
  local: 'PLANTED-from-local-file-77c0',
  env: 'PLANTED-from-env-3b2d',
};

let alice: Key;
let bob: Key;
let stranger: Key;
const produced: string[] = [];
const generated: string[] = [];
let dir: string;

beforeAll(async () => {
  [alice, bob, stranger] = await Promise.all([newKey(), newKey(), newKey()]);
  dir = mkdtempSync(join(tmpdir(), 'secrets-plain-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The plan and its facts of every run: they must hold no value either. */
const onPlan = (plan: SecretPlan, inputs: readonly SecretPlanInput[]) => void produced.push(JSON.stringify(plan), JSON.stringify(inputs));

function collect(res: ResolvedSecrets): void {
  produced.push(JSON.stringify(res.report), ...res.warnings);
}

async function collectError(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & Record<string, unknown>;
    produced.push(String(e), e.message, e.stack ?? '', JSON.stringify(Object.fromEntries(Object.entries(e))));
    return;
  }
  throw new Error('expected the call to throw');
}

const mixed: SecretRequest = { ...sonarr, keys: [...sonarr.keys, { key: 'password', source: { kind: 'operator', description: 'UI password' } }] };

describe('plaintext values', () => {
  it('never appear in the plan, its facts, the report, warnings or any error of resolveSecrets', async () => {
    const cfg = sopsConfigFor([alice.recipient]);
    const out = new Output();
    const values = { 'decypharr-secrets': { 'realdebrid-api-key': PLANTED.rd }, 'plex-secrets': { token: PLANTED.plex1 }, 'sonarr-secrets': { password: PLANTED.pw1 } };
    collect(await out.run({ onPlan, requests: [mixed, decypharr, plex], sopsConfig: cfg, operatorValues: values }));
    const api = ((await decryptYaml(out.files.get(sonarr.path)!, [alice.identity])).plain.stringData as Record<string, string>)['api-key']!;
    generated.push(api);

    // kept (no identity), kept and re-encrypted (identity)
    collect(await out.run({ onPlan, requests: [mixed, decypharr, plex], sopsConfig: cfg }));
    collect(
      await out.run({ onPlan, requests: [mixed, decypharr, plex], sopsConfig: cfg, identities: [alice.identity], operatorValues: { 'sonarr-secrets': { password: PLANTED.pw2 } } }),
    );
    // re-encrypted without identity, with the "could not compare" warning
    const warned = await out.run({ onPlan, requests: [plex], sopsConfig: cfg, operatorValues: { 'plex-secrets': { token: PLANTED.plex2 } } });
    expect(warned.warnings).toHaveLength(1);
    collect(warned);

    // carry-over refused without identity, with operator values supplied
    await collectError(
      resolveSecrets({ onPlan, requests: [mixed], sopsConfig: cfg, readPrevious: out.readPrevious, operatorValues: { 'sonarr-secrets': { password: PLANTED.pw1 } } }),
    );
    // recipients changed without identity / with a stranger's identity
    await collectError(
      resolveSecrets({
        onPlan,
        requests: [mixed, decypharr, plex],
        sopsConfig: sopsConfigFor([alice.recipient, bob.recipient]),
        readPrevious: out.readPrevious,
        identities: [stranger.identity],
        operatorValues: values,
      }),
    );
    // missing values (all requests, nothing supplied, no previous files)
    await collectError(resolveSecrets({ onPlan, requests: [mixed, decypharr, plex], sopsConfig: cfg, operatorValues: { 'sonarr-secrets': { password: PLANTED.pw1 } } }));
    // a rule that would leave values in clear text
    const clear = parseSopsConfig(`creation_rules:\n  - path_regex: ^clusters/\n    encrypted_regex: ^metadata$\n    age: ${alice.recipient}\n`);
    await collectError(resolveSecrets({ onPlan, requests: [decypharr], sopsConfig: clear, operatorValues: values }));
    // a corrupted previous file our identity should open
    const corrupt = out.files.get(plex.path)!.replace(/(token: ENC\[AES256_GCM,data:)([A-Za-z0-9+/=]{4})/, '$1AAAA');
    await collectError(resolveSecrets({ onPlan, requests: [plex], sopsConfig: cfg, readPrevious: () => corrupt, identities: [alice.identity] }));

    expect(produced.length).toBeGreaterThan(10);
    const all = produced.join('\n');
    for (const v of [PLANTED.rd, PLANTED.plex1, PLANTED.plex2, PLANTED.pw1, PLANTED.pw2, ...generated]) expect(all).not.toContain(v);
    // and not in the encrypted files either
    for (const text of out.files.values()) for (const v of Object.values(PLANTED)) expect(text).not.toContain(v);
  });

  it('never appear in the errors and warnings of the sources loader', async () => {
    const requests = [sonarr, decypharr, plex];
    const texts: string[] = [];
    const attempt = async (files: Record<string, string>, identities: string[], env: NodeJS.ProcessEnv = {}) => {
      const d = mkdtempSync(join(dir, 'src-'));
      for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
      try {
        const res = await loadOperatorValues({ projectDir: d, env, identities, requests });
        texts.push(...res.warnings, JSON.stringify(res.origins), JSON.stringify(res.filesRead));
      } catch (err) {
        const e = err as Error;
        texts.push(String(e), e.stack ?? '');
      }
    };
    const encrypted = await encryptYaml({ 'plex-secrets': { token: PLANTED.sopsFile } }, wholeFileRule([alice.recipient]));
    await attempt({ 'secrets.local.yaml': `plex-secrets:\n  token: [${PLANTED.local}]\n` }, []); // wrong shape
    await attempt({ 'secrets.local.yaml': `plex-secrets:\n  token: "${PLANTED.local}\n  x: 'unclosed` }, []); // invalid YAML
    await attempt({ 'secrets.local.yaml': `plex-secrets:\n  token: ${PLANTED.local}\n  token: ${PLANTED.local}-2\n` }, []); // duplicate key
    await attempt({ 'secrets.local.yaml': `plex-secrets:\n  tokn: ${PLANTED.local}\n` }, []); // unknown key → warning
    await attempt({ 'secrets.sops.yaml': encrypted }, [stranger.identity]); // no identity opens it
    await attempt({ 'secrets.sops.yaml': encrypted }, []); // no identity at all
    await attempt({ 'secrets.sops.yaml': encrypted, 'secrets.local.yaml': `plex-secrets:\n  token: ${PLANTED.local}\n` }, [alice.identity], {
      MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN: PLANTED.env,
    });
    expect(texts.length).toBeGreaterThan(6);
    const all = texts.join('\n');
    for (const v of [PLANTED.sopsFile, PLANTED.local, PLANTED.env]) expect(all).not.toContain(v);
  });
});
