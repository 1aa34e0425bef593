import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_RECIPIENT, decryptYaml, encryptYaml, inspectSopsYaml, newIdentity, recipientOf, rewrapYaml } from '../../src/sops/index.js';
import { DEMO_KEY_FILE, demoIdentities, fixture, SECRET_RULE } from './helpers.js';

const stripAge = (t: string) => t.replace(/\n( +)age:\n(?:\1 +.*\n)+/, '\n<age>\n');

describe('rewrapYaml (sops updatekeys)', () => {
  it('re-wraps the same data key to exactly the new recipients, leaving values, MAC and lastmodified untouched', async () => {
    const [a, b, c] = await Promise.all([newIdentity(), newIdentity(), newIdentity()]);
    const text = await encryptYaml({ kind: 'Secret', metadata: { name: 'x' }, stringData: { k: 'v1', j: 'v2' } }, { ...SECRET_RULE, age: [a.recipient] });
    const before = await decryptYaml(text, [a.identity]);
    const out = await rewrapYaml(text, [a.identity], [b.recipient, c.recipient]);
    expect(inspectSopsYaml(out).recipients).toEqual([b.recipient, c.recipient]);
    await expect(decryptYaml(out, [a.identity])).rejects.toThrow(/none of the 1 age identity/);
    for (const id of [b, c]) {
      const after = await decryptYaml(out, [id.identity]);
      expect(after.plain).toEqual(before.plain);
      expect(Buffer.from(after.dataKey).equals(Buffer.from(before.dataKey))).toBe(true);
    }
    expect(stripAge(out)).toBe(stripAge(text));
  });

  it('keeps the layout of a real sops 3.9 file (indent 2, empty key lists) and its MAC still verifies', async () => {
    const f = fixture('flux-kc-algorithms-age');
    const n = await newIdentity();
    const out = await rewrapYaml(f.text, f.identities, [n.recipient]);
    expect(stripAge(out)).toBe(stripAge(f.text));
    expect((await decryptYaml(out, [n.identity])).plain).toEqual(f.expected);
  });

  it('re-writes clear floats and timestamps the way yaml.v3 does (1.0 → 1) without changing what the MAC covers', async () => {
    const [a, b] = await Promise.all([newIdentity(), newIdentity()]);
    const text = await encryptYaml({ metadata: { name: 'x' }, stringData: { k: 'v' } }, { ...SECRET_RULE, age: [a.recipient] });
    const edited = text.replace('    name: x\n', '    name: x\n    ratio: 1.0\n    zero: -0.0\n    when: 2024-01-01\n');
    const out = await rewrapYaml(edited, [a.identity], [b.recipient]);
    expect(out).toContain('    ratio: 1\n    zero: -0.0\n    when: 2024-01-01T00:00:00Z\n');
    expect((await decryptYaml(out, [b.identity])).plain).toMatchObject({ metadata: { ratio: 1, zero: -0 }, stringData: { k: 'v' } });
  });

  it('refuses without an identity that opens the file, for tampered files and for bad recipients', async () => {
    const f = fixture('flux-kc-global-secret');
    const n = await newIdentity();
    await expect(rewrapYaml(f.text, [n.identity], [n.recipient])).rejects.toThrow(/can decrypt the data key/);
    await expect(rewrapYaml(f.text.replace('name: global-age-secret', 'name: x'), f.identities, [n.recipient])).rejects.toThrow(/MAC mismatch/);
    await expect(rewrapYaml(f.text, f.identities, [])).rejects.toThrow(/no age recipients/);
    await expect(rewrapYaml(f.text, f.identities, ['age1bad'])).rejects.toThrow(/not an X25519/);
  });
});

describe('the committed DEMO identity', () => {
  it('DEMO_RECIPIENT is the recipient of examples/demo.agekey, which is labelled as a demo key', async () => {
    const text = readFileSync(DEMO_KEY_FILE, 'utf8');
    expect(text.split('\n')[0]).toBe('# DEMO KEY — committed on purpose so anyone can inspect the demo output. NEVER use it for real secrets.');
    const ids = demoIdentities();
    expect(ids).toHaveLength(1);
    expect(await recipientOf(ids[0]!)).toBe(DEMO_RECIPIENT);
  });
});
