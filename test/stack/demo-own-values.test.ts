/**
 * Values only the operator's own config has (an extra Sonarr instance, another cluster name) are
 * not among the committed demo output's fingerprints. Synthesized while the demo recipient was
 * still in `.sops.yaml`, they are public all the same: after `keys remove <demo>` the next synth
 * must generate them anew (issue 9 §1), with the real CLI commands in a fresh copy of the repo.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/stack-config.js';
import { decryptYaml, DEMO_RECIPIENT, parseIdentities } from '../../src/sops/index.js';
import { findEncryptedFiles } from '../../src/sops/keys.js';
import { copyOfRepo, DEMO_KEY, npmRunIn, operatorEnv } from './support.js';

const base = mkdtempSync(join(tmpdir(), 'demo-own-'));
const repo = join(base, 'media-stack');
const home = join(base, 'home');
const out = join(base, 'gitops', 'media-stack');
afterAll(() => rmSync(base, { recursive: true, force: true }));

const npmRun = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}) => npmRunIn(repo, home, script, args, extra);

/** Every value of the Secret files under dir, by file. */
async function valuesOf(dir: string, identity: string): Promise<Map<string, string[]>> {
  const res = new Map<string, string[]>();
  for (const file of findEncryptedFiles(dir)) {
    const { plain } = await decryptYaml(readFileSync(file, 'utf8'), [identity]);
    res.set(file.slice(dir.length + 1), Object.values(plain.stringData as Record<string, string>));
  }
  return res;
}

describe('values of your own config synthesized while the demo recipient was there', () => {
  it('are generated anew after `keys remove <demo>`, though the demo output never held them', async () => {
    copyOfRepo(repo);
    mkdirSync(home, { recursive: true });
    const input = { cluster: 'lab', flux: { repoPath: './media-stack' }, apps: { sonarr: { extraInstances: ['4k'] } } };
    writeFileSync(join(repo, 'my-cluster.json'), JSON.stringify(input));
    const values = Object.fromEntries(Object.entries(operatorEnv(resolveConfig(input))).filter(([k]) => k.startsWith('MEDIA_STACK_SECRET__')));

    const demoSynth = await npmRun('synth', ['--config', 'my-cluster.json', '--out', out], values);
    expect(demoSynth.code, demoSynth.stderr).toBe(0);
    const demoId = parseIdentities(readFileSync(DEMO_KEY, 'utf8'), DEMO_KEY)[0]!;
    const before = await valuesOf(out, demoId);
    const own = before.get('clusters/lab/apps/media/sonarr-4k/app/secret.sops.yaml');
    expect(own, [...before.keys()].join(', ')).toBeDefined();

    expect((await npmRun('keys', ['init'])).code).toBe(0);
    const remove = await npmRun('keys', ['remove', DEMO_RECIPIENT, '--out', out]);
    expect(remove.code, remove.stderr).toBe(0);
    const mine = parseIdentities(readFileSync(join(home, '.config/sops/age/keys.txt'), 'utf8'), 'keys.txt')[0]!;
    // The re-encrypted file still holds the public value: only the record in the output tells.
    expect(await valuesOf(out, mine)).toEqual(before);

    const synth = await npmRun('synth', ['--config', 'my-cluster.json', '--out', out], values);
    expect(synth.code, synth.stderr).toBe(0);
    expect(synth.stdout).toMatch(/demo values replaced .*sonarr-4k-secrets \(api-key, ui-password\)/);
    const after = await valuesOf(out, mine);
    const publicValues = new Set([...before.values()].flat());
    const supplied = new Set(Object.values(values) as string[]);
    for (const [file, vs] of after) for (const v of vs) if (!supplied.has(v)) expect(publicValues.has(v), `${file} keeps a value the demo key could read`).toBe(false);
  }, 180_000);
});
