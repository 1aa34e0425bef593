/**
 * The README's "Using it for your cluster", followed literally in a fresh copy of the repository
 * and a temporary HOME, with the real CLI commands (`npm run keys`, `npm run synth`): no generated
 * value of the resulting output equals a value of the committed demo output, no demo placeholder
 * becomes the operator's, nothing calls the operator's key the DEMO key, and no plaintext reaches
 * stdout or stderr. Then the after-a-leak path (`keys rotate --regenerate`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptSops } from 'sops-age';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveConfig } from '../../src/stack-config.js';
import { DEMO_RECIPIENT, inspectSopsYaml, parseIdentities, recipientOf } from '../../src/sops/index.js';
import { findEncryptedFiles } from '../../src/sops/keys.js';
import { ageCliDecrypt } from '../sops/helpers.js';
import { copyOfRepo, DEMO_KEY, fakeOperatorValue, npmRunIn, operatorEnv, PROJECT, readTree } from './support.js';

const base = mkdtempSync(join(tmpdir(), 'readme-path-'));
const repo = join(base, 'media-stack');
const home = join(base, 'home');
const gitops = join(base, 'gitops');
const out = join(gitops, 'media-stack');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const npmRun = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) => npmRunIn(repo, home, script, args, extra);

/** Secret file (relative) → stringData, decrypted with sops-age (an independent implementation). */
async function decryptTree(dir: string, identity: string): Promise<Map<string, Record<string, string>>> {
  const res = new Map<string, Record<string, string>>();
  for (const file of findEncryptedFiles(dir)) {
    const plain = (await decryptSops(readFileSync(file, 'utf8'), { secretKey: identity, fileType: 'yaml' })) as { stringData: Record<string, string> };
    res.set(file.slice(dir.length + 1), plain.stringData);
  }
  return res;
}

/** Secret file (relative) → its data key, unwrapped by the real age CLI with keyFile. */
function dataKeys(dir: string, keyFile: string): Map<string, string> {
  const res = new Map<string, string>();
  for (const file of findEncryptedFiles(dir)) {
    const { sops } = parseYaml(readFileSync(file, 'utf8')) as { sops: { age: { enc: string }[] } };
    res.set(file.slice(dir.length + 1), ageCliDecrypt(sops.age[0]!.enc, keyFile).toString('hex'));
  }
  return res;
}

const valuesOf = (tree: Map<string, Record<string, string>>) => [...tree.values()].flatMap((sd) => Object.values(sd));
const demoIdentity = parseIdentities(readFileSync(DEMO_KEY, 'utf8'), DEMO_KEY)[0]!;
// every operator value the default config needs, distinctive so leaks can be scanned for
const operatorValues = Object.fromEntries(Object.entries(operatorEnv(resolveConfig({}))).filter(([k]) => k.startsWith('MEDIA_STACK_SECRET__')));

let demoValues: string[];
let myIdentity: string;
let first: Map<string, Record<string, string>>;
let firstDataKeys: Map<string, string>;

beforeAll(async () => {
  copyOfRepo(repo);
  mkdirSync(home, { recursive: true });
  mkdirSync(gitops, { recursive: true });
  // Step 2: the config, copied from examples/homelab.ts to my-cluster.ts with the import README names, and the Flux path of step 4.
  const example = readFileSync(join(repo, 'examples/homelab.ts'), 'utf8');
  writeFileSync(
    join(repo, 'my-cluster.ts'),
    example.replace("'../src/config/index.js'", "'./src/config/index.js'").replace("cluster: 'homelab',", "cluster: 'homelab',\n  flux: { repoPath: './media-stack' },"),
  );
  demoValues = valuesOf(await decryptTree(join(PROJECT, 'dist'), demoIdentity));
  expect(demoValues.length).toBeGreaterThan(5);
}, 60_000);

