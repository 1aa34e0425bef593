import { describe, expect, it } from 'vitest';
import { decryptJson, decryptYaml, encryptYaml, newIdentity, SopsError } from '../../src/sops/index.js';
import { fixture, SECRET_RULE } from './helpers.js';

/** Replace the first match of `re` in text, asserting it matched. */
function edit(text: string, re: RegExp, fn: (m: string) => string): string {
  const m = re.exec(text);
  if (!m) throw new Error(`pattern ${re} not found`);
  return text.slice(0, m.index) + fn(m[0]) + text.slice(m.index + m[0].length);
}

/** Flip one bit of the first byte of base64 `data:` after `anchor`. */
function flipData(text: string, anchor: string): string {
  return edit(text, new RegExp(`${anchor}ENC\\[AES256_GCM,data:[^,]+`), (m) => {
    const [head, b64] = m.split('data:') as [string, string];
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] = bytes[0]! ^ 1;
    return `${head}data:${bytes.toString('base64')}`;
  });
}

async function rejection(p: Promise<unknown>): Promise<SopsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SopsError);
    return e as SopsError;
  }
  throw new Error('expected a SopsError, but decryption succeeded');
}

/** Secrets that must never appear in an error: the plaintexts and the data key. */
function expectNoLeak(err: Error, plaintexts: string[], dataKey: Uint8Array) {
  const msg = `${err.message} ${String(err.stack)}`;
  for (const p of plaintexts) expect(msg).not.toContain(p);
  expect(msg).not.toContain(Buffer.from(dataKey).toString('base64'));
  expect(msg.toLowerCase()).not.toContain(Buffer.from(dataKey).toString('hex'));
}

