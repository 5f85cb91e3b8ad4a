// The write-ahead log's file format and recovery: records round-trip, every
// cut of a valid file recovers a prefix of its records, a flipped byte is
// always detected (as a torn last record, or as corruption before the tail
// naming the offset), and compaction keeps the file small without changing
// what it recovers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/storage/crc32c.js';
import { SimulatedDisk } from '../../src/storage/disk.js';
import { markPathOf, WriteAheadLog } from '../../src/storage/wal.js';
import { encodeSlot } from '../../src/storage/wal-mark.js';
import { encodeRecord, scanRecords, WalCorruption, type WalRecord } from '../../src/storage/wal-records.js';
import { MemCluster } from '../support/mem-cluster.js';

const RECORDS: WalRecord[] = [
  { t: 'boot', incarnation: 1 },
  { t: 'state', term: 1, votedFor: 'n1' },
  {
    t: 'log',
    keep: 0,
    append: [
      { term: 1, value: 'a=1' },
      { term: 1, value: 'b=2' },
    ],
  },
  { t: 'state', term: 2, votedFor: null },
  { t: 'log', keep: 1, append: [{ term: 2, value: 'c=ü' }] },
  { t: 'boot', incarnation: 2 },
  { t: 'log', keep: 2, append: [{ term: 2, value: '?c' }] },
];

function fileOf(records: readonly WalRecord[]): { bytes: Buffer; ends: number[] } {
  const parts = records.map(encodeRecord);
  const ends: number[] = [];
  let at = 0;
  for (const p of parts) ends.push((at += p.length));
  return { bytes: Buffer.concat(parts), ends };
}

/** Puts `bytes` on the disk as a log whose mark says its first `synced` bytes were synced (and promised). */
function putLog(disk: SimulatedDisk, path: string, bytes: Buffer, synced: number): void {
  disk.replace(path, bytes);
  const mark = {
    seq: 3,
    generation: 0,
    bytes: synced,
    chain: crc32c(bytes, 0, synced),
    term: 2,
    votedFor: null,
    logLength: 2,
  };
  disk.replace(markPathOf(path), Buffer.concat([Buffer.alloc(512), encodeSlot(mark)]));
}

describe('WAL records', () => {
  it('computes CRC32C (the Castagnoli check value of "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    // Continued over a split, it gives the checksum of the whole.
    expect(crc32c(Buffer.from('6789'), 0, 4, crc32c(Buffer.from('12345')))).toBe(0xe3069283);
  });

  it('round-trip', () => {
    const { bytes } = fileOf(RECORDS);
    const scan = scanRecords('wal.log', bytes);
    expect(scan.tornTail).toBeNull();
    expect(scan.validBytes).toBe(bytes.length);
    expect(scan.records.map((r) => r.record)).toEqual(RECORDS);
  });

  it('recovers a prefix from every truncation point, reporting the torn tail', () => {
    const { bytes, ends } = fileOf(RECORDS);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const whole = ends.filter((e) => e <= cut).length;
      const scan = scanRecords('wal.log', bytes.subarray(0, cut));
      expect(
        scan.records.map((r) => r.record),
        `cut at ${cut}`,
      ).toEqual(RECORDS.slice(0, whole));
      const boundary = cut === 0 || ends.includes(cut);
      expect(scan.tornTail === null, `cut at ${cut}`).toBe(boundary);
      expect(scan.validBytes).toBe(whole === 0 ? 0 : ends[whole - 1]);
    }
  });

  it('detects every flipped byte: corruption before the tail is an error naming the offset, in the last record a torn tail', () => {
    const { bytes, ends } = fileOf(RECORDS);
    const starts = [0, ...ends.slice(0, -1)];
    for (let at = 0; at < bytes.length; at++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = Buffer.from(bytes);
        damaged[at] = damaged[at]! ^ mask;
        const k = ends.findIndex((e) => e > at);
        const last = k === RECORDS.length - 1;
        let outcome: string;
        try {
          const scan = scanRecords('data/wal.log', damaged);
          outcome = scan.tornTail ? `torn at ${scan.tornTail.offset}` : 'clean';
          expect(scan.records.map((r) => r.record)).toEqual(RECORDS.slice(0, k));
        } catch (err) {
          if (!(err instanceof WalCorruption)) throw err;
          expect(err.message).toContain('data/wal.log: corrupt write-ahead log at byte offset');
          outcome = `corrupt at ${err.offset}`;
        }
        expect(outcome, `byte ${at} ^ ${mask}`).toBe(last ? `torn at ${starts[k]}` : `corrupt at ${starts[k]}`);
      }
    }
  });

  it('refuses a record whose checksum holds but whose content is not a record', () => {
    const bad = Buffer.concat([
      encodeRecord(RECORDS[0]!),
      encodeRecord({ t: 'log', keep: -1, append: [] } as unknown as WalRecord),
    ]);
    expect(() => scanRecords('w', bad)).toThrow(/offset \d+: the checksum holds but the record has a bad keep/);
  });
});

