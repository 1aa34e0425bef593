import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withKustomizations } from '../../src/output/layout.js';
import { LOCK_FILE } from '../../src/output/lock.js';
import { faultInjection, WriterError } from '../../src/output/transaction.js';
import { listFiles, OUTPUT_MARKER, writeTree } from '../../src/output/write.js';
import { chattr, mount, treeOf } from './support.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'write-')), 'out');

describe('the output writer', () => {
  it('writes exactly the given files plus its marker, and reports what changed', async () => {
    const out = tmp();
    const r1 = await writeTree(out, [
      { path: 'a/x.yaml', content: 'x: 1\n' },
      { path: 'b.yaml', content: 'b: 1\n' },
    ]);
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, 'a/x.yaml', 'b.yaml']);
    expect(r1.written).toContain('a/x.yaml');
    const r2 = await writeTree(out, [{ path: 'a/x.yaml', content: 'x: 2\n' }]);
    expect(r2).toMatchObject({ written: [OUTPUT_MARKER, 'a/x.yaml'], unchanged: [], removed: ['b.yaml'], kept: [], recovered: [] });
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, 'a/x.yaml']);
    expect(readFileSync(join(out, 'a/x.yaml'), 'utf8')).toBe('x: 2\n');
    const r3 = await writeTree(out, [{ path: 'a/x.yaml', content: 'x: 2\n' }]);
    expect(r3).toMatchObject({ written: [], unchanged: [OUTPUT_MARKER, 'a/x.yaml'], removed: [] });
  });

  it('records in its marker which files it wrote, per owner', async () => {
    const out = tmp();
    await writeTree(
      out,
      [
        { path: 'clusters/a/x.yaml', content: 'x\n' },
        { path: '.sops.yaml', content: 's\n' },
      ],
      { owner: 'a' },
    );
    expect(readFileSync(join(out, OUTPUT_MARKER), 'utf8')).toMatch(
      /^# This folder is written by media-stack[^]*owners:\n {2}"a":\n {4}- ".sops.yaml"\n {4}- "clusters\/a\/x.yaml"\n$/,
    );
  });

  it('refuses to write into a folder it did not write, such as a repository root, and leaves it untouched', async () => {
    const out = tmp();
    mkdirSync(join(out, '.git'), { recursive: true });
    writeFileSync(join(out, 'README.md'), 'mine');
    await expect(writeTree(out, [{ path: 'x.yaml', content: 'x: 1\n' }])).rejects.toThrow(/refusing to write into .*not media-stack output.*\.git repository.*flux\.repoPath/);
    expect(await listFiles(out)).toEqual(['README.md']);
    expect(existsSync(join(out, '.git'))).toBe(true);
  });

  it('leaves the previous tree byte-identical when the new tree is invalid', async () => {
    const out = tmp();
    await writeTree(out, [{ path: 'keep.yaml', content: 'k: 1\n' }]);
    const before = treeOf(out);
    await expect(
      writeTree(out, [
        { path: 'ok.yaml', content: 'o\n' },
        { path: '../escape.yaml', content: 'e\n' },
      ]),
    ).rejects.toThrow(/outside the output folder/);
    expect(treeOf(out)).toEqual(before);
    expect((await listFiles(join(out, '..'))).filter((f) => !f.startsWith('out/'))).toEqual([]);
  });

  it('gives every folder below the root but the app folders a kustomization.yaml, in the anchors’ layout', () => {
    const files = withKustomizations(
      [
        { path: 'c/apps/m/s/ks.yaml', content: '' },
        { path: 'c/apps/m/s/app/b.yaml', content: '' },
        { path: 'c/apps/m/s/app/a.yaml', content: '' },
        { path: 'c/apps/m/ns.yaml', content: '' },
        { path: 'docs/x.md', content: '' },
      ],
      'c',
      { c: ['flux-system'] },
    );
    const k = (dir: string) => files.find((f) => f.path === `${dir}/kustomization.yaml`)?.content;
    const header = '# yaml-language-server: $schema=https://json.schemastore.org/kustomization\n';
    expect(k('c/apps/m/s/app')).toBe(`${header}apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ./a.yaml\n  - ./b.yaml\n`);
    expect(k('c/apps/m/s')).toBeUndefined();
    expect(k('c/apps/m')).toContain('  - ./ns.yaml\n  - ./s/ks.yaml\n');
    expect(k('c/apps')).toContain('  - ./m\n');
    expect(k('c')).toContain('  - ./apps\n  - flux-system\n');
    expect(k('docs')).toBeUndefined();
  });
});

