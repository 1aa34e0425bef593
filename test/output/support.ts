import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/**
 * Every entry below `dir` (files with their bytes, folders, symlinks with their target), so two
 * snapshots are equal only if the trees are byte-identical — leftovers and empty folders included.
 */
export function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[`${r}/`] = '';
        walk(p, r);
      } else out[r] = readFileSync(p, 'latin1');
    }
  };
  walk(dir, '');
  return out;
}

/** `mount …` (tmpfs for a full or read-only file system): the tests run as root and need it. */
export function mount(args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`this test needs to mount a tmpfs (run as root with CAP_SYS_ADMIN): mount ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
}

/**
 * A fresh folder on its own tmpfs, unmounted when the calling test ends. For the crash tests: they
 * SIGKILL the writer, which loses nothing of the page cache (the kernel keeps running), so what
 * the next run sees is the same on any file system — and on a tmpfs each `sync -f`/fsync the
 * writer still makes returns at once instead of waiting for every dirty page of the disk.
 */
export function tmpfsScratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mount(['-t', 'tmpfs', '-o', 'size=512m', 'tmpfs', dir]);
  onTestFinished(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** `chattr +i/-i`: an immutable file refuses changes even to root. */
export function chattr(flag: string, path: string): void {
  const r = spawnSync('chattr', [flag, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`this test needs chattr (e2fsprogs) on a file system with the immutable flag: ${r.error?.message ?? r.stderr}`);
}
