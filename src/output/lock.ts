/**
 * One writer per folder at a time: a lock file created atomically (written under a unique name,
 * then hard-linked into place, so it is never seen empty). A lock whose process is gone (same
 * host, pid not running) is stale and taken over.
 */
import { existsSync, linkSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WriterError } from './transaction.js';

export const LOCK_FILE = '.media-stack.lock';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  readonly command: string;
}

export interface LockOptions {
  /** How long to wait for another process's lock before refusing. @default 60000 */
  readonly waitMs?: number;
  /** Called once when the lock is held by another process and this one starts waiting. */
  readonly onWait?: (message: string) => void;
  /** What the lock says holds it, for the other process's message. @default 'media-stack' */
  readonly command?: string;
}

export interface HeldLock {
  /** What was cleaned up on the way in (stale locks). */
  readonly notes: string[];
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

const isStale = (info: LockInfo | undefined) => info?.host === hostname() && !alive(info.pid);
const describe = (info: LockInfo) => `${info.command} (pid ${info.pid} on ${info.host}, since ${info.started})`;

/** Takes the lock of `dir` (which must exist), waiting for another holder up to `waitMs`. */
export async function acquireLock(dir: string, o: LockOptions = {}): Promise<HeldLock> {
  const path = join(dir, LOCK_FILE);
  const notes: string[] = [];
  const info: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: o.command ?? 'media-stack' };
  const mine = `${path}.${process.pid}.tmp`;
  // Unique names of crashed processes that never got to link their lock.
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^${LOCK_FILE.replace(/\./g, '\\.')}\\.(\\d+)\\.tmp$`).exec(name);
    if (m && !alive(Number(m[1]))) unlinkSync(join(dir, name));
  }
  try {
    writeFileSync(mine, `${JSON.stringify(info)}\n`);
  } catch (e) {
    rmSync(mine, { force: true }); // a full disk leaves an empty file behind
    throw e;
  }
  const deadline = Date.now() + (o.waitMs ?? 60_000);
  let waited = false;
  try {
    for (;;) {
      try {
        linkSync(mine, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = readLock(path);
      if (isStale(holder)) {
        // Grab the stale lock under a unique name first: if another process replaced it meanwhile, we would see its content.
        const grabbed = `${path}.stale-${process.pid}`;
        try {
          renameSync(path, grabbed);
        } catch {
          continue;
        }
        const taken = readLock(grabbed);
        if (isStale(taken)) {
          unlinkSync(grabbed);
          notes.push(`removed the stale lock of ${describe(taken!)}, which is no longer running`);
        } else {
          try {
            linkSync(grabbed, path); // not stale after all: give it back
          } catch {
            // someone else holds the lock now; theirs stays
          }
          unlinkSync(grabbed);
        }
        continue;
      }
      const who = holder ? describe(holder) : `an unknown process (${path} is unreadable)`;
      if (Date.now() >= deadline) {
        throw new WriterError(`${dir} is being written by ${who}: wait for it to finish and run again (if no such process runs, delete ${path})`);
      }
      if (!waited) o.onWait?.(`waiting for ${who} to finish writing ${dir}…`);
      waited = true;
      await sleep(100);
    }
  } finally {
    if (existsSync(mine)) unlinkSync(mine);
  }
  let released = false;
  return {
    notes,
    release() {
      if (released) return;
      released = true;
      const now = readLock(path);
      if (now?.pid === info.pid && now.started === info.started) unlinkSync(path);
    },
  };
}
