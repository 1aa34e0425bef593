/**
 * Leaving the demo: no value that is public through the committed demo identity is carried into
 * an output that no longer encrypts to the demo recipient (issue 9 §1).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoOutputFingerprints } from '../../scripts/demo-fingerprints.js';
import { DEMO_VALUE_FINGERPRINTS } from '../../src/secrets/demo-fingerprints.js';
import { isDemoValue } from '../../src/secrets/demo-values.js';
import { resolveConfig } from '../../src/stack-config.js';
import { renderSecrets } from '../../src/output/secrets.js';
import { MissingSecretValuesError } from '../../src/secrets/resolve.js';
import { DEMO_RECIPIENT, decryptYaml, demoIdentity, encryptYaml, inspectSopsYaml, withoutDemoNote } from '../../src/sops/index.js';
import { REPO, SECRET_RULE } from '../sops/helpers.js';
import { decypharr, errorOf, newKey, Output, plex, sonarr, sopsConfigFor, type Key } from './helpers.js';

let mine: Key;
let demoId: string;
beforeAll(async () => {
  mine = await newKey();
  demoId = await demoIdentity();
});

const stringDataOf = async (text: string, ids: string[]) => (await decryptYaml(text, ids)).plain.stringData as Record<string, string>;

/** A demo output of the three test Secrets: encrypted to the demo recipient only. */
async function demoOutput(): Promise<Output> {
  const out = new Output();
  await out.run({
    requests: [sonarr, decypharr, plex],
    sopsConfig: sopsConfigFor([DEMO_RECIPIENT]),
    operatorValues: {
      'decypharr-secrets': { 'realdebrid-api-key': 'demo-rd-placeholder', 'usenet-pass': 'demo-usenet-placeholder' },
      'plex-secrets': { token: 'demo-plex-placeholder' },
    },
  });
  return out;
}

/** Every value of the committed demo output (dist/), decrypted with the committed demo identity. */
async function committedDemoValues(): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const app of ['sonarr', 'radarr', 'prowlarr', 'decypharr', 'plex']) {
    const path = `clusters/homelab/apps/media/${app}/app/secret.sops.yaml`;
    out.set(path, await stringDataOf(readFileSync(join(REPO, 'dist', path), 'utf8'), [demoId]));
  }
  return out;
}

describe('a previous file readable with the demo key, once the demo recipient is gone', () => {
  it('keeps carrying values while the rule still encrypts to the demo recipient', async () => {
    const out = await demoOutput();
    const before = new Map(out.files);
    const res = await out.run({ requests: [sonarr, decypharr, plex], sopsConfig: sopsConfigFor([DEMO_RECIPIENT]), identities: [demoId] });
    expect(res.report.map((r) => r.status)).toEqual(['kept', 'kept', 'kept']);
    expect(out.files).toEqual(before);
  });

  it('generates every generated value anew and names it in the report, without any identity supplied', async () => {
    const out = await demoOutput();
    const demoKey = (await stringDataOf(out.files.get(sonarr.path)!, [demoId]))['api-key']!;
    const res = await out.run({ requests: [sonarr], sopsConfig: sopsConfigFor([mine.recipient]), identities: [] });
    expect(res.report[0]).toMatchObject({ status: 're-encrypted', generatedKeys: ['api-key'], demoKeys: ['api-key'] });
    const text = out.files.get(sonarr.path)!;
    expect(inspectSopsYaml(text).recipients).toEqual([mine.recipient]);
    const now = (await stringDataOf(text, [mine.identity]))['api-key']!;
    expect(now).toMatch(/^[0-9a-f]{32}$/);
    expect(now).not.toBe(demoKey);
    expect(JSON.stringify(res)).not.toContain(demoKey);
  });

  it('asks for every required operator value instead of carrying the placeholder, and leaves optional ones out with a warning', async () => {
    const out = await demoOutput();
    const err = await errorOf(out.run({ requests: [decypharr, plex], sopsConfig: sopsConfigFor([mine.recipient]), identities: [mine.identity] }));
    expect(err).toBeInstanceOf(MissingSecretValuesError);
    const missing = (err as unknown as MissingSecretValuesError).missing;
    expect(missing.map((m) => `${m.secret}/${m.key}`)).toEqual(['decypharr-secrets/realdebrid-api-key', 'plex-secrets/token']);
    expect(missing.every((m) => m.replacesDemo)).toBe(true);
    expect(err.message).toContain("the previous value is the demo's placeholder (public through examples/demo.agekey)");
    expect(err.message).toContain('MEDIA_STACK_SECRET__PLEX_SECRETS__TOKEN');
    for (const v of ['demo-rd-placeholder', 'demo-usenet-placeholder', 'demo-plex-placeholder']) expect(err.message).not.toContain(v);

    const res = await out.run({
      requests: [decypharr, plex],
      sopsConfig: sopsConfigFor([mine.recipient]),
      identities: [mine.identity],
      operatorValues: { 'decypharr-secrets': { 'realdebrid-api-key': 'my-rd-token' }, 'plex-secrets': { token: 'my-plex-token' } },
    });
    expect(res.report.map((r) => r.demoKeys)).toEqual([['realdebrid-api-key', 'usenet-pass'], ['token']]);
    expect(await stringDataOf(out.files.get(decypharr.path)!, [mine.identity])).toEqual({ 'realdebrid-api-key': 'my-rd-token' });
    expect(res.warnings.join('\n')).toMatch(
      /optional value\(s\) usenet-pass held the demo's public placeholder and are left out.*MEDIA_STACK_SECRET__DECYPHARR_SECRETS__USENET_PASS/,
    );
    expect(res.warnings.join('\n')).not.toContain('demo-usenet-placeholder');
  });
});

