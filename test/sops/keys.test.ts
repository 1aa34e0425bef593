import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/keys.js';
import { DEMO_RECIPIENT, decryptYaml, encryptYaml, findCreationRule, inspectSopsYaml, newIdentity, parseIdentities, parseSopsConfig, recipientOf } from '../../src/sops/index.js';
import { addRecipient, bootstrapCommand, initIdentity, recipientsOfFile, removeRecipient, rotateIdentity } from '../../src/sops/keys.js';
import { errorOf } from '../secrets/helpers.js';
import { REPO, SECRET_RULE } from './helpers.js';

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
  writeFileSync(
    join(s.projectDir, '.sops.yaml'),
    `# project rules\ncreation_rules:\n  - path_regex: \\.sops\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n    mac_only_encrypted: true\n    age: ${a.recipient}\n`,
  );
  const files = ['clusters/home/apps/media/sonarr/app/secret.sops.yaml', 'clusters/home/apps/media/radarr/app/secret.sops.yaml'].map((p) => join(s.projectDir, 'dist', p));
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
      { pathRegex: '(^|/)secrets\\.sops\\.ya?ml$', age: [res.recipient] },
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
    await expect(removeRecipient({ projectDir: p.projectDir, env: { HOME: p.home, SOPS_AGE_KEY: b.identity }, recipient: b.recipient })).rejects.toThrow(
      /only recipient in \.sops\.yaml: add yours first/,
    );
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
    const err = await addRecipient({ projectDir: p.projectDir, env: p.env, recipient: b.recipient }).catch((e: unknown) => e as Error);
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
    // the runbook's steps: both identities while Git holds either files, then the new one alone
    expect(res.messages.join('\n')).toContain(`cat <old key file> ${keyFile} > /tmp/both.agekey`);
    expect(res.messages.join('\n')).toContain(bootstrapCommand('/tmp/both.agekey'));
    expect(res.messages.join('\n')).toContain(`replace the Secret again with ${keyFile} alone`);
    // a plain rotate keeps the values and says how to change them too
    expect(res.messages.join('\n')).toMatch(/--regenerate-secrets/);
  });

  it('writes no key file when it cannot re-encrypt', async () => {
    const p = await projectWithSecrets();
    const keyFile = join(p.base, 'never.agekey');
    await expect(rotateIdentity({ projectDir: p.projectDir, env: { HOME: p.home }, keyFile })).rejects.toThrow(/nothing was changed/);
    expect(existsSync(keyFile)).toBe(false);
  });
});

/** Every leaf of two decrypted files equal, the data keys different (re-encrypted, not re-wrapped). */
async function expectFreshDataKey(before: string, after: string, beforeIds: string[], afterIds: string[]) {
  const old = await decryptYaml(before, beforeIds);
  const now = await decryptYaml(after, afterIds);
  expect(now.plain).toEqual(old.plain);
  expect(Buffer.from(now.dataKey).equals(Buffer.from(old.dataKey))).toBe(false);
  // the old data key (which the removed identity can unwrap from any older copy) opens nothing
  const encOf = (text: string) => JSON.stringify(inspectSopsYaml(text).document).match(/ENC\[[^\]]+\]/g) ?? [];
  const oldEnc = new Set(encOf(before));
  expect(encOf(after).length).toBeGreaterThan(0);
  for (const v of encOf(after)) expect(oldEnc.has(v)).toBe(false);
}