describe('the write-ahead log of a server', () => {
  it('cuts off a torn tail durably and recovers the state before it', () => {
    const disk = new SimulatedDisk();
    const { bytes, ends } = fileOf(RECORDS);
    putLog(disk, '/d/wal.log', bytes.subarray(0, ends[4]! + 5), ends[3]!);
    const { wal, recovery } = WriteAheadLog.open(disk, '/d/wal.log');
    expect(recovery.tornTail).toMatchObject({ offset: ends[4], bytes: 5 });
    expect(recovery.durable).toEqual({
      currentTerm: 2,
      votedFor: null,
      log: [
        { term: 1, value: 'a=1' },
        { term: 2, value: 'c=ü' },
      ],
    });
    expect(recovery.incarnation).toBe(2);
    wal.close();
    // The tail is gone and the new boot record follows the last whole record.
    const after = scanRecords('/d/wal.log', disk.read('/d/wal.log')!);
    expect(after.tornTail).toBeNull();
    expect(after.records.at(-1)!.record).toEqual({ t: 'boot', incarnation: 2 });
    expect(after.records.at(-1)!.offset).toBe(ends[4]);
  });

  it('compacts the file into one snapshot that recovers the same state', () => {
    const c = new MemCluster(3, 7, { fsync: true, compactAboveBytes: 2048 });
    c.run(3000);
    let compacted = 0;
    for (const id of c.ids) {
      const d = c.drivers.get(id);
      if (!d) continue;
      const before = { term: d.node.term, log: [...d.log] };
      const bytes = c.disks.get(id)!.read(`/data/${id}/wal.log`)!;
      if (scanRecords('w', bytes).records[0]?.record.t === 'snapshot') compacted++;
      // Bounded by the state it holds, not by the history that led to it.
      expect(bytes.length).toBeLessThan(
        Math.max(2048, 2 * (before.log.length * 24 + JSON.stringify(before.log).length + 128)) + 4096,
      );
      const { wal, recovery } = WriteAheadLog.open(c.disks.get(id)!, `/data/${id}/wal.log`);
      wal.close();
      expect(recovery.durable?.currentTerm).toBe(before.term);
      expect(recovery.durable?.log).toEqual(before.log);
    }
    expect(compacted).toBeGreaterThan(0);
  });

  it('refuses to start from a log whose damage is not at the tail, naming file and offset', () => {
    const disk = new SimulatedDisk();
    const { bytes, ends } = fileOf(RECORDS);
    const damaged = Buffer.from(bytes);
    damaged.writeUInt8(damaged.readUInt8(ends[1]! + 9) ^ 0x20, ends[1]! + 9);
    putLog(disk, '/d/wal.log', damaged, ends[1]!);
    expect(() => WriteAheadLog.open(disk, '/d/wal.log')).toThrow(
      `/d/wal.log: corrupt write-ahead log at byte offset ${ends[1]}: checksum mismatch`,
    );
  });
});

/** A log a real driver wrote: elections, entries and restarts, on a simulated disk, its last batch synced. */
function livedLog(compactAboveBytes = 1 << 30): { c: MemCluster; disk: SimulatedDisk; path: string; bytes: Buffer } {
  const c = new MemCluster(3, 11, { fsync: true, compactAboveBytes });
  c.run(1500);
  const id = c.ids.find((i) => c.drivers.get(i))!;
  c.drivers.get(id)!.close();
  const disk = c.disks.get(id)!;
  const path = `/data/${id}/wal.log`;
  return { c, disk, path, bytes: disk.read(path)! };
}

const SECTOR = 512;

