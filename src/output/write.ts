import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { OutputFile } from './layout.js';
import { filesBelow } from './tree.js';
import { acquireLock, LOCK_FILE, type HeldLock, type LockOptions } from './lock.js';
import { commitFiles, describeFsError, JOURNAL_FILE, recoverJournal, WriterError, type FileChange } from './transaction.js';

/**
 * Marks a folder as media-stack output and records which files each cluster's synth wrote there:
 * the writer only ever replaces or deletes those, so a user's `.git` or notes next to them stay,
 * and clusters sharing the folder keep each other's trees.
 */
export const OUTPUT_MARKER = '.media-stack-output';
const MARKER_HEADER = [
  '# This folder is written by media-stack (`npm run synth`). Each synth replaces exactly the files',
  '# listed below for its cluster and keeps every other file; several clusters may share the folder',
  '# (clusters/<name>/, docs/<name>/). Generated: do not edit.',
];
/** Files of the writer's own machinery in the output folder: never output, never foreign. */
const INTERNAL = new Set([OUTPUT_MARKER, LOCK_FILE, JOURNAL_FILE]);
const isInternal = (name: string) => INTERNAL.has(name) || name.startsWith(`${LOCK_FILE}.`) || name.startsWith(`${JOURNAL_FILE}.`);

export interface WriteReport {
  readonly written: string[];
  readonly unchanged: string[];
  readonly removed: string[];
  /** Top-level entries of the output folder the writer did not write and kept. @default none */
  readonly kept?: string[];
  /** What was recovered from an interrupted earlier run (journal, stale lock, leftovers). @default none */
  readonly recovered?: string[];
}

