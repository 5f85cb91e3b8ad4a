// A server's snapshot on disk: the state machine's content up to an index,
// in a file of its own beside the write-ahead log, named by that index
// (`wal.log.snapshot.120`). The file is written whole and atomically (temp
// file, fsync, rename, directory fsync); only then does the log record the
// cut ({t:'cut'} in wal-records.ts) that lets it forget the entries the file
// covers, and only once that cut is synced is the previous snapshot's file
// removed. So at every moment the file the log names exists: a crash before
// the cut is synced recovers the previous snapshot and the whole log (the
// state before the step, as Raft's restart requires), a crash after it
// recovers the new snapshot. A file the log names that is missing or damaged
// is a SnapshotCorruption: the server refuses to start, naming the file.
//
// The file is one framed record, as the log's are:
//
//   u32 little-endian  payload length in bytes
//   u32 little-endian  CRC32C of the payload
//   payload            {"t":"snapshot-file","index":N,"term":T,"data":"..."}, UTF-8
import { basename, dirname, join } from 'node:path';
import type { Snapshot } from '../raft/types.js';
import { crc32c } from './crc32c.js';
import { replacementOf, type Disk } from './disk.js';

/** What Disk.replace adds to a file's name while it writes it. */
const PARTIAL = replacementOf('');

const HEADER_BYTES = 8;

/** A snapshot file the log relies on is missing or damaged: the server must not start without it. */
export class SnapshotCorruption extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: damaged snapshot: ${reason}; refusing to start`);
  }
}

/** Where the snapshot up to `index` of the log at `walPath` lives. */
export function snapshotPathOf(walPath: string, index: number): string {
  return `${walPath}.snapshot.${index}`;
}

/** The indexes of the snapshot files beside the log at `walPath`, in order (leftovers of crashes included). */
export function snapshotIndexesBeside(disk: Disk, walPath: string): number[] {
  return besideLog(disk, walPath)
    .filter((f) => !f.partial)
    .map((f) => f.index)
    .sort((a, b) => a - b);
}

/**
 * Every file a recovery does not need beside the log at `walPath`: the
 * snapshots other than the one up to `keep`, and any snapshot a crash cut off
 * before its rename (Disk.replace's temp file).
 */
export function snapshotLeftovers(disk: Disk, walPath: string, keep: number): string[] {
  return besideLog(disk, walPath)
    .filter((f) => f.partial || f.index !== keep)
    .map((f) => join(dirname(walPath), f.name));
}

function besideLog(disk: Disk, walPath: string): Array<{ name: string; index: number; partial: boolean }> {
  const prefix = `${basename(walPath)}.snapshot.`;
  const found: Array<{ name: string; index: number; partial: boolean }> = [];
  for (const name of disk.list(dirname(walPath))) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const partial = rest.endsWith(PARTIAL);
    const digits = partial ? rest.slice(0, -PARTIAL.length) : rest;
    if (/^[1-9][0-9]*$/.test(digits)) found.push({ name, index: Number(digits), partial });
  }
  return found;
}

export function encodeSnapshotFile(s: Snapshot): Buffer {
  const payload = Buffer.from(
    JSON.stringify({ t: 'snapshot-file', index: s.index, term: s.term, data: s.data }),
    'utf8',
  );
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32c(payload), 4);
  payload.copy(out, HEADER_BYTES);
  return out;
}

/** Writes the snapshot's file whole, atomically and durably (Disk.replace). */
export function writeSnapshotFile(disk: Disk, walPath: string, s: Snapshot): void {
  disk.replace(snapshotPathOf(walPath, s.index), encodeSnapshotFile(s));
}

/**
 * The snapshot the log at `walPath` names (index and term from its cut), read
 * and checked: its framing, its checksum, and that it is the one named.
 */
export function readSnapshotFile(disk: Disk, walPath: string, index: number, term: number): Snapshot {
  const path = snapshotPathOf(walPath, index);
  const bytes = disk.read(path);
  if (bytes === null)
    throw new SnapshotCorruption(
      path,
      `the file is missing, but the log ${walPath} says entries 1 to ${index} were compacted into it`,
    );
  const s = decodeSnapshotFile(path, bytes);
  if (s.index !== index || s.term !== term)
    throw new SnapshotCorruption(
      path,
      `it holds the snapshot up to ${s.index} (term ${s.term}), but the log ${walPath} names the one up to ${index} (term ${term})`,
    );
  return s;
}

function decodeSnapshotFile(path: string, bytes: Buffer): Snapshot {
  const bad = (why: string) => new SnapshotCorruption(path, why);
  if (bytes.length < HEADER_BYTES)
    throw bad(`the file holds ${bytes.length} bytes, less than its ${HEADER_BYTES}-byte header`);
  const length = bytes.readUInt32LE(0);
  if (HEADER_BYTES + length !== bytes.length)
    throw bad(`its header says ${length} bytes of content, but the file holds ${bytes.length - HEADER_BYTES}`);
  const stored = bytes.readUInt32LE(4);
  const computed = crc32c(bytes, HEADER_BYTES, bytes.length);
  if (stored !== computed) throw bad(`checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  let r: unknown;
  try {
    r = JSON.parse(bytes.subarray(HEADER_BYTES).toString('utf8'));
  } catch {
    throw bad('the checksum holds but the content is not JSON');
  }
  const o = r as Record<string, unknown>;
  if (
    typeof o !== 'object' ||
    o === null ||
    o.t !== 'snapshot-file' ||
    !isPositive(o.index) ||
    !isPositive(o.term) ||
    typeof o.data !== 'string'
  )
    throw bad('the checksum holds but the content is not a snapshot (t, index, term, data)');
  return { index: o.index, term: o.term, data: o.data };
}

function isPositive(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 1;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