describe('tampered sops files are rejected with a clear error', () => {
  const global = fixture('flux-kc-global-secret'); // sops 3.10.2, stringData.key = "global-value"
  const multi = fixture('sops-age-yaml'); // sops 3.8.1, every value encrypted

  it('the untouched fixtures decrypt (control)', async () => {
    await expect(decryptYaml(global.text, global.identities)).resolves.toBeDefined();
    await expect(decryptYaml(multi.text, multi.identities)).resolves.toBeDefined();
  });

  it('rejects a flipped ciphertext byte, naming the key path but not the value', async () => {
    const { dataKey } = await decryptYaml(global.text, global.identities);
    const err = await rejection(decryptYaml(flipData(global.text, '  key: '), global.identities));
    expect(err.message).toContain('stringData:key:');
    expect(err.message).toMatch(/could not decrypt/i);
    expectNoLeak(err, ['global-value'], dataKey);
  });

  it('rejects an edited MAC', async () => {
    const bad = flipData(global.text, '  mac: ');
    const err = await rejection(decryptYaml(bad, global.identities));
    expect(err.message).toMatch(/Cannot decrypt MAC/);
  });

  it('rejects a MAC copied from another file', async () => {
    const rule = { ...SECRET_RULE, macOnlyEncrypted: false };
    const { identity, recipient } = await newIdentity();
    const a = await encryptYaml({ stringData: { k: 'one' } }, { ...rule, age: [recipient] }, { now: new Date('2025-01-01T00:00:00Z') });
    const macLine = /\n {4}mac: .*\n/;
    const otherText = await encryptYaml({ stringData: { k: 'two' } }, { ...rule, age: [recipient] }, { now: new Date('2025-01-01T00:00:00Z') });
    // Another data key encrypted it: it cannot be decrypted with this file's key.
    const swapped = a.replace(macLine, macLine.exec(otherText)![0]);
    const err = await rejection(decryptYaml(swapped, [identity]));
    expect(err.message).toMatch(/MAC/);
  });

  it('rejects a value moved to another key (the key path is the AAD)', async () => {
    const moved = global.text.replace('  key: ENC[', '  other: ENC[');
    expect(moved).not.toBe(global.text);
    const err = await rejection(decryptYaml(moved, global.identities));
    expect(err.message).toContain('stringData:other:');
    expect(err.message).toMatch(/moved to another key/);
  });

  it('rejects two encrypted values swapped between keys', async () => {
    const lines = multi.text.split('\n');
    const i = lines.findIndex((l) => l.startsWith('secret: '));
    const j = lines.findIndex((l) => l.startsWith('string: '));
    const a = lines[i]!.slice('secret: '.length);
    lines[i] = 'secret: ' + lines[j]!.slice('string: '.length);
    lines[j] = 'string: ' + a;
    const err = await rejection(decryptYaml(lines.join('\n'), multi.identities));
    expect(err.message).toContain('secret:');
    const { dataKey } = await decryptYaml(multi.text, multi.identities);
    expectNoLeak(err, ['this is a secret'], dataKey);
  });

  it('rejects an edited lastmodified (it is the MAC AAD)', async () => {
    const bad = global.text.replace('lastmodified: "2025-07-06T17:19:51Z"', 'lastmodified: "2025-07-06T17:19:52Z"');
    expect(bad).not.toBe(global.text);
    const err = await rejection(decryptYaml(bad, global.identities));
    expect(err.message).toMatch(/Cannot decrypt MAC/);
  });

  it('rejects an invalid lastmodified with a message naming the field', async () => {
    const bad = global.text.replace('lastmodified: "2025-07-06T17:19:51Z"', 'lastmodified: "yesterday"');
    const err = await rejection(decryptYaml(bad, global.identities));
    expect(err.message).toMatch(/lastmodified/);
  });

  it('rejects an edited clear value when the MAC covers all values', async () => {
    const bad = global.text.replace('name: global-age-secret', 'name: evil-secret');
    const err = await rejection(decryptYaml(bad, global.identities));
    expect(err.message).toMatch(/MAC mismatch/);
    expect(err.message).not.toMatch(/[0-9A-F]{128}/); // no digests in the message
  });

  it('rejects re-ordered values (order is part of the MAC)', async () => {
    const lines = multi.text.split('\n');
    const i = lines.findIndex((l) => l.startsWith('secret: '));
    const j = lines.findIndex((l) => l.startsWith('string: '));
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
    const err = await rejection(decryptYaml(lines.join('\n'), multi.identities));
    expect(err.message).toMatch(/MAC mismatch/);
  });

  it('rejects a removed value', async () => {
    const bad = multi.text
      .split('\n')
      .filter((l) => !l.startsWith('string: '))
      .join('\n');
    const err = await rejection(decryptYaml(bad, multi.identities));
    expect(err.message).toMatch(/MAC mismatch/);
  });

  it('rejects a plaintext value in an encrypted path without echoing it', async () => {
    const bad = global.text.replace(/ {2}key: ENC\[[^\n]+/, '  key: hunter2-plaintext');
    const err = await rejection(decryptYaml(bad, global.identities));
    expect(err.message).toContain('stringData:key:');
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects an edited JSON value', async () => {
    const f = fixture('sops-age-json');
    const err = await rejection(decryptJson(flipData(f.text, '"secret": "'), f.identities));
    expect(err.message).toContain('secret:');
  });

  it('rejects a file without a sops block', async () => {
    const err = await rejection(decryptYaml('apiVersion: v1\nkind: Secret\n', global.identities));
    expect(err.message).toMatch(/sops metadata not found/);
  });

  it('with the wrong identity, names the file recipients and the identity tried', async () => {
    const other = await newIdentity();
    const err = await rejection(decryptYaml(global.text, [other.identity]));
    expect(err.message).toContain('age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph');
    expect(err.message).toContain(other.recipient);
    expect(err.message).not.toContain(other.identity);
  });

  it('with no identity at all, says where sops looks for one', async () => {
    const err = await rejection(decryptYaml(global.text, []));
    expect(err.message).toMatch(/SOPS_AGE_KEY_FILE/);
    expect(err.message).toContain('age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph');
  });

  it('our own output: tampering with a value, the MAC or lastmodified is caught; clear metadata is outside a mac_only MAC', async () => {
    const { identity, recipient } = await newIdentity();
    const plain = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app' }, stringData: { password: 'correct horse battery staple' } };
    const text = await encryptYaml(plain, { ...SECRET_RULE, age: [recipient] });
    const { dataKey } = await decryptYaml(text, [identity]);
    for (const bad of [
      flipData(text, '    password: '),
      flipData(text, '    mac: '),
      text.replace(/lastmodified: "(\d{4})/, (_m, y: string) => `lastmodified: "${Number(y) + 1}`),
      text.replace('    password: ENC', '    passw0rd: ENC'),
    ]) {
      expect(bad).not.toBe(text);
      const err = await rejection(decryptYaml(bad, [identity]));
      expectNoLeak(err, ['correct horse battery staple'], dataKey);
    }
    // mac_only_encrypted (the Flux-friendly rule): kustomize may change labels without breaking the MAC.
    const relabelled = text.replace('name: app', 'name: app\n    labels:\n        added: by-kustomize');
    await expect(decryptYaml(relabelled, [identity])).resolves.toMatchObject({ plain: { metadata: { name: 'app', labels: { added: 'by-kustomize' } } } });
  });
});
