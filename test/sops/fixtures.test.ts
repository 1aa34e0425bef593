import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { decryptJson, decryptYaml, inspectSopsYaml, recipientOf } from '../../src/sops/index.js';
import { loadFixtures, fixture } from './helpers.js';

const all = loadFixtures();

describe('real sops files (test/fixtures/sops)', () => {
  it('has all 17 fixture directories, each with its SOURCE.txt', () => {
    expect(all.map((f) => f.name).sort()).toHaveLength(17);
    for (const f of all) expect(readFileSync(join(f.dir, 'SOURCE.txt'), 'utf8')).toMatch(/repository: https:\/\/github.com\//);
  });

  it.each(all.map((f) => [f.name, f] as const))('%s decrypts, passes the MAC check and equals decrypted.json', async (_name, f) => {
    const out = f.format === 'json' ? await decryptJson(f.text, f.identities) : await decryptYaml(f.text, f.identities);
    expect(out.plain).toEqual(f.expected);
    // Key order is part of the MAC, so it must come back in file order too.
    expect(JSON.stringify(out.plain)).toBe(JSON.stringify(f.expected));
    expect(out.dataKey).toHaveLength(32);
  });

  it.each(all.filter((f) => f.format === 'yaml').map((f) => [f.name, f] as const))('%s: inspect lists the recipient of its test identity', async (_name, f) => {
    const info = inspectSopsYaml(f.text);
    const mine = await recipientOf(f.identities[0]!);
    expect(info.recipients).toContain(mine);
    expect(info.lastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('inspect reports version, encrypted_regex and leaves ENC values as strings', () => {
    const info = inspectSopsYaml(fixture('flux-kc-global-secret').text);
    expect(info.version).toBe('3.10.2');
    expect(info.encryptedRegex).toBe('^(data|stringData)$');
    expect(info.macOnlyEncrypted).toBe(false);
    expect(info.document.metadata).toEqual({ name: 'global-age-secret', namespace: 'default' });
    expect((info.document.stringData as Record<string, string>).key).toMatch(/^ENC\[AES256_GCM,data:/);
    expect(info.document).not.toHaveProperty('sops');
  });

  it('inspect reports mac_only_encrypted and a missing version as empty', () => {
    const info = inspectSopsYaml(fixture('rops-ref-mac-only-encrypted').text);
    expect(info.macOnlyEncrypted).toBe(true);
    expect(info.version).toBe('');
    expect(info.encryptedRegex).toBeUndefined();
  });

  it('keeps JSON numbers as sops does: an encrypted JSON 7 is type:float and decrypts to 7', async () => {
    const f = fixture('sops-age-json');
    expect(f.text).toMatch(/"int": "ENC\[[^\]]*type:float\]"/);
    expect(((await decryptJson(f.text, f.identities)).plain as { int: number }).int).toBe(7);
  });

  it('decrypts the sops JSON file that Flux finds base64-embedded in a plain Secret', async () => {
    const f = fixture('flux-kc-inside-json');
    const secret = parseYaml(readFileSync(join(f.dir, 'secret.yaml'), 'utf8')) as { data: { key: string } };
    const inner = Buffer.from(secret.data.key, 'base64').toString('utf8');
    expect(inner).toBe(f.text);
    expect((await decryptJson(inner, f.identities)).plain).toEqual({ data: 'value' });
  });
});
