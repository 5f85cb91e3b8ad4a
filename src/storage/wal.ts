// A server's write-ahead log: the durable half of the Raft Ready contract.
// Every change to the current term, the vote and the log is appended as a
// record, and sync() makes the batch durable before the driver lets any
// message that depends on it leave the process. Recovery replays the records;
// compaction rewrites the file as one snapshot record so that it stays
// proportional to the state it holds, however many restarts and term changes
// it has seen.
//
// Beside the file, its mark (wal-mark.ts) says how many bytes were synced and
// their checksum, and is itself synced before anything those bytes hold is
// acknowledged. So recovery knows what the server promised: damage inside
// those bytes, a file cut shorter than them, or an older file brought back
// by a lost rename is a WalCorruption (the server refuses to start), and only
// bytes past them, which nobody was promised, may be a torn tail that is cut
// off. The README's "Durability" section states the model.
//
// With Raft snapshots, the log holds only the entries after the snapshot
// (indexes stay absolute); the snapshot itself lives in its own file beside
// the log (snapshot-file.ts says in which order the two are written), and the
// log is rewritten (compacted) after every cut, so that the file holds what
// follows the snapshot and no more.
import type { Ready } from '../raft/node.js';
import type { DurableState, Entry, ServerId, Snapshot } from '../raft/types.js';
import { crc32c } from './crc32c.js';
import type { Disk, DiskFile, PlacedFile } from './disk.js';
import { readSnapshotFile, snapshotLeftovers, snapshotPathOf, writeSnapshotFile } from './snapshot-file.js';
import { describeMark, encodeSlot, readMark, slotOffset, type Mark } from './wal-mark.js';
import { encodeRecord, scanRecords, WalCorruption, type Scan, type TornTail, type WalRecord } from './wal-records.js';

export interface WalOptions {
  /** Whether sync() really syncs. Off only to measure what fsync costs: a crash may then lose acknowledged writes. */
  readonly fsync: boolean;
  /** Compaction starts only once the file is at least this large (and twice what a snapshot would take). */
  readonly compactAboveBytes: number;
}

export const DEFAULT_WAL_OPTIONS: WalOptions = { fsync: true, compactAboveBytes: 1 << 20 };

export interface Recovery {
  /** The durable state the records add up to; null for a log that held no state yet (a first start). */
  readonly durable: DurableState | null;
  /** How many times this server has started, this start included. */
  readonly incarnation: number;
  readonly records: number;
  readonly bytes: number;
  /** A torn last record that recovery cut off, or null. */
  readonly tornTail: TornTail | null;
  /** The last trace event a synced batch covered; null if the log never had a trace beside it. */
  readonly tracedUpTo: number | null;
}

/** Where a log's mark lives: beside it. */
export function markPathOf(walPath: string): string {
  return `${walPath}.mark`;
}

export class WriteAheadLog {
  private file: DiskFile;
  private readonly markFile: PlacedFile;
  private mark: Mark;
  /** The CRC32C of the whole file as written so far (the mark's chain once synced). */
  private chain: number;
  private staged: Buffer[] = [];
  private fileBytes: number;
  private term: number;
  private votedFor: ServerId | null;
  /** The entries after the Raft snapshot `base` (entry k at log[k - base.index - 1]). */
  private log: Entry[];
  /** The Raft snapshot's last entry (index 0: none), whose file (snapshot-file.ts) holds the entries up to it. */
  private base: Base;
  /** Snapshot files the cuts staged since the last sync made obsolete: removed once the cuts are durable. */
  private obsolete: number[] = [];
  private cutSinceCompaction = false;
  private incarnation: number;
  // entryBytes[k]: the JSON size of the log's first k entries, so that the
  // size of a snapshot is known without serializing it.
  private entryBytes: number[] = [0];
  private tracedUpTo: number | null = null;

