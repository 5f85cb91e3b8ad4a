// Disk faults below the protocol, on the simulator's storage and on the real
// file system's simulated page cache: the damage the nemesis does to a log
// (torn, zeroed and bit-flipped sectors), what a log promised, judged from
// outside, and a disk whose fsync fails (EIO) or that is full (ENOSPC). The
// rule: a server recovers at least what it made durable or refuses to start,
// and a server whose disk failed stops rather than run on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { damageLog, SECTOR } from '../../src/nemesis/disk-damage.js';
import { FILE_DAMAGE } from '../../src/nemesis/faults.js';
import { Rng } from '../../src/random/rng.js';
import { PageCacheDisk, SimulatedDisk } from '../../src/storage/disk.js';
import { markPathOf } from '../../src/storage/wal.js';
import { encodeRecord } from '../../src/storage/wal-records.js';
import { lossOf, promiseOf, recoverBytes, sameState } from '../../src/storage/wal-promise.js';
import { MemCluster } from '../support/mem-cluster.js';

const scratch = mkdtempSync(join(tmpdir(), 'disk-faults-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A log written by a server of a simulated cluster over many steps, with its
 * mark; then, past what the mark covers, what a crash may leave: a whole
 * record of a later term (written, never marked) and a torn one.
 */
function writtenLog(seed: number): { path: string; wal: Buffer; mark: Buffer; marked: number } {
  const c = new MemCluster(3, seed, { fsync: true, compactAboveBytes: 1 << 30 });
  c.run(1200);
  const id = c.ids.find((i) => c.drivers.get(i))!;
  const term = c.drivers.get(id)!.node.term;
  c.drivers.get(id)!.close();
  const path = `/data/${id}/wal.log`;
  const disk = c.disks.get(id)!;
  const synced = disk.read(path)!;
  const later = encodeRecord({ t: 'state', term: term + 1, votedFor: null });
  const torn = encodeRecord({ t: 'log', keep: 0, append: [{ term: term + 1, value: 'x'.repeat(3000) }] }).subarray(
    0,
    1400,
  );
  return {
    path,
    wal: Buffer.concat([synced, later, torn]),
    mark: disk.read(markPathOf(path))!,
    marked: synced.length,
  };
}

describe("the nemesis's damage to a log", () => {
  it('works at sectors: a torn tail cuts at a boundary, a zeroed tail or sector zeroes whole sectors, a flip changes one bit', () => {
    const bytes = Buffer.alloc(5 * SECTOR + 100, 0xab);
    for (let seed = 1; seed <= 50; seed++) {
      const rng = new Rng(seed);
      const torn = damageLog(bytes, 'torn-tail', rng);
      expect(torn.bytes.length % SECTOR).toBe(0);
      expect(torn.bytes.length).toBeGreaterThanOrEqual(bytes.length - 4 * SECTOR);
      const tail = damageLog(bytes, 'zero-tail', rng);
      expect(tail.bytes.length).toBe(bytes.length);
      expect(tail.from % SECTOR).toBe(0);
      expect(bytes.length - tail.from).toBeGreaterThan(SECTOR);
      expect(tail.bytes.subarray(tail.from).every((b) => b === 0)).toBe(true);
      expect(tail.bytes.subarray(0, tail.from).every((b) => b === 0xab)).toBe(true);
      const sector = damageLog(bytes, 'zero-sector', rng);
      const zeros = sector.bytes.filter((b) => b === 0).length;
      expect(zeros === SECTOR || zeros === 100).toBe(true);
      const flip = damageLog(bytes, 'flip-bit', rng);
      const diff = [...flip.bytes].map((b, k) => (b ^ bytes[k]!).toString(2)).filter((x) => x !== '0');
      expect(diff).toHaveLength(1);
      expect(diff[0]!.replace(/0/g, '')).toBe('1');
    }
    expect(() => damageLog(bytes, 'eio', new Rng(1))).toThrow(/a fault of a running server/);
  });

  it("every kind of damage, anywhere, leaves this project's log refused or recovering a state it promised", () => {
    let refused = 0;
    let recovered = 0;
    for (const seed of [3, 4]) {
      const { path, wal, mark } = writtenLog(seed);
      const promise = promiseOf(path, wal, mark);
      expect(promise.marked).not.toBeNull();
      expect(promise.marked!.logLength).toBeGreaterThan(0);
      // The marked state, and the later term its unmarked record reaches.
      expect(promise.allowed).toHaveLength(2);
      expect(promise.allowed[1]!.term).toBe(promise.marked!.term + 1);
      for (const damage of FILE_DAMAGE) {
        for (let k = 1; k <= 40; k++) {
          const done = damageLog(wal, damage, new Rng(seed * 1000 + k));
          const got = recoverBytes(path, done.bytes, mark);
          if (got === null) refused++;
          else {
            recovered++;
            expect(
              promise.allowed.some((a) => sameState(a, got)),
              `${damage}: ${done.what}`,
            ).toBe(true);
          }
        }
      }
    }
    // Both outcomes occur: damage inside the synced bytes is refused, a torn end past them is cut off.
    expect(refused).toBeGreaterThan(50);
    expect(recovered).toBeGreaterThan(0);
  });

  it('a promise counts the states the log reaches past its mark; a loss is named in entries, terms and votes', () => {
    const { path, wal, mark, marked } = writtenLog(5);
    const promise = promiseOf(path, wal, mark);
    expect(promise.allowed[0]).toEqual(promise.marked);
    expect(recoverBytes(path, wal.subarray(0, marked), mark)).toEqual(promise.marked);
    // A log cut inside what its mark covers recovers nothing: it is refused.
    expect(recoverBytes(path, wal.subarray(0, marked - 1), mark)).toBeNull();
    const p = { term: 3, votedFor: 'n1', logLength: 26 };
    expect(lossOf(p, { term: 3, votedFor: 'n1', logLength: 25 })).toBe('entry 26 lost at restart');
    expect(lossOf(p, { term: 2, votedFor: null, logLength: 20 })).toBe(
      'entries 21 to 26 lost at restart; its term went back from 3 to 2',
    );
    expect(lossOf(p, { term: 3, votedFor: null, logLength: 26 })).toBe('its vote in term 3 for n1 was forgotten');
    expect(lossOf(p, null)).toBe('entries 1 to 26 lost at restart; its term went back from 3 to 0');
    // No mark, no promise to hold anyone to.
    expect(promiseOf(path, wal, null)).toEqual({ marked: null, allowed: [] });
  });
});

describe('a disk that fails an fsync or fills up', () => {
  it('on the simulated disk: EIO drops the writes it was to sync (and the next sync succeeds); ENOSPC stays until the machine restarts', () => {
    const disk = new SimulatedDisk();
    const f = disk.openAppend('/x');
    f.append(Buffer.from('kept'));
    f.sync();
    f.append(Buffer.from('lost'));
    disk.faults.arm('eio');
    expect(() => f.sync()).toThrow(expect.objectContaining({ code: 'EIO', syscall: 'fsync', path: '/x' }));
    f.sync();
    expect(disk.read('/x')!.toString()).toBe('kept');
    disk.faults.arm('full');
    expect(() => f.append(Buffer.from('a'))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(() => f.append(Buffer.from('b'))).toThrow(expect.objectContaining({ code: 'ENOSPC' }));
    expect(disk.faults.struck.map((s) => s.fault)).toEqual(['eio', 'full']);
    disk.faults.clear();
    f.append(Buffer.from('!'));
    f.sync();
    expect(disk.read('/x')!.toString()).toBe('kept!');
  });

  it('on the page cache of the real file system: a failed fsync leaves the file without the dropped writes', () => {
    const disk = new PageCacheDisk();
    const path = join(scratch, 'pc.log');
    const f = disk.openAppend(path);
    f.append(Buffer.from('kept'));
    f.sync();
    f.append(Buffer.from('lost'));
    disk.faults.arm('eio');
    expect(() => f.sync()).toThrow(/^EIO: i\/o error, fsync '.*pc\.log' \(an injected disk fault\)$/);
    f.sync();
    f.close();
    expect(readFileSync(path, 'utf8')).toBe('kept');
  });

  it('servers whose disks fail now and then stop, restart and never lose an acknowledged write', () => {
    const totals = { acked: 0, diskFaults: 0 };
    for (let seed = 1; seed <= 25; seed++) {
      const c = new MemCluster(3, seed, { fsync: true, compactAboveBytes: 4096 }, true);
      expect(c.run(3000), `seed ${seed}`).toBeNull();
      expect([...c.refused.values()], `seed ${seed}`).toEqual([]);
      totals.acked += c.acked.length;
      totals.diskFaults += c.counts.diskFaults;
    }
    expect(totals.diskFaults).toBeGreaterThan(20);
    expect(totals.acked).toBeGreaterThan(100);
  });
});
