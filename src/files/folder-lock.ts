// A lock on a folder that runs share (traces/generated): a run that would
// replace or read the folder's files takes it first, so that a second run
// started meanwhile refuses in one line instead of deleting the first one's
// traces under it. The lock is a file beside the folder (DIR.lock, since the
// folder's content is replaced), made with O_EXCL, naming the process that
// owns it. A lock whose owner has ended is stale and is taken over.
//
// The owner can be another process than the one taking the lock: make check
// generates traces and then checks them in two commands, and both take the
// lock for the recipe's shell (--lock-owner $$), so that no other run slips in
// between them.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { processRunning } from './cleanup.js';
import { HarnessError } from '../errors/harness-error.js';

export class FolderLockedError extends HarnessError {}

interface Owner {
  readonly pid: number;
  /** The owner's start time (/proc/PID/stat field 22), so that a reused PID is not taken for it. */
  readonly started: string;
  readonly what: string;
}

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function lockPath(dir: string): string {
  const full = resolve(dir);
  return join(dirname(full), `${basename(full)}.lock`);
}

function readOwner(path: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return Number.isInteger(o.pid) && typeof o.started === 'string' ? o : null;
  } catch {
    return null;
  }
}

function alive(o: Owner): boolean {
  return processRunning(o.pid) && startTime(o.pid) === o.started;
}

/**
 * Takes the lock on `dir` for process `ownerPid` (default: this one), saying
 * `what` holds it. Throws a FolderLockedError naming the live owner of
 * another run; an owner's own lock, or a stale one, is (re)taken.
 */
export function lockFolder(dir: string, what: string, ownerPid: number = process.pid): void {
  const path = lockPath(dir);
  const started = startTime(ownerPid);
  if (started === null) throw new FolderLockedError(`--lock-owner ${ownerPid}: no such process`);
  const me: Owner = { pid: ownerPid, started, what };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, JSON.stringify(me) + '\n');
      } finally {
        closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new FolderLockedError(
          `${path}: cannot take the lock on ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
        );
    }
    const holder = readOwner(path);
    if (holder && holder.pid === me.pid && holder.started === me.started) return;
    if (holder && alive(holder)) {
      throw new FolderLockedError(
        `another run holds ${dir}, pid ${holder.pid} (${holder.what}); wait for it to end, or give this run a folder of its own (TRACES_DIR=... for make)`,
      );
    }
    // Stale (its owner ended) or unreadable (a lock cut short as it was made): take it over.
    rmSync(path, { force: true });
  }
  throw new FolderLockedError(`${path}: could not take the lock on ${dir}`);
}

/** Gives the lock on `dir` back, if `ownerPid` holds it. */
export function unlockFolder(dir: string, ownerPid: number = process.pid): void {
  const path = lockPath(dir);
  const holder = readOwner(path);
  if (holder && holder.pid === ownerPid) rmSync(path, { force: true });
}