export interface WriteOptions {
  /** Whose files these are: the cluster name. Each owner's files are replaced independently. @default 'default' */
  readonly owner?: string;
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

interface Ownership {
  readonly owners: Map<string, Set<string>>;
  /** A marker of the writer before ownership was recorded (it replaced the whole folder). */
  readonly legacy: boolean;
}

function readOwnership(dir: string): Ownership {
  const path = join(dir, OUTPUT_MARKER);
  if (!existsSync(path)) return { owners: new Map(), legacy: false };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch {
    doc = undefined;
  }
  const owners = (doc as { owners?: Record<string, unknown> } | null)?.owners;
  if (!owners || typeof owners !== 'object') return { owners: new Map(), legacy: true };
  return { owners: new Map(Object.entries(owners).map(([k, v]) => [k, new Set(Array.isArray(v) ? v.map(String) : [])])), legacy: false };
}

function markerText(owners: Map<string, Set<string>>): string {
  const lines = [...MARKER_HEADER, 'owners:'];
  for (const owner of [...owners.keys()].sort()) {
    const files = [...owners.get(owner)!].sort();
    lines.push(`  ${JSON.stringify(owner)}:${files.length ? '' : ' []'}`);
    for (const f of files) lines.push(`    - ${JSON.stringify(f)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What the old whole-folder writer left behind (`<out>.tmp-<pid>-<ms>`, `<out>.old-<pid>-<ms>`):
 * a kill between its two renames left the output folder missing and the previous tree — with the
 * encrypted Secrets the next synth must keep — only in `.old-*`. That one is put back.
 */
function recoverLegacySiblings(out: string): string[] {
  const parent = dirname(out);
  if (!existsSync(parent)) return [];
  const name = basename(out);
  const notes: string[] = [];
  const ours = readdirSync(parent).filter((n) => n.startsWith(`${name}.`) && /^\.(tmp|old)-\d+-\d+$/.test(n.slice(name.length)));
  const olds = ours.filter((n) => n.includes('.old-') && existsSync(join(parent, n, OUTPUT_MARKER))).sort((a, b) => Number(b.split('-').pop()) - Number(a.split('-').pop()));
  const outEmpty = !existsSync(out) || (statSync(out).isDirectory() && readdirSync(out).every(isInternal));
  // Another process may be doing the same right now: whoever renames first wins, the other skips.
  const racing = (fn: () => void) => {
    try {
      fn();
      return true;
    } catch (e) {
      if (['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) return false;
      throw describeFsError(e);
    }
  };
  if (olds.length > 0 && outEmpty) {
    const restored = racing(() => {
      if (existsSync(out)) rmdirSync(out);
      renameSync(join(parent, olds[0]!), out);
    });
    if (restored) notes.push(`restored ${out} from ${olds[0]} (an interrupted synth of an earlier version had moved it away)`);
  }
  for (const n of ours) {
    const p = join(parent, n);
    if (!existsSync(p)) continue;
    // an .old-* is only ever removed once the output folder is a complete tree again: it may hold the only copy of the Secrets
    if (n.includes('.old-') && (!existsSync(join(p, OUTPUT_MARKER)) || !existsSync(join(out, OUTPUT_MARKER)))) continue;
    if (racing(() => rmSync(p, { recursive: true }))) notes.push(`removed ${n}, left by an interrupted synth of an earlier version`);
  }
  return notes;
}

/** An output folder held by this process: locked, recovered, ready to write. */
export interface OutputFolder {
  /** The real folder (a symlinked --out is followed). */
  readonly dir: string;
  /** What was recovered on the way in. */
  readonly recovered: string[];
  write(files: readonly OutputFile[], o?: WriteOptions): WriteReport;
  release(): void;
}

const isInside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/**
 * The folder `--out outDir` names, a symlink followed (the operator's choice of where the output
 * lives), and whether it exists; refuses what can never be an output folder (the file system
 * root, a file, a dangling symlink) with the writer's one-line message.
 */
export function resolveOutputPath(outDir: string): { out: string; exists: boolean } {
  let out = resolve(outDir);
  if (dirname(out) === out) throw new WriterError(`refusing to write into ${outDir}: it is the file system root; pass --out a folder of its own, e.g. ./dist`);
  let stat: ReturnType<typeof lstatSync> | undefined;
  try {
    stat = lstatSync(out);
  } catch {
    stat = undefined;
  }
  if (stat?.isSymbolicLink()) {
    try {
      out = realpathSync(out);
    } catch {
      throw new WriterError(`--out ${outDir} is a symlink to ${readlinkSync(out)}, which does not exist: create that folder or pass --out a folder`);
    }
    if (dirname(out) === out) throw new WriterError(`refusing to write into ${outDir}: it points at the file system root; pass --out a folder of its own`);
    stat = lstatSync(out);
  }
  if (stat && !stat.isDirectory()) throw new WriterError(`refusing to write into ${outDir}: it is a file, not a folder; move it away or pass --out a folder`);
  return { out, exists: stat !== undefined };
}

/**
 * Opens (creating if missing) the output folder: refuses paths that cannot be output, takes the
 * folder's lock (waiting for another synth), and finishes or undoes whatever an interrupted run
 * left. Read the previous output only after this.
 */
export async function openOutputFolder(outDir: string, o: LockOptions = {}): Promise<OutputFolder> {
  const { out, exists } = resolveOutputPath(outDir);
  if (exists) {
    const foreign = readdirSync(out).filter((n) => !isInternal(n));
    if (foreign.length > 0 && !existsSync(join(out, OUTPUT_MARKER)) && !existsSync(join(out, JOURNAL_FILE))) {
      throw new WriterError(
        `refusing to write into ${outDir}: it is not media-stack output (no ${OUTPUT_MARKER} file)${foreign.includes('.git') ? ' and it holds a .git repository' : ''}. Synthesize into a folder of its own, e.g. <gitops repo>/media-stack, and set flux.repoPath to that folder`,
      );
    }
  }
  const recovered = recoverLegacySiblings(out);
  let created: string | undefined;
  if (!existsSync(out)) {
    try {
      created = mkdirSync(out, { recursive: true }) ?? out;
    } catch (err) {
      throw describeFsError(err, out);
    }
  }
  let lock: HeldLock;
  try {
    lock = await acquireLock(out, o);
    recovered.push(...lock.notes);
  } catch (err) {
    if (created) rmSync(created, { recursive: true, force: true });
    throw err instanceof WriterError ? err : describeFsError(err, out);
  }
  try {
    recovered.push(...recoverJournal(out));
  } catch (err) {
    lock.release();
    throw err instanceof WriterError ? err : new WriterError(`cannot recover the interrupted write in ${outDir}: ${describeFsError(err).message}; fix that and run again`);
  }
  const dir = out;
  return {
    dir,
    recovered,
    write(files, wo) {
      try {
        return writeOwned(dir, files, wo?.owner ?? 'default', recovered);
      } catch (err) {
        // Everything before the transaction only reads; the transaction undoes its own failures.
        throw err instanceof WriterError ? err : describeFsError(err);
      }
    },
    release() {
      lock.release();
      // A failed first synth leaves no empty folder behind.
      if (created && readdirSync(dir).length === 0) {
        for (let d = dir; isInside(d, created) && existsSync(d) && readdirSync(d).length === 0; d = dirname(d)) rmdirSync(d);
      }
    },
  };
}

function checkRelative(path: string): void {
  if (path.startsWith('/') || path.split('/').includes('..') || path.split('/').includes('')) throw new WriterError(`refusing to write outside the output folder: ${path}`);
  if (isInternal(path)) throw new WriterError(`${path} is the writer's own file; no output may use that name`);
}

/** Replaces this owner's files in `dir` with `files`, through one journaled transaction. */
function writeOwned(dir: string, files: readonly OutputFile[], owner: string, recovered: readonly string[]): WriteReport {
  for (const f of files) checkRelative(f.path);
  const { owners, legacy } = readOwnership(dir);
  const mine = owners.get(owner) ?? new Set<string>();
  const ownedByOthers = (p: string) => [...owners].filter(([o, set]) => o !== owner && set.has(p)).map(([o]) => o);
  const newPaths = new Set(files.map((f) => f.path));
  // The writer before ownership records replaced the whole folder: what it certainly wrote is the tree layout.
  const legacyOwned = (p: string) => legacy && (p.startsWith('clusters/') || p.startsWith('docs/') || p === '.sops.yaml');

  const realDirs = new Map<string, string>();
  const realOf = (d: string): string => {
    let r = realDirs.get(d);
    if (r === undefined) {
      r = existsSync(d) ? realpathSync(d) : join(realOf(dirname(d)), basename(d));
      realDirs.set(d, r);
    }
    return r;
  };
  const report = { written: [] as string[], unchanged: [] as string[], removed: [] as string[] };
  const changes: FileChange[] = [];
  for (const f of files) {
    const target = join(dir, f.path);
    if (!isInside(realOf(dirname(target)), dir)) throw new WriterError(`refusing to write ${target}: a symlink inside the output folder leads out of it; replace it with a folder`);
    let st: ReturnType<typeof lstatSync> | undefined;
    try {
      st = lstatSync(target);
    } catch {
      st = undefined;
    }
    if (st && !st.isFile()) throw new WriterError(`refusing to write ${target}: a ${st.isDirectory() ? 'folder' : 'non-file'} the writer did not make is in the way; move it away`);
    if (st) {
      const others = ownedByOthers(f.path);
      if (!mine.has(f.path) && !legacyOwned(f.path) && others.length === 0) {
        throw new WriterError(`refusing to overwrite ${target}: media-stack did not write it (it is not in ${OUTPUT_MARKER}); move it away or rename it`);
      }
      const current = readFileSync(target, 'utf8');
      if (others.length > 0 && !mine.has(f.path) && current !== f.content) {
        throw new WriterError(
          `refusing to overwrite ${target}: the synth of cluster ${others.join(', ')} wrote it with other content; give each cluster its own --out, or make the shared file the same`,
        );
      }
      if (current === f.content) {
        report.unchanged.push(f.path);
        continue;
      }
    }
    changes.push({ path: target, content: f.content });
    report.written.push(f.path);
  }
  const stale = legacy ? [...listOwnedLegacy(dir)].filter((p) => !newPaths.has(p)) : [...mine].filter((p) => !newPaths.has(p));
  for (const p of stale.sort()) {
    if (ownedByOthers(p).length > 0) continue; // still another cluster's file
    if (!existsSync(join(dir, p))) continue;
    changes.push({ path: join(dir, p), content: null });
    report.removed.push(p);
  }

  const nextOwners = new Map(owners);
  nextOwners.set(owner, newPaths);
  const marker = markerText(nextOwners);
  const markerPath = join(dir, OUTPUT_MARKER);
  if (existsSync(markerPath) && readFileSync(markerPath, 'utf8') === marker) report.unchanged.push(OUTPUT_MARKER);
  else {
    changes.push({ path: markerPath, content: marker });
    report.written.push(OUTPUT_MARKER);
  }
  commitFiles(dir, changes);

  const allOwned = [...nextOwners.values()].flatMap((s) => [...s]);
  const kept = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !isInternal(e.name) && !allOwned.some((p) => p === e.name || p.startsWith(`${e.name}/`)))
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort();
  const sort = (a: string[]) => a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return { written: sort(report.written), unchanged: sort(report.unchanged), removed: report.removed, kept, recovered: [...recovered] };
}

/** Files below the legacy writer's layout folders (clusters/, docs/, .sops.yaml). */
function listOwnedLegacy(dir: string): string[] {
  const out = ['clusters', 'docs'].flatMap((top) => filesBelow(join(dir, top)).map((p) => `${top}/${p}`));
  if (existsSync(join(dir, '.sops.yaml'))) out.push('.sops.yaml');
  return out;
}

/**
 * Replaces the files `owner` wrote into `outDir` with exactly `files`, all at once: a crash at any
 * point leaves the old or the new set (the next run finishes or undoes it), a failure leaves the
 * old tree byte-identical, and files the writer did not write are kept.
 */
export async function writeTree(outDir: string, files: readonly OutputFile[], o: WriteOptions & LockOptions = {}): Promise<WriteReport> {
  const folder = await openOutputFolder(outDir, o);
  try {
    return folder.write(files, o);
  } finally {
    folder.release();
  }
}