describe('keys remove / rotate after a leak: a fresh data key for every file', () => {
  it('remove re-encrypts with new data keys (add only re-wraps)', async () => {
    const p = await projectWithSecrets();
    const b = await newIdentity();
    await addRecipient({ projectDir: p.projectDir, env: p.env, recipient: b.recipient });
    const before = snapshot(p.files);
    const res = await removeRecipient({ projectDir: p.projectDir, env: { HOME: p.home, SOPS_AGE_KEY: b.identity }, recipient: p.a.recipient });
    expect(res.messages.join('\n')).toMatch(/new data keys/);
    for (const [i, f] of p.files.entries()) await expectFreshDataKey(before[i]!, readFileSync(f, 'utf8'), [p.a.identity], [b.identity]);
  });

  it("rotate re-encrypts with new data keys, the operator's secrets.sops.yaml included", async () => {
    const p = await projectWithSecrets();
    const operatorFile = join(p.projectDir, 'secrets.sops.yaml');
    writeFileSync(operatorFile, await encryptYaml({ 'plex-secrets': { token: 'tok-1234567' } }, { age: [p.a.recipient] }));
    const before = snapshot([...p.files, operatorFile]);
    const keyFile = join(p.base, 'rotated.agekey');
    const res = await rotateIdentity({ projectDir: p.projectDir, env: p.env, keyFile });
    const newId = parseIdentities(readFileSync(keyFile, 'utf8'), 'k')[0]!;
    expect(res.rewrapped).toContain(operatorFile);
    for (const [i, f] of [...p.files, operatorFile].entries()) {
      await expectFreshDataKey(before[i]!, readFileSync(f, 'utf8'), [p.a.identity], [newId]);
      await expect(decryptYaml(readFileSync(f, 'utf8'), [p.a.identity])).rejects.toThrow();
    }
  });

  it('refuses to re-encrypt a secrets.sops.yaml whose values are in clear text, naming it and the fix', async () => {
    const p = await projectWithSecrets();
    const operatorFile = join(p.projectDir, 'secrets.sops.yaml');
    // what sops wrote with the output's rule: a valid sops block, every value in clear text
    writeFileSync(operatorFile, await encryptYaml({ 'plex-secrets': { token: 'tok-1234567' } }, { ...SECRET_RULE, age: [p.a.recipient] }));
    const all = [...p.files, operatorFile, join(p.projectDir, '.sops.yaml')];
    const before = snapshot(all);
    const err = await errorOf(rotateIdentity({ projectDir: p.projectDir, env: p.env, keyFile: join(p.base, 'x.agekey') }));
    expect(err.message).toContain('secrets.sops.yaml: 1 value(s) are not encrypted (plex-secrets.token)');
    expect(err.message).toContain('sops encrypt -i secrets.sops.yaml');
    expect(err.message).not.toContain('tok-1234567');
    expect(snapshot(all)).toEqual(before);
  });
});

describe('leaving the demo: init, then remove the demo recipient as the README says', () => {
  it('finds the committed demo identity itself, re-encrypts away from it and stops calling the key the DEMO key', async () => {
    const s = sandbox();
    const demoId = parseIdentities(readFileSync(join(REPO, 'examples/demo.agekey'), 'utf8'), 'demo')[0]!;
    writeFileSync(join(s.projectDir, '.sops.yaml'), readFileSync(join(REPO, '.sops.yaml'), 'utf8'));
    const file = join(s.projectDir, 'dist/clusters/homelab/apps/media/sonarr/app/secret.sops.yaml');
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, await encryptYaml({ apiVersion: 'v1', kind: 'Secret', stringData: { 'api-key': 'demo-value-123' } }, { ...SECRET_RULE, age: [DEMO_RECIPIENT] }));
    const env = { HOME: s.home }; // no demo identity anywhere in the environment
    const init = await initIdentity({ projectDir: s.projectDir, env });
    expect(init.messages.join('\n')).toContain(`npm run keys -- remove ${DEMO_RECIPIENT}`);
    const before = readFileSync(file, 'utf8');
    const res = await removeRecipient({ projectDir: s.projectDir, env, recipient: DEMO_RECIPIENT });
    const after = readFileSync(file, 'utf8');
    expect(inspectSopsYaml(after).recipients).toEqual([init.recipient]);
    const mine = parseIdentities(readFileSync(init.keyFile, 'utf8'), 'k');
    await expectFreshDataKey(before, after, [demoId], mine);
    await expect(decryptYaml(after, [demoId])).rejects.toThrow();
    expect(res.messages.join('\n')).toMatch(/1 of them were readable with the public demo key.*generates every generated value anew/);
    const cfg = readFileSync(join(s.projectDir, '.sops.yaml'), 'utf8');
    expect(cfg).not.toMatch(/demo/i);
    expect(cfg).not.toContain(DEMO_RECIPIENT);
    expect(parseSopsConfig(cfg).creationRules.map((r) => r.age)).toEqual([[init.recipient], [init.recipient]]);
  });

  it('says what to do when the demo recipient is the only one', async () => {
    const s = sandbox();
    writeFileSync(join(s.projectDir, '.sops.yaml'), readFileSync(join(REPO, '.sops.yaml'), 'utf8'));
    await expect(removeRecipient({ projectDir: s.projectDir, env: { HOME: s.home }, recipient: DEMO_RECIPIENT })).rejects.toThrow(/only recipient.*keys -- init/);
  });

  it('init adds the secrets.sops.yaml rule to a .sops.yaml that lacks it, before the output rule', async () => {
    const p = await projectWithSecrets();
    const res = await initIdentity({ projectDir: p.projectDir, env: { HOME: p.home } });
    const cfg = parseSopsConfig(readFileSync(join(p.projectDir, '.sops.yaml'), 'utf8'));
    expect(findCreationRule(cfg, 'secrets.sops.yaml')).toEqual({ pathRegex: '(^|/)secrets\\.sops\\.ya?ml$', age: [p.a.recipient, res.recipient] });
    expect(findCreationRule(cfg, 'clusters/home/apps/media/sonarr/app/secret.sops.yaml')!.encryptedRegex).toBe('^(data|stringData)$');
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
