import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { decryptYaml, encryptYaml, inspectSopsYaml, newIdentity, SopsError, type CreationRule } from '../../src/sops/index.js';
import { fixture, maskRandom, rawDecrypt, SECRET_RULE } from './helpers.js';

const NOW = new Date('2025-03-04T05:06:07.890Z');

const secret = () => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'sonarr-secrets', namespace: 'media', labels: { 'app.kubernetes.io/name': 'sonarr' } },
  type: 'Opaque',
  stringData: {
    'api-key': '0123456789abcdef0123456789abcdef',
    'postgres-password': 'p@ss: word #1',
    'admin-user': 'sonarr-admin-9f3',
    'webhook-url': 'https://example.test/hook?a=1',
  },
});

async function ruleWith(extra: Partial<CreationRule> = {}) {
  const a = await newIdentity();
  const b = await newIdentity();
  return { ids: [a, b], rule: { ...SECRET_RULE, age: [a.recipient, b.recipient], ...extra } as CreationRule };
}

/** Decrypt the sops.mac of a file independently (node:crypto; AAD = lastmodified). */
function macOf(text: string, key: Uint8Array): string {
  const doc = parseYaml(text) as { sops: { mac: string; lastmodified: string } };
  return rawDecrypt(doc.sops.mac, key, doc.sops.lastmodified).plain.toString('utf8');
}