  private constructor(
    private readonly disk: Disk,
    readonly path: string,
    private readonly options: WalOptions,
    state: {
      term: number;
      votedFor: ServerId | null;
      log: Entry[];
      base: Base;
      incarnation: number;
      bytes: number;
      chain: number;
      mark: Mark;
    },
  ) {
    this.chain = state.chain;
    this.mark = state.mark;
    this.markFile = disk.openPlaced(markPathOf(path));
    this.term = state.term;
    this.votedFor = state.votedFor;
    this.log = state.log;
    this.base = state.base;
    this.incarnation = state.incarnation;
    this.fileBytes = state.bytes;
    for (const e of this.log) this.entryBytes.push(this.entryBytes[this.entryBytes.length - 1]! + entrySize(e));
    this.file = disk.openAppend(path);
  }

  /**
   * Recovers the state at `path` (cutting off a torn tail, durably), records
   * this start as a new incarnation, and returns the log ready for appends.
   * A log that holds less than its mark says was synced (damage, a file cut
   * short, an old file back), or damage before the tail, throws a
   * WalCorruption naming the file and offset.
   */
  static open(
    disk: Disk,
    path: string,
    options: WalOptions = DEFAULT_WAL_OPTIONS,
  ): { wal: WriteAheadLog; recovery: Recovery } {
    const file = disk.read(path);
    const bytes = file ?? Buffer.alloc(0);
    const mark = recoveredMark(disk, path, bytes);
    const scan = scanRecords(path, bytes);
    checkAgainstMark(path, file !== null, scan, bytes, mark);
    if (scan.tornTail) disk.truncate(path, scan.validBytes);
    const { term, votedFor, log, base, incarnation, tracedUpTo, holdsState } = replay(path, scan.records);
    // The snapshot the log names must be there, whole (a SnapshotCorruption names its file otherwise).
    const snapshot = base.index > 0 ? readSnapshotFile(disk, path, base.index, base.term) : null;
    const chain = crc32c(bytes, 0, scan.validBytes);
    const wal = new WriteAheadLog(disk, path, options, {
      term,
      votedFor,
      log,
      base,
      incarnation,
      bytes: scan.validBytes,
      chain,
      mark: mark ?? FIRST_MARK,
    });
    // A first start marks its empty log before the log holds a byte, so that a log never exists without its mark.
    if (!mark) wal.writeMark();
    wal.tracedUpTo = tracedUpTo;
    wal.incarnation = incarnation + 1;
    wal.stage({ t: 'boot', incarnation: wal.incarnation });
    wal.sync();
    wal.removeLeftoverSnapshots();
    return {
      wal,
      recovery: {
        // A copy: the log's own array changes with every append.
        durable: holdsState ? { currentTerm: term, votedFor, log: [...log], ...(snapshot ? { snapshot } : {}) } : null,
        incarnation: wal.incarnation,
        records: scan.records.length,
        bytes: scan.validBytes,
        tornTail: scan.tornTail,
        tracedUpTo,
      },
    };
  }

  get sizeBytes(): number {
    return this.fileBytes;
  }

  /** Counts the compactions (each rewrites the file under a new inode). */
  get generation(): number {
    return this.mark.generation;
  }

  /** The Raft snapshot the log follows (index 0: none). */
  get snapshotIndex(): number {
    return this.base.index;
  }

  /**
   * Snapshot files other than the one the log names: the one a crash left
   * before its cut was synced, or the one before it that a crash kept from
   * being removed. Nothing reads them; removing them keeps the disk bounded.
   */
  private removeLeftoverSnapshots(): void {
    for (const path of snapshotLeftovers(this.disk, this.path, this.base.index)) this.disk.remove(path);
  }

