import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptSops } from 'sops-age';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { decryptYaml, encryptYaml, newIdentity, type CreationRule } from '../../src/sops/index.js';
import { ageCliDecrypt, fixture, SECRET_RULE } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sops-interop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The real Go age CLI (see ageCliDecrypt) with an identity written to a temp key file. */
function ageDecrypt(armored: string, identity: string): Buffer {
  const keyFile = join(tmp, `id-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(keyFile, `# test identity\n${identity}\n`, { mode: 0o600 });
  return ageCliDecrypt(armored, keyFile);
}

const plain = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'radarr-secrets', namespace: 'media' },
  type: 'Opaque',
  stringData: { 'api-key': 'f00dfeedf00dfeedf00dfeedf00dfeed', password: 'pa ss: "word"\twith\nnewline', unicode: 'grüße 😀', empty: '' },
};

describe('other implementations read our files', () => {
  it('the Go age CLI decrypts every enc block to the data key', async () => {
    const ids = await Promise.all([newIdentity(), newIdentity(), newIdentity()]);
    const rule: CreationRule = { ...SECRET_RULE, age: ids.map((i) => i.recipient) };
    const text = await encryptYaml(plain, rule);
    const { dataKey } = await decryptYaml(text, [ids[0].identity]);
    const entries = (parseYaml(text) as { sops: { age: { recipient: string; enc: string }[] } }).sops.age;
    expect(entries.map((e) => e.recipient)).toEqual(rule.age);
    entries.forEach((e, i) => {
      const key = ageDecrypt(e.enc, ids[i]!.identity);
      expect(key).toHaveLength(32);
      expect(key.equals(Buffer.from(dataKey))).toBe(true);
    });
  });

  it('the Go age CLI refuses an enc block with an identity it was not wrapped to', async () => {
    const [a, b] = await Promise.all([newIdentity(), newIdentity()]);
    const text = await encryptYaml(plain, { ...SECRET_RULE, age: [a.recipient] });
    const enc = (parseYaml(text) as { sops: { age: { enc: string }[] } }).sops.age[0]!.enc;
    expect(() => ageDecrypt(enc, b.identity)).toThrow(/no identity matched/);
  });

  it('the Go age CLI agrees with us on a real sops file’s data key', async () => {
    const f = fixture('sops-age-yaml');
    const { dataKey } = await decryptYaml(f.text, f.identities);
    const enc = (parseYaml(f.text) as { sops: { age: { enc: string }[] } }).sops.age[0]!.enc;
    expect(ageDecrypt(enc, f.identities[0]!).equals(Buffer.from(dataKey))).toBe(true);
  });

  it('the sops-age npm package decrypts our values', async () => {
    const id = await newIdentity();
    for (const rule of [
      { ...SECRET_RULE, age: [id.recipient] },
      { age: [id.recipient] }, // default rule: everything but *_unencrypted is encrypted
    ] as CreationRule[]) {
      const text = await encryptYaml({ ...plain, count: 3, ratio: 0.5, on: true }, rule);
      const out = (await decryptSops(text, { secretKey: id.identity, fileType: 'yaml' })) as Record<string, unknown>;
      expect(out.stringData).toEqual(plain.stringData);
      expect(out.metadata).toEqual(plain.metadata);
      expect(out.count).toBe(3);
      expect(out.ratio).toBe(0.5);
      expect(out.on).toBe(true);
    }
  });
});
