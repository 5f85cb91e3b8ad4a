// Collects a run's events as NDJSON lines: the header first, then one event a
// line, numbered from 1. Lines are serialized as they are recorded, so the
// trace holds what the state was at that step, not what it became later.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir } from '../files/output-path.js';
import type { TraceHeader, UnnumberedEvent } from './events.js';

export class TraceRecorder {
  private readonly lines: string[];
  private count = 0;

  constructor(header: TraceHeader) {
    this.lines = [JSON.stringify(header)];
  }

  record(event: UnnumberedEvent): void {
    this.count++;
    this.lines.push(JSON.stringify({ i: this.count, ...event }));
  }

  get eventCount(): number {
    return this.count;
  }

  toNdjson(): string {
    return this.lines.join('\n') + '\n';
  }
}

/**
 * Writes a file so that it appears whole or not at all: the content goes to a
 * temporary file beside the target, which is then renamed over it.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  ensureDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