describe('a damaged write-ahead log never starts a server with less than it promised', () => {
  const refused = (disk: SimulatedDisk, path: string): string => {
    try {
      WriteAheadLog.open(disk, path).wal.close();
    } catch (err) {
      if (err instanceof WalCorruption) return err.message;
      throw err;
    }
    return 'started';
  };

  it('a log zero-filled at its size, cut at a sector boundary, or with a zeroed or flipped sector inside is refused, naming the file, the offset and what was promised', () => {
    const { disk, path, bytes } = livedLog();
    expect(bytes.length).toBeGreaterThan(4 * SECTOR);
    const cases: Array<[string, Buffer, RegExp]> = [
      [
        'zero-filled',
        Buffer.alloc(bytes.length),
        /at byte offset 0: an impossible record length 0, inside the synced bytes \(not the torn end of an unfinished write\): its mark says it held term \d+, (vote for n\d|no vote), \d+ log entries in [\d,]+ synced bytes/,
      ],
      [
        'cut at a sector boundary',
        bytes.subarray(0, Math.floor((bytes.length - 1) / SECTOR) * SECTOR),
        /the file ends at [\d,]+ bytes, cut short: its mark says/,
      ],
      ['cut to nothing', Buffer.alloc(0), /at byte offset 0: the file ends at 0 bytes, cut short/],
      [
        'a zeroed sector inside',
        Buffer.concat([bytes.subarray(0, SECTOR), Buffer.alloc(SECTOR), bytes.subarray(2 * SECTOR)]),
        /corrupt write-ahead log at byte offset \d+: /,
      ],
      [
        'the last sector zeroed',
        Buffer.concat([bytes.subarray(0, bytes.length - SECTOR), Buffer.alloc(SECTOR)]),
        /inside the synced bytes \(not the torn end of an unfinished write\)/,
      ],
      [
        'the last record flipped',
        Buffer.from(bytes.map((b, k) => (k === bytes.length - 3 ? b ^ 0x10 : b))),
        /checksum mismatch.*inside the synced bytes/,
      ],
    ];
    for (const [what, content, message] of cases) {
      disk.replace(path, content);
      const m = refused(disk, path);
      expect(m, what).toMatch(message);
      expect(m, what).toMatch(new RegExp(`^${path}: corrupt write-ahead log at byte offset \\d+: `));
      expect(m, what).toMatch(/refusing to start with less than it promised$|a valid record follows at offset \d+$/);
    }
    // Undamaged, it still starts.
    disk.replace(path, bytes);
    expect(refused(disk, path)).toBe('started');
  });

  it('whole records that are not the ones synced (a stale or misdirected sector) are refused by the checksum over the synced bytes', () => {
    const { disk, path, bytes } = livedLog();
    const records = scanRecords(path, bytes).records;
    // Two records of one length swap places: each is whole, the file is not what was synced.
    const a = records.findIndex(
      (r, k) =>
        k > 0 &&
        records.some(
          (q, j) =>
            j > k &&
            q.record.t === r.record.t &&
            encodeRecord(q.record).length === encodeRecord(r.record).length &&
            JSON.stringify(q.record) !== JSON.stringify(r.record),
        ),
    );
    expect(a).toBeGreaterThan(0);
    const b = records.findIndex(
      (q, j) =>
        j > a &&
        encodeRecord(q.record).length === encodeRecord(records[a]!.record).length &&
        q.record.t === records[a]!.record.t &&
        JSON.stringify(q.record) !== JSON.stringify(records[a]!.record),
    );
    const swapped = Buffer.from(bytes);
    const len = encodeRecord(records[a]!.record).length;
    bytes.copy(swapped, records[a]!.offset, records[b]!.offset, records[b]!.offset + len);
    bytes.copy(swapped, records[b]!.offset, records[a]!.offset, records[a]!.offset + len);
    disk.replace(path, swapped);
    expect(refused(disk, path)).toMatch(
      /bytes are whole records but not the ones synced \(their checksum differs: a stale or misdirected sector\)/,
    );
  });

  it('a torn write past the synced bytes is cut off and the server starts with all it promised', () => {
    const { disk, path, bytes } = livedLog();
    const promised = WriteAheadLog.open(disk, path);
    promised.wal.close();
    const synced = disk.read(path)!;
    const mark = disk.read(markPathOf(path))!;
    for (const tail of [
      Buffer.alloc(SECTOR),
      Buffer.from([7, 0, 0]),
      encodeRecord({ t: 'boot', incarnation: 99 }).subarray(0, 11),
    ]) {
      disk.replace(path, Buffer.concat([synced, tail]));
      disk.replace(markPathOf(path), mark);
      const { wal, recovery } = WriteAheadLog.open(disk, path);
      wal.close();
      expect(recovery.tornTail?.offset).toBe(synced.length);
      expect(recovery.durable).toEqual(promised.recovery.durable);
    }
    expect(bytes.length).toBeLessThan(synced.length);
  });

  it('a lost or damaged mark, a missing log, and a compaction whose rename was lost are refused; a mark one compaction behind is taken', () => {
    const { disk, path } = livedLog();
    const markPath = markPathOf(path);
    const log = disk.read(path)!;
    const mark = disk.read(markPath)!;
    disk.remove(markPath);
    expect(refused(disk, path)).toMatch(/the log holds [\d,]+ bytes, but its mark .*wal\.log\.mark is missing/);
    disk.replace(markPath, Buffer.alloc(1024));
    expect(refused(disk, path)).toMatch(/its mark .* is damaged \(neither of its two slots holds a whole mark\)/);
    // One slot torn: the other one holds the mark before it, which the log covers.
    disk.replace(markPath, Buffer.concat([mark.subarray(0, 512), Buffer.alloc(512)]));
    const tornSlot = refused(disk, path);
    disk.replace(markPath, Buffer.concat([Buffer.alloc(512), mark.subarray(512)]));
    expect([tornSlot, refused(disk, path)]).toEqual(['started', 'started']);
    disk.replace(markPath, mark);
    disk.remove(path);
    expect(refused(disk, path)).toMatch(/the log file is missing, but its mark says/);
    // Both gone: a new server (nothing is left that could tell).
    disk.remove(markPath);
    expect(refused(disk, path)).toBe('started');

    // Compaction: rewrite, then mark. The old file back (a lost rename) is refused; the old mark (a crash before it was written) is taken.
    disk.replace(path, log);
    disk.replace(markPath, mark);
    const { wal } = WriteAheadLog.open(disk, path);
    wal.compact();
    wal.close();
    expect(scanRecords(path, disk.read(path)!).records[0]!.record).toMatchObject({ t: 'snapshot', generation: 1 });
    const compacted = disk.read(path)!;
    const before = disk.read(markPath)!;
    disk.replace(path, log);
    expect(refused(disk, path)).toMatch(
      /the log is of generation 0, older than its mark's: an older file brought back \(as by a lost rename\)/,
    );
    disk.replace(path, compacted);
    disk.replace(markPath, mark);
    expect(refused(disk, path)).toBe('started');
    expect(before.equals(mark)).toBe(false);
  });
});