describe('files the writer did not write', () => {
  it('keeps a .git and a NOTES.md added next to its marker, byte for byte, and names them', async () => {
    const out = tmp();
    await writeTree(out, [
      { path: 'clusters/a/x.yaml', content: 'x: 1\n' },
      { path: 'docs/a/README.md', content: 'r\n' },
    ]);
    mkdirSync(join(out, '.git', 'objects'), { recursive: true });
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(out, 'NOTES.md'), 'my notes\n');
    writeFileSync(join(out, 'clusters', 'a', 'mine.txt'), 'next to generated files\n');
    const r = await writeTree(out, [{ path: 'clusters/a/y.yaml', content: 'y: 1\n' }]);
    expect(r.removed).toEqual(['clusters/a/x.yaml', 'docs/a/README.md']);
    expect(r.kept).toEqual(['.git/', 'NOTES.md']);
    expect(readFileSync(join(out, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(out, 'clusters', 'a', 'mine.txt'), 'utf8')).toBe('next to generated files\n');
    expect(existsSync(join(out, '.git', 'objects'))).toBe(true);
    expect(existsSync(join(out, 'docs'))).toBe(false); // emptied folders of its own go
  });

  it('refuses to overwrite a file it did not write, and changes nothing', async () => {
    const out = tmp();
    await writeTree(out, [{ path: 'a.yaml', content: 'a\n' }]);
    writeFileSync(join(out, 'b.yaml'), 'the user wrote this\n');
    const before = treeOf(out);
    await expect(
      writeTree(out, [
        { path: 'a.yaml', content: 'a2\n' },
        { path: 'b.yaml', content: 'generated\n' },
      ]),
    ).rejects.toThrow(new RegExp(`^refusing to overwrite ${out}/b\\.yaml: media-stack did not write it .*; move it away or rename it$`));
    expect(treeOf(out)).toEqual(before);
  });

  it('takes over an output folder of the earlier writer (marker without a file list) without deleting files outside its layout', async () => {
    const out = tmp();
    mkdirSync(join(out, 'clusters', 'home'), { recursive: true });
    mkdirSync(join(out, 'docs'), { recursive: true });
    writeFileSync(join(out, OUTPUT_MARKER), 'This folder is generated by media-stack (`npm run synth`) and replaced as a whole on every synth.\n');
    writeFileSync(join(out, 'clusters', 'home', 'old.yaml'), 'old\n');
    writeFileSync(join(out, 'docs', 'README.md'), 'old docs\n');
    writeFileSync(join(out, 'NOTES.md'), 'mine\n');
    const r = await writeTree(out, [{ path: 'clusters/home/new.yaml', content: 'new\n' }], { owner: 'home' });
    expect(r.removed).toEqual(['clusters/home/old.yaml', 'docs/README.md']);
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, 'NOTES.md', 'clusters/home/new.yaml']);
  });
});

describe('several clusters in one output folder', () => {
  const a = [
    { path: '.sops.yaml', content: 'rules\n' },
    { path: 'clusters/a/x.yaml', content: 'a: 1\n' },
    { path: 'docs/a/README.md', content: 'a docs\n' },
  ];
  const b = [
    { path: '.sops.yaml', content: 'rules\n' },
    { path: 'clusters/b/x.yaml', content: 'b: 1\n' },
    { path: 'docs/b/README.md', content: 'b docs\n' },
  ];

  it("keep each other's trees; a shared file with the same content belongs to both", async () => {
    const out = tmp();
    await writeTree(out, a, { owner: 'a' });
    const rb = await writeTree(out, b, { owner: 'b' });
    expect(rb.removed).toEqual([]);
    expect(rb.kept).toEqual([]);
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, '.sops.yaml', 'clusters/a/x.yaml', 'clusters/b/x.yaml', 'docs/a/README.md', 'docs/b/README.md']);
    // a drops a file and re-synthesizes: b's tree and the shared .sops.yaml stay
    const ra = await writeTree(out, a.slice(0, 2), { owner: 'a' });
    expect(ra.removed).toEqual(['docs/a/README.md']);
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, '.sops.yaml', 'clusters/a/x.yaml', 'clusters/b/x.yaml', 'docs/b/README.md']);
    // a no longer writes .sops.yaml: b still owns it, so it stays
    await writeTree(out, a.slice(1, 2), { owner: 'a' });
    expect(readFileSync(join(out, '.sops.yaml'), 'utf8')).toBe('rules\n');
    expect(readFileSync(join(out, 'clusters/b/x.yaml'), 'utf8')).toBe('b: 1\n');
  });

  it('refuses, naming the other cluster, when a shared file would differ', async () => {
    const out = tmp();
    await writeTree(out, a, { owner: 'a' });
    const before = treeOf(out);
    await expect(writeTree(out, [{ path: '.sops.yaml', content: 'other rules\n' }, ...b.slice(1)], { owner: 'b' })).rejects.toThrow(
      /refusing to overwrite .*\/\.sops\.yaml: the synth of cluster a wrote it with other content; give each cluster its own --out/,
    );
    expect(treeOf(out)).toEqual(before);
  });
});

