// What a write-ahead log on disk has promised, judged from outside the server
// that wrote it: the nemesis reads a killed server's log and its mark before
// it damages them, and later holds the server's recovery against this. A
// correct recovery starts with the state the mark covers or with one that
// the log's own later records reach (written after the last mark, and so
// promised to nobody, but the server's own steps); any other state, and in
// particular a shorter log, lost something it had made durable.
import type { ServerId } from '../raft/types.js';
import { SimulatedDisk } from './disk.js';
import { markPathOf, WriteAheadLog } from './wal.js';
import { readMark } from './wal-mark.js';
import { scanRecords } from './wal-records.js';

/** The durable state a recovery starts with, as a server's status reports it. */
export interface RecoveredState {
  readonly term: number;
  readonly votedFor: ServerId | null;
  readonly logLength: number;
}

export interface LogPromise {
  /** The state the mark covers: what the server promised. */
  readonly marked: RecoveredState | null;
  /** Every state a correct recovery may start with (the marked one first); empty for a log that recovers to nothing. */
  readonly allowed: readonly RecoveredState[];
}

/** Files beside a log that its recovery reads (its snapshots), by path. */
export type Beside = ReadonlyMap<string, Buffer>;

/**
 * The state this project's own recovery gets from these bytes (and the
 * snapshot files beside them), or null if it refuses them (or they hold none).
 * The log's length counts the entries a snapshot covers.
 */
export function recoverBytes(
  path: string,
  wal: Buffer,
  mark: Buffer | null,
  beside: Beside = new Map(),
): RecoveredState | null {
  const disk = new SimulatedDisk();
  disk.replace(path, wal);
  if (mark) disk.replace(markPathOf(path), mark);
  for (const [p, bytes] of beside) disk.replace(p, bytes);
  try {
    const d = WriteAheadLog.open(disk, path).recovery.durable;
    return d ? { term: d.currentTerm, votedFor: d.votedFor, logLength: (d.snapshot?.index ?? 0) + d.log.length } : null;
  } catch {
    return null;
  }
}

/** What the log `wal` (at `path`) with its mark `mark` promised; see the module's comment. */
export function promiseOf(path: string, wal: Buffer, mark: Buffer | null, beside: Beside = new Map()): LogPromise {
  const m = mark ? readMark(mark) : null;
  if (!m) return { marked: null, allowed: [] };
  const marked = recoverBytes(path, wal.subarray(0, m.bytes), mark, beside);
  let scan;
  try {
    scan = scanRecords(path, wal);
  } catch {
    return { marked, allowed: marked ? [marked] : [] };
  }
  const ends = [...scan.records.slice(1).map((r) => r.offset), scan.validBytes].filter((b) => b > m.bytes);
  const allowed: RecoveredState[] = marked ? [marked] : [];
  for (const end of ends) {
    const s = recoverBytes(path, wal.subarray(0, end), mark, beside);
    if (s && !allowed.some((a) => sameState(a, s))) allowed.push(s);
  }
  return { marked, allowed };
}

export function sameState(a: RecoveredState, b: RecoveredState): boolean {
  return a.term === b.term && a.votedFor === b.votedFor && a.logLength === b.logLength;
}

export function describeState(s: RecoveredState | null): string {
  if (!s) return 'no state (a first start)';
  const entries = `${s.logLength} ${s.logLength === 1 ? 'entry' : 'entries'}`;
  return `${entries}, term ${s.term}, ${s.votedFor ? `vote for ${s.votedFor}` : 'no vote'}`;
}

/** What a recovery to `got` lost of `promised`, in a user's terms. */
export function lossOf(promised: RecoveredState, got: RecoveredState | null): string {
  const g = got ?? { term: 0, votedFor: null, logLength: 0 };
  const lost: string[] = [];
  if (g.logLength < promised.logLength)
    lost.push(
      g.logLength + 1 === promised.logLength
        ? `entry ${promised.logLength} lost at restart`
        : `entries ${g.logLength + 1} to ${promised.logLength} lost at restart`,
    );
  if (g.term < promised.term) lost.push(`its term went back from ${promised.term} to ${g.term}`);
  else if (g.term === promised.term && promised.votedFor && g.votedFor !== promised.votedFor)
    lost.push(`its vote in term ${g.term} for ${promised.votedFor} was forgotten`);
  if (!lost.length) lost.push('it started from a state its log never held');
  return lost.join('; ');
}
