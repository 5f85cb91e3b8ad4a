// The write-ahead log's mark: a small file beside the log that says how much
// of the log was synced, and so promised. A disk can lose the end of a file
// (its length cut back to a sector boundary), zero or flip sectors, or bring
// back an old file when a rename is lost, and the log alone cannot tell every
// one of those from the torn last write of a crash. The mark can: recovery
// requires the log to hold, whole and unchanged, the bytes the mark covers,
// and only what lies beyond them may be a torn tail (see wal.ts).
//
// The file is two slots of SLOT_BYTES, each a sector of its own, written in
// turn (slot = seq mod 2), never renamed, so that a torn write of one slot
// leaves the other one whole. Each slot is
//
//   u32 little-endian  payload length in bytes
//   u32 little-endian  CRC32C of the payload
//   payload            one JSON object (see Mark), UTF-8, then zeros
import type { ServerId } from '../raft/types.js';
import { crc32c } from './crc32c.js';

export const SLOT_BYTES = 512;
const HEADER_BYTES = 8;

/** What the mark says of the log at its last sync. */
export interface Mark {
  /** Counts every mark written; the slot with the higher one is the newer. */
  readonly seq: number;
  /** Counts the log's compactions: each rewrites the file whole (see WriteAheadLog.compact). */
  readonly generation: number;
  /** The log's length when it was last synced: every byte before it is durable and was promised. */
  readonly bytes: number;
  /** The CRC32C of those bytes, as one run. */
  readonly chain: number;
  /** The state those bytes add up to, to say what a damaged log would lose. */
  readonly term: number;
  readonly votedFor: ServerId | null;
  readonly logLength: number;
}

export function encodeSlot(mark: Mark): Buffer {
  const payload = Buffer.from(JSON.stringify(mark), 'utf8');
  if (HEADER_BYTES + payload.length > SLOT_BYTES)
    throw new Error(`a WAL mark of ${payload.length} bytes does not fit its slot`);
  const out = Buffer.alloc(SLOT_BYTES);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32c(payload), 4);
  payload.copy(out, HEADER_BYTES);
  return out;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/** The mark a slot holds, or null if the slot is torn, zeroed or damaged. */
function decodeSlot(bytes: Buffer, at: number): Mark | null {
  if (bytes.length < at + HEADER_BYTES) return null;
  const length = bytes.readUInt32LE(at);
  if (length === 0 || HEADER_BYTES + length > SLOT_BYTES || at + HEADER_BYTES + length > bytes.length) return null;
  if (crc32c(bytes, at + HEADER_BYTES, at + HEADER_BYTES + length) !== bytes.readUInt32LE(at + 4)) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(bytes.toString('utf8', at + HEADER_BYTES, at + HEADER_BYTES + length));
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const counts = [m.seq, m.generation, m.bytes, m.chain, m.term, m.logLength];
  if (!counts.every(isCount) || !(m.votedFor === null || typeof m.votedFor === 'string')) return null;
  return m as unknown as Mark;
}

/** The newer of the two slots that holds a whole mark, or null if neither does. */
export function readMark(bytes: Buffer): Mark | null {
  const a = decodeSlot(bytes, 0);
  const b = decodeSlot(bytes, SLOT_BYTES);
  if (a && b) return a.seq >= b.seq ? a : b;
  return a ?? b;
}

/** The slot a mark goes to: the one the previous mark is not in. */
export function slotOffset(mark: Mark): number {
  return (mark.seq % 2) * SLOT_BYTES;
}

/** What a mark promises, for an error message: "term 7, vote for n2, 26 entries in 34,420 bytes". */
export function describeMark(m: Mark): string {
  const vote = m.votedFor === null ? 'no vote' : `vote for ${m.votedFor}`;
  return `term ${m.term}, ${vote}, ${m.logLength} log entries in ${m.bytes.toLocaleString('en-US')} synced bytes (generation ${m.generation})`;
}
