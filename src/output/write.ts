import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { OutputFile } from './layout.js';

export interface WriteReport {
  readonly written: string[];
  readonly unchanged: string[];
  readonly removed: string[];
}

/** Every file below `dir`, as paths relative to it (sorted). Missing dir → empty. */
export async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Replaces `outDir` with exactly `files`, atomically: the new tree is written to a sibling
 * temporary folder and swapped in with two renames, so a failure at any point leaves the previous
 * tree byte-identical, and stale files disappear.
 */
export async function writeTree(outDir: string, files: readonly OutputFile[]): Promise<WriteReport> {
  const out = resolve(outDir);
  const parent = dirname(out);
  await mkdir(parent, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = `${out}.tmp-${stamp}`;
  const old = `${out}.old-${stamp}`;

  const previous = new Set(await listFiles(out));
  const report: WriteReport = { written: [], unchanged: [], removed: [] };
  try {
    for (const f of files) {
      if (f.path.startsWith('/') || f.path.split('/').includes('..')) throw new Error(`refusing to write outside the output folder: ${f.path}`);
      const target = join(tmp, f.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, f.content);
      if (previous.has(f.path) && (await readFile(join(out, f.path), 'utf8')) === f.content) report.unchanged.push(f.path);
      else report.written.push(f.path);
      previous.delete(f.path);
    }
    report.removed.push(...[...previous].sort());
    const hadOld = existsSync(out);
    if (hadOld) await rename(out, old);
    try {
      await rename(tmp, out);
    } catch (err) {
      if (hadOld) await rename(old, out);
      throw err;
    }
    if (hadOld) await rm(old, { recursive: true, force: true });
    return report;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