  /**
   * Stages the durable changes of one step. The log change is read off the
   * step's events (each says which entries it kept and appended) and checked
   * against the state the Ready asks to persist, so that the file can never
   * drift from the node silently.
   */
  record(ready: Ready): void {
    const p = ready.persist;
    if (!p) return;
    if (p.currentTerm !== this.term || p.votedFor !== this.votedFor) {
      this.term = p.currentTerm;
      this.votedFor = p.votedFor;
      this.stage({ t: 'state', term: p.currentTerm, votedFor: p.votedFor });
    }
    const snapshot = p.snapshot;
    if (snapshot && snapshot.index !== this.base.index) this.cutTo(snapshot);
    if (!ready.logChanged) return;
    let keep = Infinity;
    for (const e of ready.events) if (e.logChange) keep = Math.min(keep, e.logChange.keep);
    // A step that only took or installed a snapshot: the cut left the log as the node holds it.
    if (keep === Infinity && sameLog(p.log, this.log)) return;
    // Entries kept, relative to the snapshot.
    let kept = keep - this.base.index;
    // No usable account of the change (or one that disagrees with what this
    // file holds at the last kept entry): write the whole log after the snapshot.
    if (
      keep === Infinity ||
      kept < 0 ||
      kept > this.log.length ||
      (kept > 0 && !sameEntry(p.log[kept - 1], this.log[kept - 1]))
    )
      kept = 0;
    const append = p.log.slice(kept);
    this.setLog(kept, append);
    this.stage({ t: 'log', keep: this.base.index + kept, append });
  }

  /**
   * A snapshot taken or installed: its file is written whole and durably
   * first, then the cut is staged; the previous snapshot's file goes once the
   * cut is synced (see snapshot-file.ts for why in this order).
   */
  private cutTo(snapshot: Snapshot): void {
    writeSnapshotFile(this.disk, this.path, snapshot);
    const cut = { index: snapshot.index, term: snapshot.term };
    this.stage({ t: 'cut', ...cut });
    const log = afterCut(this.log, this.base, cut);
    if (this.base.index > 0) this.obsolete.push(this.base.index);
    this.base = cut;
    this.log = [];
    this.entryBytes = [0];
    this.setLog(0, log);
    this.cutSinceCompaction = true;
  }

  /** Keeps the first `keep` entries after the snapshot, then appends. */
  private setLog(keep: number, append: readonly Entry[]): void {
    this.log.length = keep;
    this.entryBytes.length = keep + 1;
    for (const e of append) {
      this.log.push(e);
      this.entryBytes.push(this.entryBytes[this.entryBytes.length - 1]! + entrySize(e));
    }
  }

  private stage(record: WalRecord): void {
    this.staged.push(encodeRecord(record));
  }

  /**
   * Writes the staged records and makes them durable; then compacts if the
   * file has grown well past its state. `tracedUpTo`, the number of the last
   * event the process trace holds, is written with the batch (in the same
   * write, so a kill keeps both or neither): a restart then cuts the trace
   * back to what the log covers, because a process killed after writing its
   * trace but before its log must not leave events whose durable effects it
   * lost (their messages never left). A batch that changed no durable state
   * writes only that mark, without an fsync: a kill keeps what was written, and
   * nothing was promised on it.
   */
  sync(tracedUpTo?: number): void {
    const durable = this.staged.length > 0;
    if (tracedUpTo !== undefined && tracedUpTo !== this.tracedUpTo) {
      this.stage({ t: 'traced', upTo: tracedUpTo });
      this.tracedUpTo = tracedUpTo;
    }
    if (this.staged.length === 0) return;
    const batch = this.staged.length === 1 ? this.staged[0]! : Buffer.concat(this.staged);
    this.staged = [];
    this.file.append(batch);
    this.fileBytes += batch.length;
    this.chain = crc32c(batch, 0, batch.length, this.chain);
    if (durable) {
      if (this.options.fsync) this.file.sync();
      // Only now may the batch be promised: the mark covers it before any message that depends on it leaves.
      this.writeMark();
    }
    // The cuts are durable: the snapshots they replaced are read by no recovery now.
    for (const index of this.obsolete) this.disk.remove(snapshotPathOf(this.path, index));
    this.obsolete = [];
    const snapshotBytes = this.entryBytes[this.entryBytes.length - 1]! + 128;
    // The log's cut: after a Raft snapshot, the file is rewritten to hold what follows it.
    const cut = this.cutSinceCompaction && durable;
    if (cut || (this.fileBytes > this.options.compactAboveBytes && this.fileBytes > 2 * snapshotBytes)) this.compact();
  }