describe('writer failures: one line naming the path and the fix, the old tree byte-identical', () => {
  const files = [
    { path: 'clusters/a/x.yaml', content: 'x: 2\n' },
    { path: 'clusters/a/new/y.yaml', content: 'y\n' },
  ];
  async function oldTree() {
    const out = tmp();
    await writeTree(out, [
      { path: 'clusters/a/x.yaml', content: 'x: 1\n' },
      { path: 'clusters/a/gone.yaml', content: 'g\n' },
    ]);
    return { out, before: treeOf(out) };
  }
  const oneLine = (e: unknown) => {
    expect(e).toBeInstanceOf(WriterError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  };

  it('refuses --out / at once, without walking the file system', async () => {
    const t0 = Date.now();
    const err = await writeTree('/', files).catch((e: unknown) => e);
    expect(oneLine(err)).toBe('refusing to write into /: it is the file system root; pass --out a folder of its own, e.g. ./dist');
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it('refuses a path that is a file', async () => {
    const out = tmp();
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, 'a file\n');
    expect(oneLine(await writeTree(out, files).catch((e: unknown) => e))).toBe(`refusing to write into ${out}: it is a file, not a folder; move it away or pass --out a folder`);
    expect(readFileSync(out, 'utf8')).toBe('a file\n');
  });

  it('follows a symlinked --out and writes inside its target, keeping the link', async () => {
    const { out: target, before } = await oldTree();
    const link = join(target, '..', 'link');
    symlinkSync(target, link);
    const r = await writeTree(link, files);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(join(target, 'clusters/a/x.yaml'), 'utf8')).toBe('x: 2\n');
    expect(r.removed).toEqual(['clusters/a/gone.yaml']);
    expect(treeOf(target)).not.toEqual(before);
  });

  it('refuses a symlinked --out whose target is missing, and a symlink inside the folder that leads out of it', async () => {
    const out = tmp();
    mkdirSync(join(out, '..'), { recursive: true });
    symlinkSync(join(out, '..', 'nowhere'), out);
    expect(oneLine(await writeTree(out, files).catch((e: unknown) => e))).toMatch(
      /^--out .* is a symlink to .*nowhere, which does not exist: create that folder or pass --out a folder$/,
    );

    const { out: real, before } = await oldTree();
    const elsewhere = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    symlinkSync(elsewhere, join(real, 'clusters', 'a', 'new'));
    const rel = treeOf(real);
    expect(oneLine(await writeTree(real, files).catch((e: unknown) => e))).toMatch(
      /^refusing to write .*clusters\/a\/new\/y\.yaml: a symlink inside the output folder leads out of it; replace it with a folder$/,
    );
    expect(treeOf(real)).toEqual(rel);
    expect(await listFiles(elsewhere)).toEqual([]);
    expect(before).toBeDefined();
  });

  it('an immutable file (EPERM even for root) fails in one line and the tree is restored', async () => {
    const { out, before } = await oldTree();
    const x = join(out, 'clusters/a/x.yaml');
    chattr('+i', x);
    try {
      const msg = oneLine(await writeTree(out, files).catch((e: unknown) => e));
      expect(msg).toMatch(new RegExp(`^cannot write ${out}/clusters/a/x\\.yaml: operation not permitted .*pass --out another folder \\(EPERM\\)$`));
    } finally {
      chattr('-i', x);
    }
    expect(treeOf(out)).toEqual(before);
  });

  it('a read-only file system (EROFS) and a full disk (ENOSPC) fail in one line and the tree is byte-identical', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'mnt-'));
    mount(['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
    try {
      const out = join(mnt, 'out');
      await writeTree(out, [{ path: 'clusters/a/x.yaml', content: 'x: 1\n' }]);
      const before = treeOf(out);
      const big = [
        { path: 'clusters/a/x.yaml', content: 'x: 2\n' },
        { path: 'clusters/a/big.yaml', content: 'z'.repeat(512 * 1024) },
      ];
      expect(oneLine(await writeTree(out, big).catch((e: unknown) => e))).toMatch(/^cannot write .*: no space left on the device: free some space and run again \(ENOSPC\)$/);
      expect(treeOf(out)).toEqual(before);

      mount(['-o', 'remount,ro', mnt]);
      expect(oneLine(await writeTree(out, files).catch((e: unknown) => e))).toMatch(
        new RegExp(`^cannot write ${out}.*: the file system is read-only: remount it read-write or pass --out another folder \\(EROFS\\)$`),
      );
      expect(treeOf(out)).toEqual(before);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('an error injected after each step of the transaction leaves the old tree byte-identical and nothing else', async () => {
    const steps: string[] = [];
    faultInjection.onStep = (s) => void steps.push(s);
    await writeTree((await oldTree()).out, files);
    faultInjection.onStep = undefined;
    // after 'sync applied' the new tree is complete; what follows is tidying the next run repeats
    const failing = steps.slice(0, steps.indexOf('sync applied') + 1);
    expect(failing.length).toBe(12);
    for (let i = 0; i < failing.length; i++) {
      const { out, before } = await oldTree();
      let n = 0;
      faultInjection.onStep = () => {
        if (n++ === i) throw Object.assign(new Error('injected'), { code: 'EIO', path: join(out, 'injected') });
      };
      try {
        const msg = oneLine(await writeTree(out, files).catch((e: unknown) => e));
        expect(msg, `fault after step ${i} (${failing[i]})`).toBe(`cannot write ${out}/injected: an I/O error: check the disk (EIO)`);
      } finally {
        faultInjection.onStep = undefined;
      }
      expect(treeOf(out), `fault after step ${i} (${failing[i]}) of ${failing.join(', ')}`).toEqual(before);
    }
  });
});

describe('the lock', () => {
  it('refuses, naming the holder, while another live process writes; takes over the lock of a dead one and says so', async () => {
    const out = tmp();
    await writeTree(out, [{ path: 'a.yaml', content: 'a\n' }]);
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const livePid = sleeper.pid!;
    try {
      writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: livePid, host: (await import('node:os')).hostname(), started: '2026-01-01T00:00:00Z', command: 'npm run synth' }));
      const before = treeOf(out);
      const waits: string[] = [];
      const err = await writeTree(out, [{ path: 'b.yaml', content: 'b\n' }], { waitMs: 300, onWait: (m) => waits.push(m) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WriterError);
      expect((err as WriterError).message).toBe(
        `${out} is being written by npm run synth (pid ${livePid} on ${(await import('node:os')).hostname()}, since 2026-01-01T00:00:00Z): wait for it to finish and run again (if no such process runs, delete ${out}/${LOCK_FILE})`,
      );
      expect(waits).toHaveLength(1);
      expect(treeOf(out)).toEqual(before);
    } finally {
      process.kill(livePid, 'SIGKILL');
    }
    const dead = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: Number(dead.stdout.trim()), host: (await import('node:os')).hostname(), started: 'then', command: 'npm run synth' }));
    const r = await writeTree(out, [{ path: 'b.yaml', content: 'b\n' }], { waitMs: 300 });
    expect(r.recovered).toEqual([
      `removed the stale lock of npm run synth (pid ${dead.stdout.trim()} on ${(await import('node:os')).hostname()}, since then), which is no longer running`,
    ]);
    expect(await listFiles(out)).toEqual([OUTPUT_MARKER, 'b.yaml']);
  });
});