describe('the damage matrix: any damage to any place of a log either refuses to start or recovers all that was promised', () => {
  it('zeroed, flipped, stale or random sectors and cuts, anywhere, over logs of several lives (fast-check)', () => {
    const lives = [3, 11, 19].map((seed) => {
      const c = new MemCluster(3, seed, { fsync: true, compactAboveBytes: seed === 19 ? 2048 : 1 << 30 });
      c.run(1200);
      const id = c.ids.find((i) => c.drivers.get(i))!;
      c.drivers.get(id)!.close();
      const disk = c.disks.get(id)!;
      const path = `/data/${id}/wal.log`;
      // Past the synced bytes, the torn half of a write that never finished: nobody was promised what it holds.
      const torn = encodeRecord({
        t: 'log',
        keep: 0,
        append: Array.from({ length: 12 }, (_, k) => ({ term: 99, value: `torn-${k}` })),
      });
      const log = Buffer.concat([disk.read(path)!, torn.subarray(0, torn.length >> 1)]);
      disk.replace(path, log);
      const mark = disk.read(markPathOf(path))!;
      const promised = WriteAheadLog.open(disk, path);
      promised.wal.close();
      expect(promised.recovery.tornTail).not.toBeNull();
      // Opening wrote a boot record: start each case from the log and mark as they were before it.
      return { disk, path, log, mark, durable: promised.recovery.durable };
    });
    const outcomes = { refused: 0, recovered: 0 };
    fc.assert(
      fc.property(
        fc.nat(lives.length - 1),
        fc.constantFrom('zero', 'flip', 'stale', 'random', 'cut'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1024 }),
        fc.nat(255),
        (which, kind, where, length, byte) => {
          const life = lives[which]!;
          const at = Math.min(life.log.length - 1, Math.floor(where * life.log.length));
          const damaged = Buffer.from(life.log);
          const end = Math.min(damaged.length, at + length);
          if (kind === 'zero') damaged.fill(0, at, end);
          if (kind === 'flip') damaged[at] = damaged[at]! ^ (1 << (byte % 8));
          if (kind === 'random') for (let k = at; k < end; k++) damaged[k] = (byte * 31 + k * 17) & 0xff;
          if (kind === 'stale')
            life.log.copy(damaged, at, Math.max(0, at - SECTOR), Math.max(0, at - SECTOR) + (end - at));
          const content = kind === 'cut' ? damaged.subarray(0, at) : damaged;
          if (content.equals(life.log)) return; // the damage changed nothing (a stale copy of equal bytes)
          life.disk.replace(life.path, content);
          life.disk.replace(markPathOf(life.path), life.mark);
          let recovered: ReturnType<typeof WriteAheadLog.open>['recovery'];
          try {
            const opened = WriteAheadLog.open(life.disk, life.path);
            opened.wal.close();
            recovered = opened.recovery;
          } catch (err) {
            if (!(err instanceof WalCorruption)) throw err;
            expect(err.message).toMatch(new RegExp(`^${life.path}: corrupt write-ahead log at byte offset \\d+: `));
            outcomes.refused++;
            return;
          }
          // It started: then with everything it had promised.
          expect(recovered.durable).toEqual(life.durable);
          outcomes.recovered++;
        },
      ),
      { numRuns: 600, seed: 24 },
    );
    console.log(`damage matrix: ${outcomes.refused} refused, ${outcomes.recovered} recovered all that was promised`);
    expect(outcomes.refused).toBeGreaterThan(300);
    expect(outcomes.recovered).toBeGreaterThan(20);
  });
});