describe('a value the committed demo output held, in a file no longer encrypted to the demo key', () => {
  it('lists every value of dist/ among the fingerprints (regenerate them with scripts/demo-fingerprints.ts)', async () => {
    const current = await demoOutputFingerprints(join(REPO, 'dist'));
    expect(current.size).toBeGreaterThan(4);
    for (const f of current) expect(DEMO_VALUE_FINGERPRINTS).toContain(f);
    for (const values of (await committedDemoValues()).values()) for (const v of Object.values(values)) expect(isDemoValue(v)).toBe(true);
    expect(isDemoValue('0123456789abcdef0123456789abcdef')).toBe(false);
  });

  it('is generated anew (or asked for) although the file was re-encrypted to a real key', async () => {
    // What `keys remove <demo>` (or `sops updatekeys`) leaves: the demo values, encrypted to mine only.
    const demo = await committedDemoValues();
    const sonarrDemo = demo.get(sonarr.path)!;
    const debridDemo = demo.get(decypharr.path)!;
    const out = new Output();
    const rule = { ...SECRET_RULE, age: [mine.recipient] };
    const secret = (name: string, stringData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'media' }, type: 'Opaque', stringData });
    out.files.set(
      sonarr.path,
      await encryptYaml({ ...secret('sonarr-secrets', sonarrDemo), metadata: { name: 'sonarr-secrets', namespace: 'media', labels: sonarr.labels } }, rule),
    );
    const debridReq = { ...decypharr, keys: decypharr.keys.filter((k) => k.key === 'realdebrid-api-key') };
    out.files.set(decypharr.path, await encryptYaml(secret('decypharr-secrets', { 'realdebrid-api-key': debridDemo['realdebrid-api-key']! }), rule));

    const err = await errorOf(out.run({ requests: [sonarr, debridReq], sopsConfig: sopsConfigFor([mine.recipient]), identities: [mine.identity] }));
    expect((err as unknown as MissingSecretValuesError).missing.map((m) => [m.key, m.replacesDemo])).toEqual([['realdebrid-api-key', true]]);
    const res = await out.run({
      requests: [sonarr, debridReq],
      sopsConfig: sopsConfigFor([mine.recipient]),
      identities: [mine.identity],
      operatorValues: { 'decypharr-secrets': { 'realdebrid-api-key': 'my-rd-token' } },
    });
    expect(res.report.map((r) => [r.status, r.demoKeys])).toEqual([
      ['re-encrypted', ['api-key']],
      ['re-encrypted', ['realdebrid-api-key']],
    ]);
    const key = (await stringDataOf(out.files.get(sonarr.path)!, [mine.identity]))['api-key']!;
    expect(key).not.toBe(sonarrDemo['api-key']);
    expect(isDemoValue(key)).toBe(false);
  });

  it('carries a value of a real deployment as before', async () => {
    const out = new Output();
    await out.run({ requests: [sonarr], sopsConfig: sopsConfigFor([mine.recipient]) });
    const before = out.files.get(sonarr.path);
    const res = await out.run({ requests: [sonarr], sopsConfig: sopsConfigFor([mine.recipient]), identities: [mine.identity] });
    expect(res.report[0]).toMatchObject({ status: 'kept', demoKeys: [] });
    expect(out.files.get(sonarr.path)).toBe(before);
  });
});

describe('regenerate (after a leak)', () => {
  it('generates every generated value anew and carries operator values', async () => {
    const out = new Output();
    const cfg = sopsConfigFor([mine.recipient]);
    await out.run({ requests: [sonarr, plex], sopsConfig: cfg, operatorValues: { 'plex-secrets': { token: 'my-plex-token' } } });
    const old = (await stringDataOf(out.files.get(sonarr.path)!, [mine.identity]))['api-key'];
    const res = await out.run({ requests: [sonarr, plex], sopsConfig: cfg, identities: [mine.identity], regenerate: true });
    expect(res.report.map((r) => [r.name, r.status, r.generatedKeys])).toEqual([
      ['sonarr-secrets', 're-encrypted', ['api-key']],
      ['plex-secrets', 'kept', []],
    ]);
    expect((await stringDataOf(out.files.get(sonarr.path)!, [mine.identity]))['api-key']).not.toBe(old);
    expect(await stringDataOf(out.files.get(plex.path)!, [mine.identity])).toEqual({ token: 'my-plex-token' });
  });
});

describe('the synth warnings once the demo recipient is gone', () => {
  it('never call a real key the DEMO key, and flag a hand-edited .sops.yaml whose header still does', async () => {
    const committed = readFileSync(join(REPO, '.sops.yaml'), 'utf8');
    const handEdited = committed.replaceAll(DEMO_RECIPIENT, mine.recipient);
    const keysWritten = withoutDemoNote(handEdited);
    const warningsFor = async (sopsYaml: string) => {
      const projectDir = mkdtempSync(join(tmpdir(), 'demo-warn-'));
      writeFileSync(join(projectDir, '.sops.yaml'), sopsYaml);
      const res = await renderSecrets(resolveConfig({}), [sonarr], { projectDir, env: { HOME: projectDir, SOPS_AGE_KEY: mine.identity }, clusterRoot: 'clusters/homelab' });
      return res.warnings.join('\n');
    };
    expect(await warningsFor(committed)).toMatch(/still encrypts to the DEMO recipient/);
    const edited = await warningsFor(handEdited);
    expect(edited).not.toMatch(/DEMO/);
    expect(edited).toMatch(/no longer names the demo recipient, but its header comment still says it does/);
    expect(keysWritten).not.toMatch(/demo/i);
    expect(await warningsFor(keysWritten)).toBe('');
  });
});