describe("the README's path from the demo to a real cluster", () => {
  it('1. keys init, then remove the demo recipient: no demo identity has to be supplied', async () => {
    const init = await npmRun('keys', ['init']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const keyFile = join(home, '.config/sops/age/keys.txt');
    expect(init.stdout).toContain(`--from-file=age.agekey=${keyFile}`);
    expect(init.stdout).toContain(`npm run keys -- remove ${DEMO_RECIPIENT}`);
    myIdentity = parseIdentities(readFileSync(keyFile, 'utf8'), keyFile)[0]!;

    const remove = await npmRun('keys', ['remove', DEMO_RECIPIENT]);
    expect(remove.stderr).toBe('');
    expect(remove.code).toBe(0);
    expect(remove.stdout).toMatch(/readable with the public demo key/);
    for (const file of findEncryptedFiles(join(repo, 'dist'))) expect(inspectSopsYaml(readFileSync(file, 'utf8')).recipients).not.toContain(DEMO_RECIPIENT);
    expect(readFileSync(join(repo, '.sops.yaml'), 'utf8')).not.toMatch(/demo/i);
  }, 60_000);

  it('3. synth without your values fails and asks for each one (the demo placeholders are not kept)', async () => {
    const r = await npmRun('synth', ['--config', 'my-cluster.ts', '--out', out]);
    expect(r.code).toBe(1);
    for (const name of Object.keys(operatorValues).filter((k) => /REALDEBRID|PLEX_SECRETS__TOKEN/.test(k))) expect(r.stderr).toContain(name);
    expect(r.stderr).toContain("the previous value is the demo's placeholder");
    expect(readTree(out).size).toBe(0);
    for (const v of demoValues) expect(r.stdout + r.stderr).not.toContain(v);
  }, 120_000);

  it("4. synth with your values: every value is new or yours, none is the demo's, and nothing calls your key the DEMO key", async () => {
    const r = await npmRun('synth', ['--config', 'my-cluster.ts', '--out', out], operatorValues);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/demo values replaced \(public through examples\/demo\.agekey, never carried over\): .*sonarr-secrets \(api-key, ui-password\)/);
    expect(r.stdout).not.toMatch(/DEMO/);

    first = await decryptTree(out, myIdentity);
    const mine = valuesOf(first);
    for (const v of mine) expect(demoValues).not.toContain(v);
    // every value you supplied is there (the env supplies the optional ones too)
    for (const v of Object.values(operatorValues)) expect(mine).toContain(v);
    expect(mine).toContain(fakeOperatorValue('plex-secrets', 'claim'));
    // only your key opens the files, the demo identity none
    const myRecipient = await recipientOf(myIdentity);
    for (const file of findEncryptedFiles(out)) {
      const text = readFileSync(file, 'utf8');
      expect(inspectSopsYaml(text).recipients).toEqual([myRecipient]);
      await expect(decryptSops(text, { secretKey: demoIdentity, fileType: 'yaml' })).rejects.toThrow();
    }
    firstDataKeys = dataKeys(out, join(home, '.config/sops/age/keys.txt'));
    expect(firstDataKeys.size).toBe(first.size);
    const tree = readTree(out);
    for (const [path, text] of tree) {
      expect(text, path).not.toMatch(/DEMO/);
      expect(text, path).not.toContain(DEMO_RECIPIENT);
      for (const v of [...mine, ...demoValues]) expect(text.includes(v), path).toBe(false);
    }
    // no plaintext on stdout/stderr: not the new values, not yours, not the demo's
    for (const v of [...mine, ...demoValues]) expect(r.stdout.includes(v) || r.stderr.includes(v)).toBe(false);

    // unchanged input changes no byte
    const again = await npmRun('synth', ['--config', 'my-cluster.ts', '--out', out], operatorValues);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/files: 0 written/);
    expect(readTree(out)).toEqual(tree);
  }, 120_000);

  it('after a leak: keys rotate --regenerate gives a new key, new data keys and new generated values; your values stay', async () => {
    const newKey = join(home, '.config/sops/age/rotated.txt');
    const r = await npmRun('keys', ['rotate', '--key-file', newKey, '--out', out, '--regenerate', '--config', 'my-cluster.ts']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Generated anew in .*sonarr-secrets \(api-key, ui-password\)/);
    const rotatedIdentity = parseIdentities(readFileSync(newKey, 'utf8'), newKey)[0]!;
    const now = await decryptTree(out, rotatedIdentity);
    expect([...now.keys()]).toEqual([...first.keys()]);
    for (const [path, sd] of now) {
      for (const [key, value] of Object.entries(sd)) {
        if (value.startsWith('FAKE-')) expect(value, `${path} ${key}`).toBe(first.get(path)![key]);
        else expect(value, `${path} ${key}`).not.toBe(first.get(path)![key]);
      }
    }
    for (const file of findEncryptedFiles(out)) await expect(decryptSops(readFileSync(file, 'utf8'), { secretKey: myIdentity, fileType: 'yaml' })).rejects.toThrow();
    // fresh data keys (the real age CLI unwraps them): the old identity's old files open nothing new
    for (const [path, key] of dataKeys(out, newKey)) expect(key, path).not.toBe(firstDataKeys.get(path));
    for (const v of [...valuesOf(now), ...valuesOf(first)]) expect(r.stdout.includes(v) || r.stderr.includes(v)).toBe(false);
  }, 120_000);
});
