import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/stack-config.js';
import { OUTPUT_MARKER } from '../../src/output/write.js';
import { DEMO_KEY, operatorEnv, PROJECT, synthCli } from '../stack/support.js';
import { mount, treeOf } from './support.js';
import { bundled } from '../child-bundle.js';

const CHILD = join(import.meta.dirname, 'crash-child.ts');

/** A config file for `cluster` and the env with its operator values and the demo identity. */
function cluster(dir: string, name: string, extra: Record<string, unknown> = {}) {
  const file = join(dir, `${name}-${Object.keys(extra).join('-') || 'plain'}.json`);
  writeFileSync(file, JSON.stringify({ cluster: name, ...extra }));
  return { file, env: { ...operatorEnv(resolveConfig({ cluster: name })), SOPS_AGE_KEY_FILE: DEMO_KEY } };
}

const secretsOf = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([p]) => p.endsWith('.sops.yaml') && p !== '.sops.yaml'));

describe('npm run synth and its output folder', () => {
  it('two clusters share one --out: each keeps the other’s tree, docs go per cluster, .sops.yaml is shared', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shared-'));
    const out = join(dir, 'gitops');
    const lab = cluster(dir, 'lab');
    const lab2 = cluster(dir, 'lab2');
    expect((await synthCli(['--config', lab.file, '--out', out], lab.env)).code).toBe(0);
    const first = treeOf(out);
    const r2 = await synthCli(['--config', lab2.file, '--out', out], lab2.env);
    expect(r2.stderr).toBe('');
    expect(r2.stdout).toMatch(/files: \d+ written, 1 unchanged, 0 removed/); // .sops.yaml is shared
    const both = treeOf(out);
    for (const [p, text] of Object.entries(first)) if (p !== OUTPUT_MARKER) expect(both[p], p).toBe(text);
    expect(Object.keys(both)).toContain('docs/lab2/bootstrap.md');
    expect(Object.keys(both)).toContain('clusters/lab2/apps/media/sonarr/app/secret.sops.yaml');
    expect(readFileSync(join(out, OUTPUT_MARKER), 'utf8')).toMatch(/ {2}"lab":\n[^]* {2}"lab2":\n/);
    // re-synthesizing lab with a change touches no file of lab2
    const changed = cluster(dir, 'lab', { timezone: 'Europe/Berlin' });
    writeFileSync(join(out, 'NOTES.md'), 'mine\n');
    const r3 = await synthCli(['--config', changed.file, '--out', out], lab.env);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stdout).toContain('kept (not written by media-stack): NOTES.md\n');
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('mine\n');
    expect(r3.stdout).toMatch(/secrets: \d+ kept, 0 re-encrypted, 0 created/);
    const after = treeOf(out);
    for (const [p, text] of Object.entries(both)) if (p.includes('lab2/')) expect(after[p], p).toBe(text);
  }, 120_000);

  it('each writer failure is one line naming the path and the fix; the old tree stays byte-identical; the message says it is unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fail-'));
    const lab = cluster(dir, 'lab');

    const root = await synthCli(['--config', lab.file, '--out', '/'], lab.env);
    expect(root.code).toBe(1);
    expect(root.stderr).toBe('error: refusing to write into /: it is the file system root; pass --out a folder of its own, e.g. ./dist; / is unchanged\n');

    const file = join(dir, 'a-file');
    writeFileSync(file, 'x\n');
    const asFile = await synthCli(['--config', lab.file, '--out', file], lab.env);
    expect(asFile.stderr).toBe(`error: refusing to write into ${file}: it is a file, not a folder; move it away or pass --out a folder; ${file} is unchanged\n`);

    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    mount(['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
    try {
      const out = join(mnt, 'out');
      expect((await synthCli(['--config', lab.file, '--out', out], lab.env)).code).toBe(0);
      const before = treeOf(out);
      mount(['-o', 'remount,ro', mnt]);
      const changed = cluster(dir, 'lab', { timezone: 'Europe/Berlin' });
      const ro = await synthCli(['--config', changed.file, '--out', out], lab.env);
      expect(ro.code).toBe(1);
      expect(ro.stderr).toMatch(
        new RegExp(`^error: cannot write ${out}/\\S+: the file system is read-only: remount it read-write or pass --out another folder \\(EROFS\\); ${out} is unchanged\\n$`),
      );
      expect(treeOf(out)).toEqual(before);
    } finally {
      spawnSync('umount', [mnt]);
    }
  }, 120_000);

  it('a synth killed (SIGKILL) around its commit point: the next synth recovers, says so, and keeps every generated API key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kill-'));
    const out = join(dir, 'out');
    const lab = cluster(dir, 'lab');
    expect((await synthCli(['--config', lab.file, '--out', out], lab.env)).code).toBe(0);
    const secrets = secretsOf(treeOf(out));
    expect(Object.keys(secrets).length).toBeGreaterThan(3);
    const changed = cluster(dir, 'lab', { timezone: 'Europe/Berlin' });
    const args = (k: number) =>
      [process.execPath, [bundled(CHILD), String(k), 'synth', '--config', changed.file, '--out', out], { cwd: PROJECT, env: lab.env, encoding: 'utf8' as const }] as const;
    // steps: journal, one per staged file, sync, commit, … — 0: just after the journal; 3: mid-staging
    for (const k of [0, 3]) {
      const r = spawnSync(...args(k));
      expect(r.signal, r.stderr).toBe('SIGKILL');
      const next = await synthCli(['--config', lab.file, '--out', out], lab.env);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout).toMatch(/recovered: removed the stale lock of npm run synth \(pid \d+/);
      expect(next.stdout).toMatch(
        /recovered: an interrupted write \(pid \d+, \d+ file\(s\)\) had not reached its commit point: removed its staged files, nothing of it was applied/,
      );
      expect(next.stdout).toMatch(/files: 0 written, \d+ unchanged, 0 removed/);
      expect(secretsOf(treeOf(out))).toEqual(secrets);
    }
    // just after the commit point: the next synth finishes the interrupted one first
    const probe = spawnSync(...args(-1));
    const names = JSON.parse(/names: (.*)/.exec(probe.stderr)![1]!) as string[];
    const commit = names.indexOf('journal: commit');
    expect(commit).toBeGreaterThan(10);
    expect((await synthCli(['--config', lab.file, '--out', out], lab.env)).code).toBe(0); // back to the old state
    const killed = spawnSync(...args(commit));
    expect(killed.signal).toBe('SIGKILL');
    const next = await synthCli(['--config', changed.file, '--out', out], lab.env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/recovered: an interrupted write .* had reached its commit point: finished it from its journal/);
    expect(next.stdout).toMatch(/secrets: \d+ kept, 0 re-encrypted, 0 created/);
    expect(secretsOf(treeOf(out))).toEqual(secrets);
  }, 180_000);
});
