// A real server's snapshots on disk: the snapshot file beside the write-ahead
// log, the log cut after it, and recovery from the two. A one-server cluster
// on a simulated disk commits at once, so each test drives exactly the writes
// it needs, then crashes or damages the disk at the place it is about.
import { describe, expect, it } from 'vitest';
import { ServerDriver } from '../../src/server/driver.js';
import { SimulatedCrash, SimulatedDisk } from '../../src/storage/disk.js';
import { snapshotIndexesBeside, snapshotPathOf, SnapshotCorruption } from '../../src/storage/snapshot-file.js';
import { writeCommand } from '../../src/raft/kv.js';

const WAL = '/data/n1/wal.log';

function open(disk: SimulatedDisk, snapshotEvery = 5): ServerDriver {
  return ServerDriver.open({
    id: 'n1',
    servers: ['n1'],
    disk,
    walPath: WAL,
    wal: { fsync: true, compactAboveBytes: 1 << 30 },
    snapshotEvery,
  });
}

/** Elects the lone server and writes keys k1..kN, each flushed (applied) before the next. */
function writeKeys(d: ServerDriver, from: number, to: number): void {
  if (d.node.currentRole !== 'Leader') {
    d.step({ kind: 'electionTimeout' });
    d.flush();
  }
  for (let k = from; k <= to; k++) {
    expect(d.step({ kind: 'propose', value: writeCommand(`k${k}`, `v${k}`) }).accepted).toBe(true);
    d.flush();
  }
}

describe('snapshot files beside the write-ahead log', () => {
  it('keeps the log and the disk bounded: one snapshot file, the log cut after it, and a restart restores the store', () => {
    const disk = new SimulatedDisk();
    const d = open(disk);
    writeKeys(d, 1, 200);
    d.flush();
    // The no-op and 200 writes: 201 entries, a snapshot every 5 applied.
    expect(d.node.snapshotIndex).toBeGreaterThanOrEqual(196);
    expect(snapshotIndexesBeside(disk, WAL)).toEqual([d.node.snapshotIndex]);
    const walBytes = d.walBytes;
    expect(walBytes).toBeLessThan(2048);
    d.close();
    const again = open(disk);
    expect(again.node.snapshotIndex).toBe(d.node.snapshotIndex);
    expect(again.kv.get('k1')).toBe('v1');
    expect(again.kv.get('k150')).toBe('v150');
    expect(again.lastIndex).toBe(201);
    // The entries after the snapshot apply again once the restarted leader commits them.
    writeKeys(again, 201, 201);
    expect(again.kv.get('k200')).toBe('v200');
    expect(again.kv.get('k201')).toBe('v201');
  });

  it('a crash while the snapshot file is written, or before the cut is synced, restarts from the previous snapshot and the whole log', () => {
    for (const after of [0, 1, 2, 3]) {
      const disk = new SimulatedDisk();
      const d = open(disk);
      writeKeys(d, 1, 8); // a snapshot at 5 (the no-op and 4 writes)
      expect(d.node.snapshotIndex).toBe(5);
      d.step({ kind: 'propose', value: writeCommand('k9', 'v9') });
      d.flush(); // applies entry 10: the next snapshot is due, its file written, its cut staged
      expect(d.node.snapshotIndex).toBe(10);
      d.step({ kind: 'propose', value: writeCommand('k10', 'v10') });
      // The batch that syncs the cut: crash at its sync, or at one of the writes after it.
      disk.crashAtSyncAfter(after);
      let crashed: SimulatedCrash | null = null;
      try {
        d.flush();
      } catch (err) {
        if (!(err instanceof SimulatedCrash)) throw err;
        crashed = err;
      }
      disk.crash();
      const r = open(disk);
      if (after === 0) {
        // The cut never became durable: the previous snapshot, and every entry after it.
        expect(crashed?.path).toBe(WAL);
        expect(r.node.snapshotIndex).toBe(5);
        expect(r.lastIndex).toBe(10);
      } else {
        // The cut was synced (the crash struck the log's rewrite or later): the new snapshot.
        expect(r.node.snapshotIndex).toBe(10);
      }
      expect(r.kv.get('k1')).toBe('v1');
      // Whatever the crash left, only the snapshot the log names stays on disk.
      expect(snapshotIndexesBeside(disk, WAL)).toEqual([r.node.snapshotIndex]);
    }
  });

  it('a restart removes what a crash left beside the log: an older snapshot, one whose cut never landed, one cut off before its rename', () => {
    const disk = new SimulatedDisk();
    const d = open(disk);
    writeKeys(d, 1, 8);
    d.close();
    const named = snapshotPathOf(WAL, 5);
    for (const leftover of [snapshotPathOf(WAL, 3), snapshotPathOf(WAL, 9), `${snapshotPathOf(WAL, 10)}.compact.tmp`])
      disk.replace(leftover, Buffer.from('left by a crash'));
    expect(disk.list('/data/n1')).toHaveLength(6);
    open(disk).close();
    expect(disk.list('/data/n1').sort()).toEqual(['wal.log', 'wal.log.mark', named.slice('/data/n1/'.length)].sort());
  });

  it('a damaged or missing snapshot file is a one-line refusal naming the file', () => {
    const disk = new SimulatedDisk();
    const d = open(disk);
    writeKeys(d, 1, 8);
    d.close();
    const path = snapshotPathOf(WAL, 5);
    const good = disk.read(path)!;
    const cases: Array<[string, Buffer | null, RegExp]> = [
      ['a flipped byte', Buffer.from(good.map((b, k) => (k === good.length - 3 ? b ^ 1 : b))), /checksum mismatch/],
      ['a cut file', good.subarray(0, good.length - 4), /header says \d+ bytes of content, but the file holds/],
      ['zeros', Buffer.alloc(good.length), /checksum holds but the content is not JSON|checksum mismatch|header says/],
      ['no file', null, /the file is missing, but the log .* says entries 1 to 5 were compacted into it/],
    ];
    for (const [what, bytes, why] of cases) {
      if (bytes) disk.replace(path, bytes);
      else disk.remove(path);
      let err: unknown = null;
      try {
        open(disk);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(SnapshotCorruption);
      const message = (err as Error).message;
      expect(message, what).toMatch(why);
      expect(message.startsWith(`${path}: damaged snapshot: `), what).toBe(true);
      expect(message, what).not.toContain('\n');
      disk.replace(path, good);
    }
    expect(open(disk).kv.get('k4')).toBe('v4');
  });
});
