// The write-ahead log's file format and recovery: records round-trip, every
// cut of a valid file recovers a prefix of its records, a flipped byte is
// always detected (as a torn last record, or as corruption before the tail
// naming the offset), and compaction keeps the file small without changing
// what it recovers.
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/storage/crc32c.js';
import { SimulatedDisk } from '../../src/storage/disk.js';
import { WriteAheadLog } from '../../src/storage/wal.js';
import { encodeRecord, scanRecords, WalCorruption, type WalRecord } from '../../src/storage/wal-records.js';
import { MemCluster } from './mem-cluster.js';

const RECORDS: WalRecord[] = [
  { t: 'boot', incarnation: 1 },
  { t: 'state', term: 1, votedFor: 'n1' },
  { t: 'log', keep: 0, append: [{ term: 1, value: 'a=1' }, { term: 1, value: 'b=2' }] },
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

describe('WAL records', () => {
  it('computes CRC32C (the Castagnoli check value of "123456789")', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
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
      expect(scan.records.map((r) => r.record), `cut at ${cut}`).toEqual(RECORDS.slice(0, whole));
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
    const bad = Buffer.concat([encodeRecord(RECORDS[0]!), encodeRecord({ t: 'log', keep: -1, append: [] } as unknown as WalRecord)]);
    expect(() => scanRecords('w', bad)).toThrow(/offset \d+: the checksum holds but the record has a bad keep/);
  });
});

describe('the write-ahead log of a server', () => {
  it('cuts off a torn tail durably and recovers the state before it', () => {
    const disk = new SimulatedDisk();
    const { bytes, ends } = fileOf(RECORDS);
    disk.replace('/d/wal.log', bytes.subarray(0, ends[4]! + 5));
    const { wal, recovery } = WriteAheadLog.open(disk, '/d/wal.log');
    expect(recovery.tornTail).toMatchObject({ offset: ends[4], bytes: 5 });
    expect(recovery.durable).toEqual({ currentTerm: 2, votedFor: null, log: [{ term: 1, value: 'a=1' }, { term: 2, value: 'c=ü' }] });
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
      expect(bytes.length).toBeLessThan(Math.max(2048, 2 * (before.log.length * 24 + JSON.stringify(before.log).length + 128)) + 4096);
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
    disk.replace('/d/wal.log', damaged);
    expect(() => WriteAheadLog.open(disk, '/d/wal.log')).toThrow(`/d/wal.log: corrupt write-ahead log at byte offset ${ends[1]}: checksum mismatch`);
  });
});