describe('encryptYaml writes what sops 3.10 writes', () => {
  it('matches a real sops 3.10.2 file byte for byte, apart from the random parts (indent 2 like the Flux fixture)', async () => {
    const f = fixture('flux-kc-global-secret');
    const rule: CreationRule = { encryptedRegex: '^(data|stringData)$', age: ['age1henwn645drkd3fa34t27t2w2x0nsgw3w4h62gmg5x5xflyjpy38s5cncph'] };
    const ours = await encryptYaml(f.expected as Record<string, unknown>, rule, { now: new Date('2025-07-06T17:19:51Z'), indent: 2 });
    expect(maskRandom(ours)).toBe(maskRandom(f.text));
    // and the real key opens ours
    expect((await decryptYaml(ours, f.identities)).plain).toEqual(f.expected);
  });

  it('uses sops’ default indent 4 and the 3.10 field order for a Kubernetes Secret', async () => {
    const { rule } = await ruleWith();
    const text = await encryptYaml(secret(), rule, { now: NOW });
    expect(maskRandom(text)).toBe(
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '    name: sonarr-secrets',
        '    namespace: media',
        '    labels:',
        '        app.kubernetes.io/name: sonarr',
        'type: Opaque',
        'stringData:',
        '    api-key: ENC[…,type:str]',
        '    postgres-password: ENC[…,type:str]',
        '    admin-user: ENC[…,type:str]',
        '    webhook-url: ENC[…,type:str]',
        'sops:',
        '    age:',
        `        - recipient: ${rule.age[0]}`,
        '          enc: |',
        '            -----BEGIN AGE ENCRYPTED FILE-----',
        '<armor>',
        '            -----END AGE ENCRYPTED FILE-----',
        `        - recipient: ${rule.age[1]}`,
        '          enc: |',
        '            -----BEGIN AGE ENCRYPTED FILE-----',
        '<armor>',
        '            -----END AGE ENCRYPTED FILE-----',
        '    lastmodified: "2025-03-04T05:06:07Z"',
        '    mac: ENC[…,type:str]',
        '    encrypted_regex: ^(data|stringData)$',
        '    mac_only_encrypted: true',
        '    version: 3.10.2',
        '',
      ].join('\n'),
    );
    // armored age lines are 64 columns, indented under enc
    const armorLines = text.split('\n').filter((l) => /^ {12}[A-Za-z0-9+/=]+$/.test(l));
    expect(armorLines.length).toBeGreaterThan(4);
    for (const l of armorLines.slice(0, -1)) expect(l.trim().length).toBeLessThanOrEqual(64);
  });

  it('encrypts every value under data/stringData with 32-byte IVs and the key path as AAD; other keys stay clear', async () => {
    const { rule, ids } = await ruleWith();
    const text = await encryptYaml(secret(), rule, { now: NOW });
    const { dataKey } = await decryptYaml(text, [ids[0]!.identity]);
    const doc = parseYaml(text) as ReturnType<typeof secret>;
    expect(doc.metadata).toEqual(secret().metadata);
    for (const [k, v] of Object.entries(secret().stringData)) {
      const enc = (doc.stringData as Record<string, string>)[k]!;
      expect(enc).not.toContain(v);
      const raw = rawDecrypt(enc, dataKey, `stringData:${k}:`);
      expect(raw.plain.toString('utf8')).toBe(v);
      expect(raw.iv).toHaveLength(32);
      expect(raw.type).toBe('str');
      expect(() => rawDecrypt(enc, dataKey, `stringData:other:`)).toThrow();
    }
    for (const v of Object.values(secret().stringData)) expect(text).not.toContain(v);
  });

  it('computes the MAC over the encrypted values only (mac_only_encrypted), in document order, keyed by lastmodified', async () => {
    const { rule, ids } = await ruleWith();
    const text = await encryptYaml(secret(), rule, { now: NOW });
    const { dataKey } = await decryptYaml(text, [ids[0]!.identity]);
    const h = createHash('sha512').update(createHash('sha256').update('sops').digest());
    for (const v of Object.values(secret().stringData)) h.update(v);
    expect(macOf(text, dataKey)).toBe(h.digest('hex').toUpperCase());
    expect(text).toContain('lastmodified: "2025-03-04T05:06:07Z"');
  });

  it('without mac_only_encrypted, the MAC covers clear values too, with Go’s typed encodings', async () => {
    const { rule, ids } = await ruleWith({ macOnlyEncrypted: false });
    const plain = { a: 'x', n: 7, f: 1.5, t: true, z: null, stringData: { k: 'v', e: '' } };
    const text = await encryptYaml(plain, rule, { now: NOW });
    expect(text).not.toContain('mac_only_encrypted');
    const { dataKey } = await decryptYaml(text, [ids[1]!.identity]);
    const expected = createHash('sha512').update('x').update('7').update('1.5').update('True').update('v').digest('hex').toUpperCase();
    expect(macOf(text, dataKey)).toBe(expected);
  });

  it('quotes every string that Go’s yaml.v3 would otherwise read as another type', async () => {
    const { rule } = await ruleWith();
    const labels = {
      date: '2024-01-01',
      stamp: '2024-01-01T10:00:00Z',
      yes: 'yes',
      on: 'on',
      bool: 'true',
      nul: 'null',
      tilde: '~',
      empty: '',
      octal: '0777',
      int: '123',
      float: '1.5',
      exp: '1e3',
      hex: '0x1F',
      sexagesimal: '12:30',
      inf: '.inf',
    };
    const text = await encryptYaml({ metadata: { labels }, stringData: {} }, rule, { now: NOW });
    for (const [k, v] of Object.entries(labels)) expect(text).toContain(`        ${k === 'yes' || k === 'on' ? `"${k}"` : k}: "${v}"`);
    // `<<` has no resolver hint in yaml.v3: written plain, read back as a string
    const merge = await encryptYaml({ metadata: { labels: { merge: '<<' } } }, rule, { now: NOW });
    expect(merge).toContain('        merge: <<\n');
    // and YAML 1.1 readers (which sops' library partly follows) agree on the values
    expect((parseYaml(text, { version: '1.1' }) as { metadata: { labels: unknown } }).metadata.labels).toEqual(labels);
  });

  it('uses single quotes, double quotes or a literal block exactly where libyaml requires them', async () => {
    const { rule } = await ruleWith();
    const labels = {
      plain: 'hello world',
      colon: 'a: b',
      hash: 'x #y',
      lead: ' lead',
      trail: 'trail ',
      dash: '- item',
      star: '*ref',
      quote: "it's",
      tab: 'a\tb',
      emoji: 'ok 😀',
      nbsp: 'a\u00a0b',
      multi: 'line1\nline2\n',
      nofinal: 'line1\nline2',
      keep: 'x\n\n',
      leadbreak: '\nx',
    };
    const text = await encryptYaml({ metadata: { annotations: labels } }, rule, { now: NOW });
    const expected = [
      '        plain: hello world',
      "        colon: 'a: b'",
      "        hash: 'x #y'",
      "        lead: ' lead'",
      "        trail: 'trail '",
      "        dash: '- item'",
      "        star: '*ref'",
      "        quote: it's",
      '        tab: "a\\tb"',
      '        emoji: "ok \\U0001F600"',
      '        nbsp: a\u00a0b',
      '        multi: |\n            line1\n            line2',
      '        nofinal: |-\n            line1\n            line2',
      '        keep: |+\n            x\n',
      '        leadbreak: "\\nx"',
    ];
    for (const line of expected) expect(text).toContain(line + '\n');
    expect((parseYaml(text) as { metadata: { annotations: unknown } }).metadata.annotations).toEqual(labels);
  });

  it('keeps the key order of the input, including in nested maps and lists', async () => {
    const { rule, ids } = await ruleWith({ encryptedRegex: '^secret' });
    const plain = { zeta: 1, alpha: { c: 'c', a: ['x', { m: 'n', b: 'd' }] }, secretThings: { z: 'z', y: [1, 2] }, mid: false };
    const text = await encryptYaml(plain, rule, { now: NOW });
    const back = (await decryptYaml(text, [ids[0]!.identity])).plain;
    expect(JSON.stringify(back)).toBe(JSON.stringify(plain));
    expect(text.indexOf('zeta:')).toBeLessThan(text.indexOf('alpha:'));
  });

  it('encrypts ints, floats and bools with their sops types and reads them back typed', async () => {
    const { rule, ids } = await ruleWith();
    const text = await encryptYaml({ stringData: { i: 42, neg: -7, f: 3.14, big: 1e21, tiny: 1e-7, b: true, nil: null, s: '' } }, rule, { now: NOW });
    expect(text).toMatch(/ i: ENC\[[^\]]*type:int\]/);
    expect(text).toMatch(/ f: ENC\[[^\]]*type:float\]/);
    expect(text).toMatch(/ b: ENC\[[^\]]*type:bool\]/);
    expect(text).toContain('    nil: null\n');
    expect(text).toContain('    s: ""\n');
    const { plain, dataKey } = await decryptYaml(text, [ids[0]!.identity]);
    expect(plain).toEqual({ stringData: { i: 42, neg: -7, f: 3.14, big: 1e21, tiny: 1e-7, b: true, nil: null, s: '' } });
    const doc = parseYaml(text) as { stringData: Record<string, string> };
    expect(rawDecrypt(doc.stringData.b!, dataKey, 'stringData:b:').plain.toString()).toBe('True');
    expect(rawDecrypt(doc.stringData.big!, dataKey, 'stringData:big:').plain.toString()).toBe('1000000000000000000000');
    expect(rawDecrypt(doc.stringData.tiny!, dataKey, 'stringData:tiny:').plain.toString()).toBe('0.0000001');
  });

  it('writes clear numbers the way yaml.v3 does and keeps their types', async () => {
    const { rule, ids } = await ruleWith();
    const plain = { metadata: { i: 8080, f: 0.25, big: 1234567.5, small: 0.00001, t: false } };
    const text = await encryptYaml(plain, rule, { now: NOW });
    expect(text).toContain('    i: 8080\n    f: 0.25\n    big: 1.2345675e+06\n    small: 1e-05\n    t: false\n');
    expect((await decryptYaml(text, [ids[0]!.identity])).plain).toEqual(plain);
  });

  it('uses a fresh data key and fresh IVs for every file', async () => {
    const { rule, ids } = await ruleWith();
    const a = await encryptYaml(secret(), rule, { now: NOW });
    const b = await encryptYaml(secret(), rule, { now: NOW });
    expect(a).not.toBe(b);
    const ka = (await decryptYaml(a, [ids[0]!.identity])).dataKey;
    const kb = (await decryptYaml(b, [ids[0]!.identity])).dataKey;
    expect(Buffer.from(ka).equals(Buffer.from(kb))).toBe(false);
    const ivs = [...a.matchAll(/iv:([^,]+)/g)].map((m) => m[1]);
    expect(new Set(ivs).size).toBe(ivs.length);
  });

  it('wraps the one data key to every recipient: each identity alone opens the file', async () => {
    const { rule, ids } = await ruleWith();
    const text = await encryptYaml(secret(), rule);
    const keys = await Promise.all(ids.map(async (id) => Buffer.from((await decryptYaml(text, [id.identity])).dataKey).toString('hex')));
    expect(keys[0]).toBe(keys[1]);
    expect(inspectSopsYaml(text).recipients).toEqual(rule.age);
  });

  it('follows the other selection rules: default _unencrypted suffix, encrypted_suffix, unencrypted_regex', async () => {
    const id = await newIdentity();
    const plain = { a: 'x', b_unencrypted: 'y', nested: { c_encrypted: 'z', d: 'w' } };
    const cases: [Partial<CreationRule>, string, string[]][] = [
      [{}, 'unencrypted_suffix: _unencrypted', ['a', 'c_encrypted', 'd']],
      [{ encryptedSuffix: '_encrypted' }, 'encrypted_suffix: _encrypted', ['c_encrypted']],
      [{ unencryptedRegex: '^(a|nested)$' }, 'unencrypted_regex: ^(a|nested)$', ['b_unencrypted']],
    ];
    for (const [extra, metaLine, encrypted] of cases) {
      const text = await encryptYaml(plain, { age: [id.recipient], ...extra }, { now: NOW });
      expect(text).toContain(`    ${metaLine}\n`);
      const found = [...text.matchAll(/(\w+): ENC\[AES256_GCM,data/g)].map((m) => m[1]).filter((k) => k !== 'mac');
      expect(found.sort()).toEqual([...encrypted].sort());
      expect((await decryptYaml(text, [id.identity])).plain).toEqual(plain);
    }
  });

  it('refuses bad input with clear errors', async () => {
    const { rule } = await ruleWith();
    await expect(encryptYaml({ sops: {} }, rule)).rejects.toThrow(/already has a top-level `sops` key/);
    await expect(encryptYaml({ a: 'b' }, { ...rule, age: [] })).rejects.toThrow(/no age recipients/);
    await expect(encryptYaml({ a: 'b' }, { ...rule, age: ['age1notarecipient'] })).rejects.toThrow(/not an X25519 age recipient/);
    await expect(encryptYaml({ a: 'b' }, { ...rule, encryptedRegex: 'x', encryptedSuffix: 'y' })).rejects.toThrow(/more than one/);
    await expect(encryptYaml({ stringData: { when: new Date() } }, rule)).rejects.toThrow(SopsError);
  });

  it('never puts a plaintext value into an error message', async () => {
    const { rule } = await ruleWith();
    const err = await encryptYaml({ stringData: { k: 'super-secret-value', when: new Date() } }, rule).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(SopsError);
    expect((err as Error).message).not.toContain('super-secret-value');
  });

  it('writes lastmodified at second precision in UTC', async () => {
    const { rule } = await ruleWith();
    const text = await encryptYaml({ a: 'b' }, rule, { now: new Date('2030-12-31T23:59:59.999+00:00') });
    expect(text).toContain('lastmodified: "2030-12-31T23:59:59Z"');
  });

  it('decrypting with an independent AES-GCM implementation gives the same values (AAD = path + ":")', async () => {
    const { rule, ids } = await ruleWith({ encryptedRegex: '^(data|stringData)$' });
    const text = await encryptYaml({ data: { nested: { list: ['one', 'two'] } } }, rule, { now: NOW });
    const { dataKey } = await decryptYaml(text, [ids[0]!.identity]);
    const items = (parseYaml(text) as { data: { nested: { list: string[] } } }).data.nested.list;
    // list indices are not part of the path
    expect(items.map((enc) => rawDecrypt(enc, dataKey, 'data:nested:list:').plain.toString())).toEqual(['one', 'two']);
  });
});
