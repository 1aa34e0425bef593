import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recoverInterrupted } from '../../src/output/file-set.js';
import { openOutputFolder, writeTree } from '../../src/output/write.js';
import { decryptYaml, encryptYaml, inspectSopsYaml, newIdentity, recipientOf } from '../../src/sops/index.js';
import { SECRET_RULE } from '../sops/helpers.js';
import { tmpfsScratch, treeOf } from './support.js';
import { bundled } from '../child-bundle.js';

const CHILD = join(import.meta.dirname, 'crash-child.ts');

/** Runs the child; `killAt` -1 runs to the end and returns how many steps it passed. */
function child(
  killAt: number,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { signal: NodeJS.Signals | null; status: number | null; steps: number; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [bundled(CHILD), String(killAt), ...args], { encoding: 'utf8', env });
  return { signal: r.signal, status: r.status, steps: Number(/steps: (\d+)/.exec(r.stderr)?.[1] ?? NaN), stderr: r.stderr, stdout: r.stdout };
}

type ChildResult = ReturnType<typeof child>;

/** `child` without blocking: the killed runs of a test are independent (one folder each). */
function childAsync(killAt: number, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bundled(CHILD), String(killAt), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (status, signal) => resolve({ signal, status, steps: Number(/steps: (\d+)/.exec(stderr)?.[1] ?? NaN), stderr, stdout }));
  });
}

/**
 * Runs `run(k)` for k = 0…n-1, a few at a time (the children mostly wait for the disk), and
 * returns the results in order; the tests then check each outcome in order as before.
 */
