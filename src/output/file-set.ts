/**
 * The transaction for callers outside the synth writer (the `keys` commands): lock the folder
 * that holds the journal, finish what a crashed run left, replace the set, unlock.
 */
import { existsSync } from 'node:fs';
import { acquireLock } from './lock.js';
import { commitFiles, recoverJournal, type FileChange } from './transaction.js';

/** Replaces `changes` all at once, crash-safe, with the journal and lock in `home`. */
export async function commitFileSet(home: string, changes: readonly FileChange[]): Promise<void> {
  const lock = await acquireLock(home, { command: 'npm run keys' });
  try {
    recoverJournal(home);
    commitFiles(home, changes);
  } finally {
    lock.release();
  }
}

/** Finishes or undoes what an interrupted run left in each existing folder; returns what it did. */
export async function recoverInterrupted(homes: readonly string[]): Promise<string[]> {
  const notes: string[] = [];
  for (const home of new Set(homes)) {
    if (!existsSync(home)) continue;
    const lock = await acquireLock(home, { command: 'npm run keys' });
    try {
      notes.push(...lock.notes, ...recoverJournal(home));
    } finally {
      lock.release();
    }
  }
  return notes;
}
