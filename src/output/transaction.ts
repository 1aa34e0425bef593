/**
 * All-or-nothing replacement of a set of files, surviving a crash at any instant: one
 * redo/undo journal, shared by the synth writer (src/output/write.ts) and the `keys` commands
 * (src/sops/keys.ts).
 *
 * Protocol, in a "home" folder that holds the journal (the output folder):
 *  1. the journal is written in state `prepare`, listing every target with the names of its
 *     staged copy and backup (siblings of the target, so every rename stays in one folder);
 *  2. new contents are written to the staged copies and flushed (file and folder fsync);
 *  3. the journal is rewritten in state `commit` — the commit point;
 *  4. each target is hard-linked to its backup and replaced by (or deleted in favour of) its staged copy;
 *  5. folders are flushed, backups and the journal removed.
 * The next run (`recoverJournal`) undoes a `prepare` journal (nothing was applied) and finishes a
 * `commit` journal, so the files are always the complete old or the complete new set. An error
 * (not a crash) after the commit point undoes the applied steps from the backups.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';

/** A file of the new set: its absolute path and content, or `null` to delete it. */
export interface FileChange {
  readonly path: string;
  readonly content: string | null;
  /**
   * What the file must still hold when the transaction starts (`null`: must not exist); another
   * content makes the transaction refuse instead of overwriting a change it did not see.
   * @default not checked
   */
  readonly expected?: string | null;
}

/** The journal's name inside its home folder. */
export const JOURNAL_FILE = '.media-stack-journal';

/**
 * Test hook: called after every durable step of a transaction with the step's name. The crash
 * tests kill the process from here to prove that every instant is recoverable.
 */
export const faultInjection: { onStep?: (step: string) => void } = {};

/** A failure of the writer, as one line naming the path and the fix. */
export class WriterError extends Error {
  constructor(
    message: string,
    /** false when the target folder may hold part of the change (a journal is left to finish it). */
    readonly unchanged = true,
  ) {
    super(message);
    this.name = 'WriterError';
  }
}

type JournalState = 'prepare' | 'commit' | 'rollback';

interface JournalEntry {
  readonly target: string;
  readonly staged: string;
  readonly backup: string;
  /** Whether the target existed when the transaction was prepared. */
  readonly existed: boolean;
  readonly remove: boolean;
}

interface Journal {
  readonly version: 1;
  readonly id: string;
  readonly pid: number;
  readonly state: JournalState;
  readonly entries: readonly JournalEntry[];
  /** Folders this transaction created (parents first). */
  readonly dirs: readonly string[];
  /** Folders to remove when they end up empty (emptied by deletions). */
  readonly prune: readonly string[];
}

const step = (name: string) => faultInjection.onStep?.(name);

const exists = (p: string) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