  /**
   * Rewrites the file as one snapshot record of the next generation,
   * atomically (temp file, fsync, rename), then marks it: a crash between the
   * two leaves a file one generation ahead of its mark, which recovery takes.
   */
  compact(): void {
    const generation = this.mark.generation + 1;
    const snapshot = encodeRecord({
      t: 'snapshot',
      term: this.term,
      votedFor: this.votedFor,
      log: this.log,
      incarnation: this.incarnation,
      generation,
      ...(this.base.index > 0 ? { snapshotIndex: this.base.index, snapshotTerm: this.base.term } : {}),
    });
    const bytes =
      this.tracedUpTo === null
        ? snapshot
        : Buffer.concat([snapshot, encodeRecord({ t: 'traced', upTo: this.tracedUpTo })]);
    this.file.close();
    this.disk.replace(this.path, bytes);
    this.file = this.disk.openAppend(this.path);
    this.fileBytes = bytes.length;
    this.chain = crc32c(bytes);
    this.cutSinceCompaction = false;
    this.writeMark(generation);
  }

  /** Marks everything written so far as synced (in the slot the last mark is not in). */
  private writeMark(generation = this.mark.generation): void {
    this.mark = {
      seq: this.mark.seq + 1,
      generation,
      bytes: this.fileBytes,
      chain: this.chain,
      term: this.term,
      votedFor: this.votedFor,
      logLength: this.base.index + this.log.length,
    };
    this.markFile.writeAt(slotOffset(this.mark), encodeSlot(this.mark));
    if (this.options.fsync) this.markFile.sync();
  }

  close(): void {
    this.file.close();
    this.markFile.close();
  }
}

/** Stands for the mark of a log that never had one (a first start): the first mark written follows it. */
const FIRST_MARK: Mark = { seq: -1, generation: 0, bytes: 0, chain: 0, term: 0, votedFor: null, logLength: 0 };

/**
 * The log's mark, or null for a first start (no log bytes, and no whole mark
 * that promised any). A log with bytes but no readable mark cannot tell a
 * torn tail from lost synced data, so it is refused.
 */
function recoveredMark(disk: Disk, path: string, bytes: Buffer): Mark | null {
  const markPath = markPathOf(path);
  const markBytes = disk.read(markPath);
  const mark = markBytes ? readMark(markBytes) : null;
  if (mark || bytes.length === 0) return mark;
  const why = markBytes
    ? `its mark ${markPath} is damaged (neither of its two slots holds a whole mark)`
    : `its mark ${markPath} is missing (a log written by a version without marks, or a lost file)`;
  throw new WalCorruption(
    path,
    0,
    `the log holds ${bytes.length.toLocaleString('en-US')} bytes, but ${why}, so what was synced cannot be told from a torn tail; refusing to start`,
  );
}

/** Refuses a log that holds less than its mark says was synced and promised. */
function checkAgainstMark(path: string, exists: boolean, scan: Scan, bytes: Buffer, mark: Mark | null): void {
  if (!mark) return;
  const promised = `its mark says it held ${describeMark(mark)}; refusing to start with less than it promised`;
  if (!exists) {
    if (mark.bytes > 0) throw new WalCorruption(path, 0, `the log file is missing, but ${promised}`);
    return;
  }
  // The first record says which compaction wrote the file (none: generation 0); null when it is unreadable.
  const first = scan.records[0]?.record;
  const generation = first === undefined ? null : first.t === 'snapshot' ? first.generation : 0;
  // A compaction whose rewrite landed but whose mark did not: the rewrite was synced whole before its rename.
  if (generation === mark.generation + 1) return;
  if (generation !== null && generation < mark.generation) {
    throw new WalCorruption(
      path,
      0,
      `the log is of generation ${generation}, older than its mark's: an older file brought back (as by a lost rename); ${promised}`,
    );
  }
  if (generation !== null && generation > mark.generation) {
    throw new WalCorruption(
      path,
      0,
      `the log is of generation ${generation}, more than one compaction ahead of its mark's (a mark from another log?); ${promised}`,
    );
  }
  if (bytes.length < mark.bytes) {
    throw new WalCorruption(
      path,
      bytes.length,
      `the file ends at ${bytes.length.toLocaleString('en-US')} bytes, cut short: ${promised}`,
    );
  }
  if (scan.validBytes < mark.bytes) {
    throw new WalCorruption(
      path,
      scan.validBytes,
      `${scan.tornTail!.reason}, inside the synced bytes (not the torn end of an unfinished write): ${promised}`,
    );
  }
  if (crc32c(bytes, 0, mark.bytes) !== mark.chain) {
    throw new WalCorruption(
      path,
      0,
      `the first ${mark.bytes.toLocaleString('en-US')} bytes are whole records but not the ones synced (their checksum differs: a stale or misdirected sector): ${promised}`,
    );
  }
}