describe('leftovers of the earlier whole-folder writer', () => {
  it('puts back the previous tree a kill between its two renames left in <out>.old-*, and removes <out>.tmp-*', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'legacy-'));
    const out = join(parent, 'dist');
    const old = join(parent, 'dist.old-123-1700000000000');
    mkdirSync(join(old, 'clusters', 'home'), { recursive: true });
    writeFileSync(join(old, OUTPUT_MARKER), 'legacy marker\n');
    writeFileSync(join(old, 'clusters', 'home', 'secret.sops.yaml'), 'the only copy of the keys\n');
    mkdirSync(join(parent, 'dist.tmp-123-1700000000000', 'clusters'), { recursive: true });
    mkdirSync(join(parent, 'dist.old-backup'), { recursive: true }); // not the writer's pattern: kept
    const r = await writeTree(out, [{ path: 'clusters/home/secret.sops.yaml', content: 'the only copy of the keys\n' }], { owner: 'home' });
    expect(r.recovered).toEqual([
      `restored ${out} from dist.old-123-1700000000000 (an interrupted synth of an earlier version had moved it away)`,
      'removed dist.tmp-123-1700000000000, left by an interrupted synth of an earlier version',
    ]);
    expect(r.unchanged).toContain('clusters/home/secret.sops.yaml');
    expect((await listFiles(parent)).map((f) => f.split('/')[0])).not.toContain('dist.tmp-123-1700000000000');
    expect(existsSync(join(parent, 'dist.old-backup'))).toBe(true);
    // a complete output folder next to an .old-* (killed during the old writer's final rm): the .old-* goes
    mkdirSync(join(parent, 'dist.old-9-1700000000001'));
    writeFileSync(join(parent, 'dist.old-9-1700000000001', OUTPUT_MARKER), 'legacy marker\n');
    const again = await writeTree(out, [{ path: 'clusters/home/secret.sops.yaml', content: 'the only copy of the keys\n' }], { owner: 'home' });
    expect(again.recovered).toEqual(['removed dist.old-9-1700000000001, left by an interrupted synth of an earlier version']);
    expect(existsSync(join(parent, 'dist.old-9-1700000000001'))).toBe(false);
  });
});
