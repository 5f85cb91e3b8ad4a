// Collects a run's events as NDJSON lines: the header first, then one event a
// line, numbered from 1. Streamed to a file (TraceFileWriter), each line is
// serialized as it is recorded, so that a run of any length can be recorded;
// kept in memory, the events are held as values and serialized when the text
// is asked for (most simulated runs are checked from the values alone). That
// is the same text: an event is a fresh value that nothing changes once it
// is recorded (the trace's replay, src/trace/replay.ts, holds on to them too).
import { closeSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../files/output-path.js';
import { trackTempPath, untrackTempPath } from '../files/cleanup.js';
import { FileWriteError, refuseIfInterrupted, writeAll } from '../files/writes.js';
import type { TraceEvent, TraceHeader, UnnumberedEvent } from '../raft/events.js';

export class TraceRecorder {
  /** In memory, the events themselves (numbered), written out by toNdjson, or checked as they are: see validateTraceValues. */
  private readonly values: TraceEvent[] | null;
  private count = 0;

  /** Without a file the events are kept for toNdjson; with one their lines go to it. */
  constructor(
    readonly header: TraceHeader,
    private readonly file: TraceFileWriter | null = null,
  ) {
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
