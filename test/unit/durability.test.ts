// The server's durability promise, tested by crashing machines rather than by
// reading the code: drivers on simulated disks that lose unsynced writes (or
// keep a torn prefix of them) are crashed at random moments, many of them
// between a WAL write and its fsync, and no acknowledged write may ever be
// missing from a later leader's log. The same schedules with fsync turned off
// must lose some, which shows the check can fail.
import { describe, expect, it } from 'vitest';
import { MemCluster } from '../support/mem-cluster.js';

const SEEDS = 40;
const STEPS = 4000;

describe('durability on a disk that drops unsynced writes', () => {
  it('never loses an acknowledged write when every batch is fsynced before its messages leave', () => {
    const totals = { acked: 0, crashes: 0, crashesBeforeSync: 0, tornTails: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = new MemCluster(3, seed, { fsync: true, compactAboveBytes: 4096 });
      const lost = c.run(STEPS);
      expect(lost, `seed ${seed}`).toBeNull();
      // No false alarm: a log that was synced before every promise always recovers, torn tails and all.
      expect([...c.refused.values()], `seed ${seed}`).toEqual([]);
      totals.acked += c.acked.length;
      totals.crashes += c.counts.crashes;
      totals.crashesBeforeSync += c.counts.crashesBeforeSync;
      totals.tornTails += c.counts.tornTails;
    }
    // The schedules did what they are for: writes acknowledged, crashes
    // between write and fsync, torn tails recovered.
    expect(totals.acked).toBeGreaterThan(SEEDS * 5);
    expect(totals.crashesBeforeSync).toBeGreaterThan(SEEDS * 20);
    expect(totals.tornTails).toBeGreaterThan(SEEDS * 10);
  });

  it('with fsync off, loses acknowledged writes or refuses to start (the mark kept more than the log), so the check has teeth', () => {
    let losing = 0;
    let refusing = 0;
    let first: string | null = null;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const c = new MemCluster(3, seed, { fsync: false, compactAboveBytes: 1 << 30 });
      const lost = c.run(STEPS);
      if (lost) {
        losing++;
        first ??= `seed ${seed}: ${lost}`;
      }
      if (c.refused.size > 0) refusing++;
    }
    expect(losing, 'no schedule lost an acknowledged write without fsync').toBeGreaterThan(0);
    expect(first).toMatch(/lacks acknowledged entry/);
    // Where the unsynced mark outlived the unsynced log, the server says what it lost instead of starting with less.
    expect(refusing).toBeGreaterThan(0);
  });
});
