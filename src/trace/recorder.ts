// Collects a run's events as NDJSON lines: the header first, then one event a
// line, numbered from 1. Streamed to a file (TraceFileWriter), each line is
// serialized as it is recorded, so that a run of any length can be recorded;
// kept in memory, the events are held as values and serialized when the text
// is asked for (most simulated runs are checked from the values alone). That
// is the same text: an event is a fresh value that nothing changes once it
// is recorded (the trace's replay, src/trace/replay.ts, holds on to them too).
import { closeSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../files/output-path.js';
import { interruptedBy, trackTempPath, untrackTempPath } from '../files/cleanup.js';
import type { TraceEvent, TraceHeader, UnnumberedEvent } from '../raft/events.js';

export class TraceRecorder {
  /** In memory, the events themselves (numbered), written out by toNdjson, or checked as they are: see validateTraceValues. */
  private readonly values: TraceEvent[] | null;
  private count = 0;

  /** Without a file the events are kept for toNdjson; with one their lines go to it. */
  constructor(readonly header: TraceHeader, private readonly file: TraceFileWriter | null = null) {
    this.values = file ? null : [];
    if (file) file.writeLine(JSON.stringify(header));
  }

  record(event: UnnumberedEvent): void {
    this.count++;
    const numbered = { i: this.count, ...event } as TraceEvent;
    if (this.file) this.file.writeLine(JSON.stringify(numbered));
    else this.values!.push(numbered);
  }

  /** The events recorded in memory (empty when they went to a file). */
  get events(): readonly TraceEvent[] {
    return this.values ?? [];
  }

  get eventCount(): number {
    return this.count;
  }

  toNdjson(): string {
    if (!this.values) throw new Error(`internal: the trace went to ${this.file!.path}; it is not held in memory`);
    const lines = [JSON.stringify(this.header)];
    for (const e of this.values) lines.push(JSON.stringify(e));
    return lines.join('\n') + '\n';
  }
}

/**
 * Writes a trace file line by line, through a buffer, to a temporary file
 * beside the target that commit() renames over it: the file appears whole or
 * not at all, and an interrupted run leaves no partial file behind.
 */
export class TraceFileWriter {
  private readonly tmp: string;
  private fd: number | null;
  private pending: string[] = [];
  private pendingChars = 0;
  private bytes = 0;

  constructor(readonly path: string) {
    ensureDir(dirname(path));
    this.tmp = `${path}.${process.pid}.tmp`;
    trackTempPath(this.tmp);
    this.fd = openSync(this.tmp, 'w');
  }

  writeLine(line: string): void {
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= 1 << 20) this.flush();
  }

  /** Bytes written so far. */
  get size(): number {
    return this.bytes + Buffer.byteLength(this.pending.join('\n')) + (this.pending.length > 0 ? 1 : 0);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join('\n') + '\n', 'utf8');
    this.pending = [];
    this.pendingChars = 0;
    try {
      writeAll(this.fd!, chunk);
    } catch (err) {
      // A full disk must not leave a trace cut short under the target's name, nor its temporary file.
      this.abort();
      throw new FileWriteError(this.path, err);
    }
    this.bytes += chunk.length;
  }

  /** Renames the whole file over the target; on a failure (a full disk) nothing is left behind and the error names the file. */
  commit(): void {
    refuseIfInterrupted(this.path, () => this.abort());
    this.flush();
    try {
      closeSync(this.fd!);
      this.fd = null;
      renameSync(this.tmp, this.path);
    } catch (err) {
      this.abort();
      throw new FileWriteError(this.path, err);
    }
    untrackTempPath(this.tmp);
  }

  abort(): void {
    try {
      if (this.fd !== null) closeSync(this.fd);
    } catch {
      // closing is all that was left to do
    }
    this.fd = null;
    rmSync(this.tmp, { force: true });
    untrackTempPath(this.tmp);
  }
}

/** A file that could not be written (a full disk, say), named with the system's reason: one line for the user. */
export class FileWriteError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const e = cause as NodeJS.ErrnoException;
    const why = e.code === 'ENOSPC' ? 'no space left on the device' : e.code === 'EDQUOT' ? 'disk quota exceeded' : e.code ?? e.message;
    super(`${file}: cannot be written (${why})`);
  }
}

/** A run that was interrupted (Ctrl-C) writes no output: a report of half a run must not stand where a whole one would. */
export class InterruptedWriteError extends Error {}

function refuseIfInterrupted(path: string, undo?: () => void): void {
  const signal = interruptedBy();
  if (!signal) return;
  undo?.();
  throw new InterruptedWriteError(`${path}: not written: the run was interrupted (${signal})`);
}

/** Writes every byte (a write may take fewer than asked: a disk about to fill up), or throws. */
function writeAll(fd: number, bytes: Uint8Array): void {
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
