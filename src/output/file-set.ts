/**
 * The transaction for callers outside the synth writer (the `keys` commands): lock the folder
 * that holds the journal, finish what a crashed run left, replace the set, unlock. Failures are
 * the writer's one-line messages (path, cause, fix).
 */
import { existsSync } from 'node:fs';
import { acquireLock } from './lock.js';
import { commitFiles, describeFsError, recoverJournal, WriterError, type FileChange, type FsErrorOptions } from './transaction.js';

/** The files are re-encrypted where they are: another --out is no fix. */
const IN_PLACE: FsErrorOptions = { offerOtherOut: false };

async function withLock<T>(home: string, fn: (notes: readonly string[]) => T): Promise<T> {
  try {
    const lock = await acquireLock(home, { command: 'npm run keys' });
    try {
      return fn(lock.notes);
    } finally {
      lock.release();
    }
  } catch (err) {
    throw err instanceof WriterError ? err : describeFsError(err, home, IN_PLACE);
  }
}

/** Replaces `changes` all at once, crash-safe, with the journal and lock in `home`. */
export async function commitFileSet(home: string, changes: readonly FileChange[]): Promise<void> {
  await withLock(home, () => {
    recoverJournal(home);
    commitFiles(home, changes, IN_PLACE);
  });
}

/** Finishes or undoes what an interrupted run left in each existing folder; returns what it did. */
export async function recoverInterrupted(homes: readonly string[]): Promise<string[]> {
  const notes: string[] = [];
  for (const home of new Set(homes)) {
    if (!existsSync(home)) continue;
    notes.push(...(await withLock(home, (lockNotes) => [...lockNotes, ...recoverJournal(home)])));
  }
  return notes;
}
