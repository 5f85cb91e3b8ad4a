// Writing files the tools produce: whole or not at all (writeFileAtomic),
// every byte or an error (writeAll), and a failure named in one line
// (FileWriteError: "FILE: cannot be written (no space left on the device)").
// Once a run was interrupted (Ctrl-C), nothing more is written: a report of
// half a run must not stand where a whole one would.
import { renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { interruptedBy } from './cleanup.js';
import { ensureDir } from './output-path.js';
import { HarnessError } from '../errors/harness-error.js';

/** A file that could not be written (a full disk, say), named with the system's reason: one line for the user. */
export class FileWriteError extends HarnessError {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const e = cause as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOSPC'
        ? 'no space left on the device'
        : e.code === 'EDQUOT'
          ? 'disk quota exceeded'
          : (e.code ?? e.message);
    super(`${file}: cannot be written (${why})`);
  }
}

/** A run that was interrupted (Ctrl-C) writes no output: a report of half a run must not stand where a whole one would. */
export class InterruptedWriteError extends HarnessError {}

export function refuseIfInterrupted(path: string, undo?: () => void): void {
  const signal = interruptedBy();
  if (!signal) return;
  undo?.();
  throw new InterruptedWriteError(`${path}: not written: the run was interrupted (${signal})`);
}

/** Writes every byte (a write may take fewer than asked: a disk about to fill up), or throws. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const n = writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error('a write that wrote nothing'), { code: 'ENOSPC' });
    done += n;
  }
}

/** Writes a scratch or side file in place; a failure (a full disk) names it, in one line. */
export function writeNamedFile(path: string, content: string | Uint8Array): void {
  try {
    writeFileSync(path, content);
  } catch (err) {
    throw new FileWriteError(path, err);
  }
}

/**
 * Writes a file so that it appears whole or not at all: the content goes to a
 * temporary file beside the target, which is then renamed over it. A failure
 * (a full disk) leaves the target as it was and names it.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  refuseIfInterrupted(path);
  ensureDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new FileWriteError(path, err);
  }
}