/** The state the log's records add up to, in order; a record that cannot follow the ones before it is a WalCorruption. */
function replay(path: string, records: Scan['records']): Replayed {
  let term = 0;
  let votedFor: ServerId | null = null;
  let log: Entry[] = [];
  let incarnation = 0;
  let tracedUpTo: number | null = null;
  let holdsState = false;
  let base: Base = NO_BASE;
  for (const { offset, record } of records) {
    switch (record.t) {
      case 'state':
        term = record.term;
        votedFor = record.votedFor;
        holdsState = true;
        break;
      case 'log':
        if (record.keep > base.index + log.length || record.keep < base.index) {
          throw new WalCorruption(
            path,
            offset,
            record.keep < base.index
              ? `a log record keeps ${record.keep} entries, fewer than the snapshot up to ${base.index} covers`
              : `a log record keeps ${record.keep} entries of a log of ${base.index + log.length}`,
          );
        }
        log.length = record.keep - base.index;
        for (const e of record.append) log.push(e);
        holdsState = true;
        break;
      case 'cut':
        if (record.index <= base.index)
          throw new WalCorruption(
            path,
            offset,
            `a cut at ${record.index}, not beyond the snapshot up to ${base.index}`,
          );
        log = afterCut(log, base, record);
        base = { index: record.index, term: record.term };
        holdsState = true;
        break;
      case 'boot':
        incarnation = record.incarnation;
        break;
      case 'traced':
        tracedUpTo = record.upTo;
        break;
      case 'snapshot':
        if (offset !== 0) throw new WalCorruption(path, offset, 'a snapshot record that is not the first record');
        term = record.term;
        votedFor = record.votedFor;
        log = [...record.log];
        base = record.snapshotIndex ? { index: record.snapshotIndex, term: record.snapshotTerm! } : NO_BASE;
        incarnation = record.incarnation;
        holdsState = true;
        break;
    }
  }
  return { term, votedFor, log, base, incarnation, tracedUpTo, holdsState };
}

interface Replayed {
  readonly term: number;
  readonly votedFor: ServerId | null;
  readonly log: Entry[];
  readonly base: Base;
  readonly incarnation: number;
  readonly tracedUpTo: number | null;
  readonly holdsState: boolean;
}

interface Base {
  readonly index: number;
  readonly term: number;
}

const NO_BASE: Base = { index: 0, term: 0 };

/**
 * The log after a cut to `cut`: the entries after it if the log holds entry
 * cut.index with cut.term (as the node keeps them), none otherwise.
 */
function afterCut(log: readonly Entry[], base: Base, cut: Base): Entry[] {
  const at = cut.index - base.index;
  return at <= log.length && log[at - 1]?.term === cut.term ? log.slice(at) : [];
}

function sameLog(a: readonly Entry[], b: readonly Entry[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!sameEntry(a[k], b[k])) return false;
  return true;
}

function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.term === b.term && a.value === b.value);
}

function entrySize(e: Entry): number {
  return e.value.length + 24;
}
