import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/keys.js';
import { decryptYaml, encryptYaml, inspectSopsYaml, newIdentity, parseIdentities, parseSopsConfig, recipientOf } from '../../src/sops/index.js';
import { addRecipient, bootstrapCommand, initIdentity, recipientsOfFile, removeRecipient, rotateIdentity } from '../../src/sops/keys.js';
import { SECRET_RULE } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'sops-keys-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A project dir (the "repo") and a separate HOME, both fresh. */
function sandbox() {
  const base = join(root, `case-${++n}`);
  const projectDir = join(base, 'repo');
  const home = join(base, 'home');
  mkdirSync(projectDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  return { base, projectDir, home };
}

/** A project with .sops.yaml for identity A and two encrypted Secrets under dist/. */
async function projectWithSecrets() {
  const s = sandbox();
  const a = await newIdentity();
  const rule = { ...SECRET_RULE, age: [a.recipient] };
  writeFileSync(join(s.projectDir, '.sops.yaml'), `# project rules\ncreation_rules:\n  - path_regex: \\.sops\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n    mac_only_encrypted: true\n    age: ${a.recipient}\n`);
  const files = ['clusters/home/apps/media/sonarr/secret.sops.yaml', 'clusters/home/apps/media/radarr/secret.sops.yaml'].map((p) => join(s.projectDir, 'dist', p));
  for (const [i, f] of files.entries()) {
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, await encryptYaml({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}` }, stringData: { key: `value-${i}` } }, rule));
  }
  writeFileSync(join(s.projectDir, 'dist', '.sops.yaml'), readFileSync(join(s.projectDir, '.sops.yaml'), 'utf8'));
  const env = { HOME: s.home, SOPS_AGE_KEY: a.identity };
  return { ...s, a, files, env };
}

const snapshot = (paths: string[]) => paths.map((p) => readFileSync(p, 'utf8'));

describe('keys init', () => {
  it('creates a mode-600 identity in the sops default location and a .sops.yaml rule for it', async () => {
    const s = sandbox();
    const res = await initIdentity({ projectDir: s.projectDir, env: { HOME: s.home } });
    expect(res.keyFile).toBe(join(s.home, '.config', 'sops', 'age', 'keys.txt'));
    expect(statSync(res.keyFile).mode & 0o777).toBe(0o600);
    const ids = parseIdentities(readFileSync(res.keyFile, 'utf8'), 'k');
    expect(await recipientOf(ids[0]!)).toBe(res.recipient);
    expect(parseSopsConfig(readFileSync(join(s.projectDir, '.sops.yaml'), 'utf8')).creationRules).toEqual([
      { pathRegex: '\\.sops\\.ya?ml$', encryptedRegex: '^(data|stringData)$', macOnlyEncrypted: true, age: [res.recipient] },
    ]);
    expect(res.createdConfig).toBe(true);
    expect(res.messages.join('\n')).toContain(`kubectl create secret generic sops-age --namespace=flux-system --from-file=age.agekey=${res.keyFile}`);
    expect(res.messages.join('\n')).toMatch(/Back up/);
  });

  it('honours XDG_CONFIG_HOME and --key-file, and adds to an existing .sops.yaml', async () => {
    const s = sandbox();
    writeFileSync(join(s.projectDir, '.sops.yaml'), 'creation_rules:\n  - age: age1rhuhdmqnj3x2frcxg6jc676jhqvv2l0jcsjrdpfrsc8zphjps4lsrngp6j\n');
    const xdg = join(s.base, 'xdg');
    const res = await initIdentity({ projectDir: s.projectDir, env: { HOME: s.home, XDG_CONFIG_HOME: xdg } });
    expect(res.keyFile).toBe(join(xdg, 'sops', 'age', 'keys.txt'));
    expect(parseSopsConfig(readFileSync(join(s.projectDir, '.sops.yaml'), 'utf8')).creationRules[0]!.age).toEqual([
      'age1rhuhdmqnj3x2frcxg6jc676jhqvv2l0jcsjrdpfrsc8zphjps4lsrngp6j',
      res.recipient,
    ]);
    const custom = join(s.base, 'elsewhere', 'cluster.agekey');
    expect((await initIdentity({ projectDir: s.projectDir, env: { HOME: s.home }, keyFile: custom })).keyFile).toBe(custom);
  });

  it('refuses to overwrite an existing identity or to write one inside the repository', async () => {
    const s = sandbox();
    const res = await initIdentity({ projectDir: s.projectDir, env: { HOME: s.home } });
    const before = readFileSync(res.keyFile, 'utf8');
    await expect(initIdentity({ projectDir: s.projectDir, env: { HOME: s.home } })).rejects.toThrow(/already exists/);
    expect(readFileSync(res.keyFile, 'utf8')).toBe(before);
    for (const inside of ['key.agekey', 'secrets/age.agekey', '.']) {
      await expect(initIdentity({ projectDir: s.projectDir, env: { HOME: s.home }, keyFile: join(s.projectDir, inside) })).rejects.toThrow(/inside the repository/);
    }
    await expect(initIdentity({ projectDir: s.projectDir, env: { HOME: s.projectDir } })).rejects.toThrow(/inside the repository/);
  });
});

describe('keys add / remove re-encrypt every Secret like sops updatekeys', () => {
  it('add: both identities open every file afterwards; values and data keys are unchanged; .sops.yaml and its dist copy updated', async () => {
    const p = await projectWithSecrets();
    const b = await newIdentity();
    const before = await Promise.all(p.files.map((f) => decryptYaml(readFileSync(f, 'utf8'), [p.a.identity])));
    const res = await addRecipient({ projectDir: p.projectDir, env: p.env, recipient: b.recipient });
    expect(res.rewrapped).toEqual([...p.files].sort());
    for (const [i, f] of p.files.entries()) {
      const text = readFileSync(f, 'utf8');
      expect(inspectSopsYaml(text).recipients).toEqual([p.a.recipient, b.recipient]);
      for (const id of [p.a, b]) {
        const out = await decryptYaml(text, [id.identity]);
        expect(out.plain).toEqual(before[i]!.plain);
        expect(Buffer.from(out.dataKey).equals(Buffer.from(before[i]!.dataKey))).toBe(true);
      }
    }
    const cfg = readFileSync(join(p.projectDir, '.sops.yaml'), 'utf8');
    expect(cfg).toContain('# project rules');
    expect(parseSopsConfig(cfg).creationRules[0]!.age).toEqual([p.a.recipient, b.recipient]);
    expect(readFileSync(join(p.projectDir, 'dist', '.sops.yaml'), 'utf8')).toBe(cfg);
    // adding again changes nothing
    const again = await addRecipient({ projectDir: p.projectDir, env: p.env, recipient: b.recipient });
    expect(again.rewrapped).toEqual([]);
    expect(again.unchanged).toHaveLength(2);
  });

  it('remove: the removed identity no longer opens the files', async () => {
    const p = await projectWithSecrets();
    const b = await newIdentity();
    await addRecipient({ projectDir: p.projectDir, env: p.env, recipient: b.recipient });
    await removeRecipient({ projectDir: p.projectDir, env: { HOME: p.home, SOPS_AGE_KEY: b.identity }, recipient: p.a.recipient });
    for (const f of p.files) {
      const text = readFileSync(f, 'utf8');
      await expect(decryptYaml(text, [p.a.identity])).rejects.toThrow(/can decrypt the data key/);
      await expect(decryptYaml(text, [b.identity])).resolves.toBeDefined();
    }
    await expect(removeRecipient({ projectDir: p.projectDir, env: { HOME: p.home, SOPS_AGE_KEY: b.identity }, recipient: b.recipient })).rejects.toThrow(/without any age recipient/);
    await expect(removeRecipient({ projectDir: p.projectDir, env: p.env, recipient: p.a.recipient })).rejects.toThrow(/not a recipient/);
  });

  it('is all-or-nothing: without an identity for one file, nothing changes and the error names that file', async () => {
    const p = await projectWithSecrets();
    const stranger = await newIdentity();
    const odd = join(p.projectDir, 'dist', 'clusters', 'home', 'apps', 'other', 'secret.sops.yaml');
    mkdirSync(join(odd, '..'), { recursive: true });
    writeFileSync(odd, await encryptYaml({ stringData: { k: 'v' } }, { ...SECRET_RULE, age: [stranger.recipient] }));
    const all = [...p.files, odd, join(p.projectDir, '.sops.yaml'), join(p.projectDir, 'dist', '.sops.yaml')];
    const before = snapshot(all);
    const b = await newIdentity();
    const err = await addRecipient({ projectDir: p.projectDir, env: p.env, recipient: b.recipient }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/nothing was changed: 1 of 3/);
    expect((err as Error).message).toContain('clusters/home/apps/other/secret.sops.yaml');
    expect((err as Error).message).toContain('SOPS_AGE_KEY');
    expect(snapshot(all)).toEqual(before);
  });

  it('refuses a malformed recipient and a project without .sops.yaml', async () => {
    const p = await projectWithSecrets();
    await expect(addRecipient({ projectDir: p.projectDir, env: p.env, recipient: 'age1xyz' })).rejects.toThrow(/not an X25519 age recipient/);
    const s = sandbox();
    await expect(addRecipient({ projectDir: s.projectDir, env: {}, recipient: p.a.recipient })).rejects.toThrow(/keys -- init/);
  });
});

describe('keys rotate', () => {
  it('replaces the old recipient with a new identity (keeping --keep), re-encrypts all files and says what to update in the cluster', async () => {
    const p = await projectWithSecrets();
    const kept = await newIdentity();
    await addRecipient({ projectDir: p.projectDir, env: p.env, recipient: kept.recipient });
    const keyFile = join(p.base, 'new.agekey');
    const res = await rotateIdentity({ projectDir: p.projectDir, env: p.env, keyFile, keep: [kept.recipient] });
    expect(res.removed).toEqual([p.a.recipient]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const newId = parseIdentities(readFileSync(keyFile, 'utf8'), 'k')[0]!;
    for (const f of p.files) {
      const text = readFileSync(f, 'utf8');
      expect(inspectSopsYaml(text).recipients).toEqual([res.recipient, kept.recipient]);
      await expect(decryptYaml(text, [newId])).resolves.toBeDefined();
      await expect(decryptYaml(text, [p.a.identity])).rejects.toThrow();
    }
    expect(parseSopsConfig(readFileSync(join(p.projectDir, '.sops.yaml'), 'utf8')).creationRules[0]!.age).toEqual([res.recipient, kept.recipient]);
    expect(res.messages.join('\n')).toContain(bootstrapCommand(keyFile));
    expect(res.messages.join('\n')).toMatch(/flux reconcile/);
  });

  it('writes no key file when it cannot re-encrypt', async () => {
    const p = await projectWithSecrets();
    const keyFile = join(p.base, 'never.agekey');
    await expect(rotateIdentity({ projectDir: p.projectDir, env: { HOME: p.home }, keyFile })).rejects.toThrow(/nothing was changed/);
    expect(existsSync(keyFile)).toBe(false);
  });
});

describe('the keys CLI', () => {
  it('recipient prints the recipient of an identity file', async () => {
    const s = sandbox();
    const res = await initIdentity({ projectDir: s.projectDir, env: { HOME: s.home } });
    expect(await recipientsOfFile({ env: { HOME: s.home } })).toEqual({ keyFile: res.keyFile, recipients: [res.recipient] });
    await expect(recipientsOfFile({ env: {}, keyFile: join(s.base, 'missing') })).rejects.toThrow(/cannot read/);
  });

  it('runs init through main() and rejects unknown commands and missing arguments with exit code 2', async () => {
    const s = sandbox();
    const keyFile = join(s.base, 'cli.agekey');
    expect(await main(['init', '--key-file', keyFile], { HOME: s.home }, s.projectDir)).toBe(0);
    expect(existsSync(keyFile)).toBe(true);
    expect(existsSync(join(s.projectDir, '.sops.yaml'))).toBe(true);
    expect(await main(['init', '--key-file', keyFile], { HOME: s.home }, s.projectDir)).toBe(1);
    expect(await main(['bogus'], {}, s.projectDir)).toBe(2);
    expect(await main(['add'], {}, s.projectDir)).toBe(2);
    expect(await main([], {}, s.projectDir)).toBe(2);
  });
});
