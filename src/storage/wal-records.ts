// The write-ahead log's on-disk framing. Each record is
//
//   u32 little-endian  payload length in bytes (1 .. MAX_RECORD_BYTES)
//   u32 little-endian  CRC32C of the payload
//   payload            one JSON object, UTF-8
//
// so that a reader can inspect a log with a hex dump and a JSON parser, and a
// record cut short or damaged is recognised by its length or its checksum.
import type { Entry, ServerId } from '../raft/types.js';
import { crc32c } from './crc32c.js';

export const RECORD_HEADER_BYTES = 8;
export const MAX_RECORD_BYTES = 64 << 20;

/**
 * What a record holds. A compacted log starts with one `snapshot` (the log's
 * own rewrite, see WriteAheadLog.compact; not Raft's snapshot). Indexes are
 * absolute: `keep` counts entries from the first, those a Raft snapshot
 * covers included. A `cut` says that the snapshot file up to `index`
 * (snapshot-file.ts) now holds every entry up to there: the log forgets them,
 * keeping the entries after `index` if it holds entry `index` with `term`.
 */
export type WalRecord =
  | { readonly t: 'state'; readonly term: number; readonly votedFor: ServerId | null }
  | { readonly t: 'log'; readonly keep: number; readonly append: readonly Entry[] }
  | { readonly t: 'cut'; readonly index: number; readonly term: number }
  | { readonly t: 'boot'; readonly incarnation: number }
  /** The process trace's events up to `upTo` belong to batches this log holds (see WriteAheadLog.sync). */
  | { readonly t: 'traced'; readonly upTo: number }
  | {
      readonly t: 'snapshot';
      readonly term: number;
      readonly votedFor: ServerId | null;
      readonly log: readonly Entry[];
      readonly incarnation: number;
      /** The compaction that wrote it, counted from 1 (see WriteAheadLog.compact). */
      readonly generation: number;
      /** The Raft snapshot `log` follows (its entries start at snapshotIndex + 1); absent: none. */
      readonly snapshotIndex?: number;
      readonly snapshotTerm?: number;
    };

export function encodeRecord(record: WalRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  if (payload.length > MAX_RECORD_BYTES)
    throw new Error(`a WAL record of ${payload.length} bytes exceeds the limit of ${MAX_RECORD_BYTES}`);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32c(payload), 4);
  payload.copy(out, RECORD_HEADER_BYTES);
  return out;
}