async function eachStep<T>(n: number, run: (k: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const k = next++;
      out[k] = await run(k);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return out;
}

describe('the writer killed (SIGKILL) after each of its steps', () => {
  const old = [
    { path: '.sops.yaml', content: 'creation_rules: []\n' },
    { path: 'clusters/a/apps/sonarr/secret.sops.yaml', content: 'the API key the next synth must keep\n' },
    { path: 'clusters/a/apps/sonarr/deployment.yaml', content: 'v: 1\n' },
    { path: 'clusters/a/apps/gone/deployment.yaml', content: 'gone\n' },
    { path: 'docs/a/README.md', content: 'old docs\n' },
  ];
  const next = [
    { path: '.sops.yaml', content: 'creation_rules: []\n' },
    { path: 'clusters/a/apps/sonarr/secret.sops.yaml', content: 'the API key the next synth must keep\n' },
    { path: 'clusters/a/apps/sonarr/deployment.yaml', content: 'v: 2\n' },
    { path: 'clusters/a/apps/radarr/deployment.yaml', content: 'new\n' },
    { path: 'docs/a/README.md', content: 'new docs\n' },
  ];

  it('leaves the old or the new tree every time, which the next run completes or undoes and reports; never a missing folder', async () => {
    const base = tmpfsScratch('crash-');
    const template = join(base, 'template');
    await writeTree(template, old, { owner: 'a' });
    writeFileSync(join(template, 'NOTES.md'), 'the user’s\n');
    const oldTree = treeOf(template);
    const newDir = join(base, 'new');
    cpSync(template, newDir, { recursive: true });
    await writeTree(newDir, next, { owner: 'a' });
    const newTree = treeOf(newDir);
    const files = join(base, 'files.json');
    writeFileSync(files, JSON.stringify(next));

    const probe = join(base, 'probe');
    cpSync(template, probe, { recursive: true });
    const total = child(-1, ['write', probe, files, 'a']).steps;
    expect(treeOf(probe)).toEqual(newTree);
    expect(total).toBeGreaterThan(15);

    const killed = await eachStep(total, (k) => {
      const out = join(base, `k${k}`);
      cpSync(template, out, { recursive: true });
      return childAsync(k, ['write', out, files, 'a']);
    });
    const outcomes: string[] = [];
    for (let k = 0; k < total; k++) {
      const out = join(base, `k${k}`);
      const r = killed[k]!;
      expect(r.signal, `step ${k}: ${r.stderr}`).toBe('SIGKILL');
      expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('the user’s\n');
      // the next run: lock of the dead writer taken over, journal finished or undone
      const folder = await openOutputFolder(out);
      const notes = folder.recovered;
      folder.release();
      expect(
        notes.some((n) => n.includes('stale lock')),
        `step ${k}: ${notes.join('; ')}`,
      ).toBe(true);
      const after = treeOf(out);
      const state = JSON.stringify(after) === JSON.stringify(oldTree) ? 'old' : JSON.stringify(after) === JSON.stringify(newTree) ? 'new' : 'mixed';
      expect(state, `killed after step ${k}: ${notes.join('; ')}\n${Object.keys(after).join('\n')}`).not.toBe('mixed');
      expect(after['clusters/a/apps/sonarr/secret.sops.yaml']).toBe('the API key the next synth must keep\n');
      outcomes.push(state);
      // and a normal run afterwards gives exactly the new tree
      await writeTree(out, next, { owner: 'a' });
      expect(treeOf(out)).toEqual(newTree);
      rmSync(out, { recursive: true });
    }
    // killed before the commit point: old; from it on: new
    const firstNew = outcomes.indexOf('new');
    expect(firstNew).toBeGreaterThan(3);
    expect(outcomes.slice(0, firstNew).every((s) => s === 'old')).toBe(true);
    expect(outcomes.slice(firstNew).every((s) => s === 'new')).toBe(true);
  }, 180_000);
});

interface KeysCase {
  /** Recipients of the files before: 'a', 'b'. */
  readonly before: readonly ('a' | 'b')[];
  readonly args: (ids: Ids, dir: string, k: number) => string[];
  /** Recipients after, and an identity that must open every file. */
  readonly after: (ids: Ids, dir: string, k: number) => Promise<{ recipients: string[]; identity: string }>;
  /** Whether the values must be the same after (rotate may renew the data key and values). */
  readonly sameValues: boolean;
}
type Ids = Record<'a' | 'b', { identity: string; recipient: string }>;
const keyFileOf = (dir: string, k: number) => join(dir, '..', `rotated-${k}.key`);
const KEYS_CASES: Record<string, KeysCase> = {
  add: {
    before: ['a'],
    args: (ids) => ['add', ids.b.recipient, '--out', 'dist'],
    after: (ids) => Promise.resolve({ recipients: [ids.a.recipient, ids.b.recipient], identity: ids.b.identity }),
    sameValues: true,
  },
  remove: {
    before: ['a', 'b'],
    args: (ids) => ['remove', ids.b.recipient, '--out', 'dist'],
    after: (ids) => Promise.resolve({ recipients: [ids.a.recipient], identity: ids.a.identity }),
    sameValues: true,
  },
  rotate: {
    before: ['a'],
    args: (_ids, dir, k) => ['rotate', '--key-file', keyFileOf(dir, k), '--out', 'dist'],
    after: async (_ids, dir, k) => {
      const keyFile = keyFileOf(dir, k);
      if (!existsSync(keyFile)) return { recipients: ['(no new identity)'], identity: '' };
      const identity = readFileSync(keyFile, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
      return { recipients: [await recipientOf(identity)], identity };
    },
    sameValues: false,
  },
};

describe.each(Object.keys(KEYS_CASES))('keys %s killed (SIGKILL) after each of its steps', (name) => {
  const c = KEYS_CASES[name]!;
  it('leaves every Secret and both .sops.yaml all re-encrypted or all as before, recovered by the next run, no temp files', async () => {
    const base = tmpfsScratch(`keys-crash-${name}-`);
    const ids: Ids = { a: await newIdentity(), b: await newIdentity() };
    const template = join(base, 'template');
    const recipients = c.before.map((r) => ids[r].recipient);
    const rule = { ...SECRET_RULE, age: recipients };
    mkdirSync(template, { recursive: true });
    writeFileSync(
      join(template, '.sops.yaml'),
      `creation_rules:\n  - path_regex: \\.sops\\.ya?ml$\n    encrypted_regex: ^(data|stringData)$\n    mac_only_encrypted: true\n    age: ${recipients.join(',')}\n`,
    );
    const secrets = ['clusters/home/apps/media/sonarr/secret.sops.yaml', 'clusters/home/apps/media/radarr/secret.sops.yaml'];
    for (const [i, p] of secrets.entries()) {
      mkdirSync(join(template, 'dist', p, '..'), { recursive: true });
      writeFileSync(join(template, 'dist', p), await encryptYaml({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}` }, stringData: { key: `value-${i}` } }, rule));
    }
    writeFileSync(join(template, 'dist', '.sops.yaml'), readFileSync(join(template, '.sops.yaml'), 'utf8'));
    const oldTree = treeOf(template);
    const env = { PATH: process.env.PATH, HOME: join(base, 'home'), SOPS_AGE_KEY: ids.a.identity };

    const probe = join(base, 'probe');
    cpSync(template, probe, { recursive: true });
    const total = child(-1, ['keys', probe, ...c.args(ids, probe, -1)], env).steps;
    expect(total).toBeGreaterThan(10);

    /** 'old', 'new' (every file to the new recipients, both .sops.yaml in step), or what is wrong. */
    const stateOf = async (dir: string, k: number): Promise<string> => {
      const tree = treeOf(dir);
      if (JSON.stringify(tree) === JSON.stringify(oldTree)) return 'old';
      if (Object.keys(tree).join() !== Object.keys(oldTree).join()) return `other files: ${Object.keys(tree).join(', ')}`;
      const want = await c.after(ids, dir, k);
      const cfg = tree['.sops.yaml']!;
      if (!want.recipients.every((r) => cfg.includes(r)) || tree['dist/.sops.yaml'] !== cfg) return '.sops.yaml not updated';
      for (const [i, p] of secrets.entries()) {
        const text = tree[`dist/${p}`]!;
        if (inspectSopsYaml(text).recipients.join() !== want.recipients.join()) return `${p} not re-encrypted`;
        const doc = (await decryptYaml(text, [want.identity])).plain as { stringData: { key: string } };
        if (c.sameValues && doc.stringData.key !== `value-${i}`) return `${p} lost its value`;
      }
      return 'new';
    };

    const killed = await eachStep(total, (k) => {
      const dir = join(base, `k${k}`, 'repo');
      mkdirSync(join(dir, '..'));
      cpSync(template, dir, { recursive: true });
      return childAsync(k, ['keys', dir, ...c.args(ids, dir, k)], env);
    });
    const outcomes: string[] = [];
    for (let k = 0; k < total; k++) {
      const dir = join(base, `k${k}`, 'repo');
      const r = killed[k]!;
      expect(r.signal, `step ${k}: ${r.stderr}`).toBe('SIGKILL');
      const notes = await recoverInterrupted([join(dir, 'dist'), dir]);
      expect(notes.length, `step ${k}`).toBeGreaterThan(0);
      const state = await stateOf(dir, k);
      expect(['old', 'new'], `killed after step ${k}: ${notes.join('; ')}`).toContain(state);
      outcomes.push(state);
      if (state === 'old' && name !== 'rotate') {
        // the next run of the command completes the change
        const again = child(-1, ['keys', dir, ...c.args(ids, dir, k)], env);
        expect(again.status, again.stderr).toBe(0);
        expect(await stateOf(dir, k)).toBe('new');
      }
    }
    const firstNew = outcomes.indexOf('new');
    expect(firstNew).toBeGreaterThan(2);
    expect(outcomes.slice(firstNew).every((s) => s === 'new')).toBe(true);
    expect(outcomes.slice(0, firstNew).every((s) => s === 'old')).toBe(true);
  }, 240_000);
});

describe('two synths into one folder at once (real processes)', () => {
  it('the second waits for the first; both succeed and the tree is the complete output, no stack trace', async () => {
    const base = tmpfsScratch('concurrent-');
    const files = join(base, 'files.json');
    const many = Array.from({ length: 300 }, (_, i) => ({ path: `clusters/a/apps/f${i}.yaml`, content: `i: ${i}\n` }));
    writeFileSync(files, JSON.stringify(many));
    const out = join(base, 'out');
    const run = () =>
      new Promise<{ code: number | null; stderr: string }>((done) => {
        const p = spawn(process.execPath, [bundled(CHILD), '-1', 'write', out, files, 'a'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('close', (code) => done({ code, stderr }));
      });
    const results = await Promise.all([run(), run(), run()]);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const expected = join(base, 'expected');
    await writeTree(expected, many, { owner: 'a' });
    expect(treeOf(out)).toEqual(treeOf(expected));
  }, 60_000);
});
