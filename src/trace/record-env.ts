// Lets any run (the test suite included) keep its traces: when the
// environment variable RAFT_TRACE_DIR names a folder, traces are written there.
import { join } from 'node:path';
import { writeFileAtomic } from '../files/writes.js';

export const TRACE_DIR_VARIABLE = 'RAFT_TRACE_DIR';

/** Writes `<RAFT_TRACE_DIR>/<name>.ndjson` if the variable is set; returns the path, or null. */
export function keepTraceIfAsked(name: string, ndjson: string): string | null {
  const dir = process.env[TRACE_DIR_VARIABLE];
  if (!dir) return null;
  const path = join(dir, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.ndjson`);
  writeFileAtomic(path, ndjson);
  return path;
}