/** Damage before the log's tail: recovery must stop rather than start with less state. */
export class WalCorruption extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: corrupt write-ahead log at byte offset ${offset}: ${reason}`);
  }
}

export interface ScannedRecord {
  readonly offset: number;
  readonly record: WalRecord;
}

export interface TornTail {
  readonly offset: number;
  readonly bytes: number;
  readonly reason: string;
}

export interface Scan {
  readonly records: readonly ScannedRecord[];
  /** Bytes from the start that hold whole, valid records. */
  readonly validBytes: number;
  /** A damaged or unfinished last record, to be discarded; null when the log ends cleanly. */
  readonly tornTail: TornTail | null;
}

/**
 * Reads every record. A bad record (cut short, an impossible length, a wrong
 * checksum) is the torn tail a crash leaves only if no valid record follows
 * it anywhere: then it and what follows are discarded. A bad record with a
 * valid one after it is damage to data that was synced, and recovery must not
 * start with less state than it had: that is a WalCorruption naming the
 * offset. (A disk that persisted a torn batch's sectors out of order would
 * show the same picture; refusing to start is the safe answer to both.) A
 * record whose checksum holds but whose content is not a record is also a
 * WalCorruption.
 */
export function scanRecords(file: string, bytes: Buffer): Scan {
  const records: ScannedRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const problem = recordProblem(bytes, at);
    if (problem === null) {
      const length = bytes.readUInt32LE(at);
      const record = parsePayload(
        file,
        at,
        bytes.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length),
      );
      records.push({ offset: at, record });
      at += RECORD_HEADER_BYTES + length;
      continue;
    }
    const next = nextValidRecord(bytes, at + 1);
    if (next === null)
      return { records, validBytes: at, tornTail: { offset: at, bytes: bytes.length - at, reason: problem } };
    throw new WalCorruption(file, at, `${problem}, and a valid record follows at offset ${next}`);
  }
  return { records, validBytes: at, tornTail: null };
}

function recordProblem(bytes: Buffer, at: number): string | null {
  if (bytes.length - at < RECORD_HEADER_BYTES)
    return `a record header cut short (${bytes.length - at} of ${RECORD_HEADER_BYTES} bytes)`;
  const length = bytes.readUInt32LE(at);
  if (length === 0 || length > MAX_RECORD_BYTES) return `an impossible record length ${length}`;
  const end = at + RECORD_HEADER_BYTES + length;
  if (end > bytes.length) return `a record of ${length} bytes cut short at ${bytes.length - at - RECORD_HEADER_BYTES}`;
  const expected = bytes.readUInt32LE(at + 4);
  const actual = crc32c(bytes, at + RECORD_HEADER_BYTES, end);
  if (expected !== actual) return `checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})`;
  return null;
}

/** The offset of the first well-formed record (sane length, checksum holds) at or after `from`. */
function nextValidRecord(bytes: Buffer, from: number): number | null {
  for (let o = from; o + RECORD_HEADER_BYTES < bytes.length; o++) {
    const length = bytes.readUInt32LE(o);
    if (length === 0 || length > bytes.length - o - RECORD_HEADER_BYTES) continue;
    if (crc32c(bytes, o + RECORD_HEADER_BYTES, o + RECORD_HEADER_BYTES + length) === bytes.readUInt32LE(o + 4))
      return o;
  }
  return null;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

const SERVER = /^n[1-9][0-9]*$/;

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isEntries(v: unknown): v is Entry[] {
  return (
    Array.isArray(v) &&
    v.every(
      (e) =>
        typeof e === 'object' &&
        e !== null &&
        isCount(e.term) &&
        e.term >= 1 &&
        typeof e.value === 'string' &&
        Object.keys(e).length === 2,
    )
  );
}

function isVote(v: unknown): v is ServerId | null {
  return v === null || (typeof v === 'string' && SERVER.test(v));
}

/** A payload whose checksum holds was written this way: a bad one is a bug or tampering, never a torn write. */
function parsePayload(file: string, offset: number, payload: Buffer): WalRecord {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new WalCorruption(file, offset, 'the checksum holds but the payload is not JSON');
  }
  const bad = (what: string) => new WalCorruption(file, offset, `the checksum holds but the record ${what}`);
  if (typeof r !== 'object' || r === null) throw bad('is not an object');
  switch (r.t) {
    case 'state':
      if (!isCount(r.term) || !isVote(r.votedFor)) throw bad('has a bad term or votedFor');
      return { t: 'state', term: r.term, votedFor: r.votedFor };
    case 'log':
      if (!isCount(r.keep) || !isEntries(r.append)) throw bad('has a bad keep or append');
      return { t: 'log', keep: r.keep, append: r.append };
    case 'cut':
      if (!isCount(r.index) || r.index < 1 || !isCount(r.term) || r.term < 1) throw bad('has a bad index or term');
      return { t: 'cut', index: r.index, term: r.term };
    case 'boot':
      if (!isCount(r.incarnation)) throw bad('has a bad incarnation');
      return { t: 'boot', incarnation: r.incarnation };
    case 'traced':
      if (!isCount(r.upTo)) throw bad('has a bad upTo');
      return { t: 'traced', upTo: r.upTo };
    case 'snapshot':
      if (
        !isCount(r.term) ||
        !isVote(r.votedFor) ||
        !isEntries(r.log) ||
        !isCount(r.incarnation) ||
        !isCount(r.generation) ||
        (r.snapshotIndex !== undefined && !(isCount(r.snapshotIndex) && isCount(r.snapshotTerm)))
      )
        throw bad('is a bad snapshot');
      return {
        t: 'snapshot',
        term: r.term,
        votedFor: r.votedFor,
        log: r.log,
        incarnation: r.incarnation,
        generation: r.generation,
        ...(r.snapshotIndex !== undefined
          ? { snapshotIndex: r.snapshotIndex as number, snapshotTerm: r.snapshotTerm as number }
          : {}),
      };
    default:
      throw bad(`has an unknown type ${JSON.stringify(r.t)}`);
  }
}