const unlinkIfExists = (p: string) => {
  try {
    unlinkSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
};

/** Flushes a folder's entries (renames, creations) to disk. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    // Some file systems refuse fsync on a folder (EINVAL/EISDIR); their renames are as durable as they get.
    if (!['EINVAL', 'EISDIR', 'ENOTSUP', 'EPERM', 'EROFS', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes a new file (refusing to overwrite one), flushed to disk unless `sync` is false. */
function writeNew(path: string, text: string, sync: boolean): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const writeDurable = (path: string, text: string) => writeNew(path, text, true);

/**
 * Flushes `files` and `dirs` to disk. One syncfs(2) per file system (`sync -f`, coreutils) does
 * it for thousands of files at the cost of one: an fsync per file made a 500-instance synth
 * take 15 s. Without `sync -f`, every file and folder is fsync'd.
 */
function flush(files: readonly string[], dirs: readonly string[]): void {
  const byDevice = new Map<number, string>();
  for (const d of dirs) if (existsSync(d)) byDevice.set(statSync(d).dev, d);
  const synced = [...byDevice.values()].every((d) => spawnSync('sync', ['-f', d], { stdio: 'ignore' }).status === 0);
  if (synced) return;
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  for (const d of dirs) if (existsSync(d)) syncDir(d);
}

function writeJournal(home: string, journal: Journal): void {
  const path = join(home, JOURNAL_FILE);
  const tmp = `${path}.tmp`;
  unlinkIfExists(tmp);
  writeDurable(tmp, `${JSON.stringify(journal)}\n`);
  renameSync(tmp, path);
  syncDir(home);
}

function removeJournal(home: string): void {
  unlinkIfExists(join(home, JOURNAL_FILE));
  unlinkIfExists(join(home, `${JOURNAL_FILE}.tmp`));
  syncDir(home);
}

/** Puts an entry's target into its new state; idempotent, so recovery can repeat it. */
function applyEntry(e: JournalEntry): void {
  if (e.existed && exists(e.target) && !exists(e.backup)) {
    try {
      linkSync(e.target, e.backup);
    } catch (err) {
      // No hard links on this file system: a copy is as good a backup, only slower.
      if (!['ENOTSUP', 'EXDEV', 'EMLINK', 'ENOSYS'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      copyFileSync(e.target, e.backup);
    }
  }
  if (e.remove) unlinkIfExists(e.target);
  else if (exists(e.staged)) renameSync(e.staged, e.target);
}

/**
 * Puts an entry's target back into its old state; idempotent. Whether it was applied shows on
 * disk: applying consumes the staged copy (a write) or the target (a delete).
 */
function undoEntry(e: JournalEntry): void {
  const applied = e.remove ? !exists(e.target) : !exists(e.staged);
  if (applied) {
    if (exists(e.backup)) renameSync(e.backup, e.target);
    else if (!e.existed && !e.remove) unlinkIfExists(e.target); // the file is new
  }
  unlinkIfExists(e.backup); // also after a rename between two links of one file, which keeps both
  unlinkIfExists(e.staged);
}

function removeEmptyDirs(dirs: readonly string[]): void {
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (someone's file is there) or already gone: keep it
    }
  }
}

const parentsOf = (entries: readonly JournalEntry[]) => [...new Set(entries.map((e) => dirname(e.target)))];

function rollBack(home: string, j: Journal): void {
  // Before the commit point nothing was applied: only staged copies exist.
  for (const e of [...j.entries].reverse()) {
    if (j.state === 'prepare') unlinkIfExists(e.staged);
    else undoEntry(e);
  }
  flush([], parentsOf(j.entries));
  removeEmptyDirs(j.dirs);
  removeJournal(home);
}

function rollForward(home: string, j: Journal): void {
  for (const e of j.entries) applyEntry(e);
  flush([], parentsOf(j.entries));
  for (const e of j.entries) unlinkIfExists(e.backup);
  removeEmptyDirs(j.prune);
  removeJournal(home);
}

/**
 * Finishes or undoes a transaction a crashed process left in `home`. Returns what it did, for the
 * summary (empty when there was nothing to recover).
 */
export function recoverJournal(home: string): string[] {
  const path = join(home, JOURNAL_FILE);
  const notes: string[] = [];
  if (!existsSync(path)) {
    // A journal that never reached its rename holds nothing staged yet: only the journal itself.
    if (existsSync(`${path}.tmp`)) {
      unlinkIfExists(`${path}.tmp`);
      notes.push(`removed the unfinished journal of an interrupted write in ${home}`);
    }
    return notes;
  }
  const j = JSON.parse(readFileSync(path, 'utf8')) as Journal;
  const what = `an interrupted write (pid ${j.pid}, ${j.entries.length} file(s))`;
  if (j.state === 'commit') {
    rollForward(home, j);
    notes.push(`${what} had reached its commit point: finished it from its journal`);
  } else {
    rollBack(home, j);
    notes.push(j.state === 'prepare' ? `${what} had not reached its commit point: removed its staged files, nothing of it was applied` : `${what} had failed: finished undoing it`);
  }
  return notes;
}

let counter = 0;

/**
 * Replaces every file of `changes` (absolute paths) at once, through a journal in `home`. The
 * caller holds the folder's lock (src/output/lock.ts) and has run `recoverJournal` first.
 */
export function commitFiles(home: string, changes: readonly FileChange[], fsErrors: FsErrorOptions = {}): void {
  if (changes.length === 0) return;
  const id = `${process.pid}-${Date.now().toString(36)}-${counter++}`;
  for (const c of changes) {
    if (c.expected === undefined) continue;
    const now = existsSync(c.path) ? readFileSync(c.path, 'utf8') : null;
    if (now !== c.expected) throw new WriterError(`${c.path} changed while this command was running: run it again`);
  }
  const dirs: string[] = [];
  const planned = new Set<string>(); // `dirs` as a set: a scan per file was quadratic in the tree
  for (const c of changes) {
    if (c.content === null) continue;
    const missing: string[] = [];
    for (let d = dirname(c.path); !planned.has(d) && !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      planned.add(d);
      dirs.push(d);
    }
  }
  const entries: JournalEntry[] = changes.map((c) => {
    const name = basename(c.path);
    const at = (suffix: string) => join(dirname(c.path), `.${name}.ms-${id}.${suffix}`);
    return { target: c.path, staged: at('new'), backup: at('old'), existed: exists(c.path), remove: c.content === null };
  });
  const prune = [...new Set(entries.filter((e) => e.remove).flatMap((e) => ancestorsBelow(dirname(e.target), home)))];
  let journal: Journal = { version: 1, id, pid: process.pid, state: 'prepare', entries, dirs, prune };

  const fail = (err: unknown, path?: string): never => {
    throw err instanceof WriterError ? err : describeFsError(err, path, fsErrors);
  };
  try {
    writeJournal(home, journal);
    step('journal: prepare');
    for (const d of dirs) {
      mkdirSync(d);
      step(`mkdir ${d}`);
    }
    for (const [i, c] of changes.entries()) {
      if (c.content === null) continue;
      writeNew(entries[i]!.staged, c.content, false); // flushed together below
      step(`stage ${c.path}`);
    }
    flush(
      entries.filter((e) => !e.remove).map((e) => e.staged),
      [...new Set([...parentsOf(entries), ...dirs.map(dirname)])],
    );
    step('sync staged');
    journal = { ...journal, state: 'commit' };
    writeJournal(home, journal);
    step('journal: commit');
  } catch (err) {
    try {
      rollBack(home, journal);
    } catch {
      fail(err); // the journal stays: the next run removes the staged files
    }
    fail(err);
  }
  let current: string | undefined;
  try {
    for (const e of entries) {
      current = e.target;
      applyEntry(e);
      step(`apply ${e.target}`);
    }
    current = undefined;
    flush([], parentsOf(entries));
    step('sync applied');
  } catch (err) {
    try {
      journal = { ...journal, state: 'rollback' };
      writeJournal(home, journal);
      rollBack(home, journal);
    } catch {
      const e = describeFsError(err, current, fsErrors);
      throw new WriterError(`${e.message}; undoing it failed too, the next run finishes undoing it (journal ${join(home, JOURNAL_FILE)})`, false);
    }
    fail(err, current);
  }
  // The new set is complete and durable: the rest is tidying up, which the next run repeats if it is cut short.
  try {
    for (const e of entries) {
      unlinkIfExists(e.backup);
      step(`cleanup ${e.target}`);
    }
    removeEmptyDirs(prune);
    removeJournal(home);
    step('journal: done');
  } catch {
    // the journal (state commit) stays, and the next run removes what is left
  }
}

/** `dir` and its ancestors strictly below `home`. */
function ancestorsBelow(dir: string, home: string): string[] {
  const out: string[] = [];
  for (let d = dir; d.startsWith(`${home}/`); d = dirname(d)) out.push(d);
  return out;
}

const ERRNO_ADVICE: Record<string, string> = {
  EACCES: 'permission denied: make it writable for this user (chmod/chown)',
  EPERM: 'operation not permitted (immutable or protected file?): check `lsattr`/ownership',
  EROFS: 'the file system is read-only: remount it read-write',
  ENOSPC: 'no space left on the device: free some space and run again',
  EDQUOT: 'disk quota exceeded: free some space and run again',
  ENOTDIR: 'a file is in the way where a folder is needed: move it away',
  EISDIR: 'a folder is in the way where a file is needed: move it away',
  EEXIST: 'a leftover file is in the way: move it away and run again',
  EXDEV: 'the output folder spans file systems (a mount inside it): pass --out a folder on one file system',
  EMFILE: 'too many open files: raise `ulimit -n` and run again',
  EIO: 'an I/O error: check the disk',
};
/** Causes that writing somewhere else avoids. */
const ELSEWHERE_HELPS = new Set(['EACCES', 'EPERM', 'EROFS']);

export interface FsErrorOptions {
  /**
   * Offer `--out another folder` as a fix. The `keys` commands re-encrypt the files where they
   * are, so another folder does not help them.
   * @default true
   */
  readonly offerOtherOut?: boolean;
}

/** One line for a file system error: the path, the cause and the fix. */
export function describeFsError(err: unknown, fallbackPath?: string, o: FsErrorOptions = {}): WriterError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<NodeJS.ErrnoException>;
  if (!e.code) return new WriterError(e.message ?? String(err));
  const path = e.path ?? fallbackPath ?? '?';
  const advice = ERRNO_ADVICE[e.code];
  const elsewhere = advice && (o.offerOtherOut ?? true) && ELSEWHERE_HELPS.has(e.code) ? ' or pass --out another folder' : '';
  return new WriterError(`cannot write ${path}: ${advice ? advice + elsewhere : (e.message ?? String(err)).split('\n')[0]} (${e.code})`);
}
