// The simulator's oracle for CheckQuorum: a leader cut off from a majority of
// the cluster must give up its role within two of its election timeouts
// (the first check may still count answers from before the cut; the second
// cannot), once what was in flight at the cut has arrived or been lost. The
// spec cannot say it: a check that changes nothing, or none at all, is a
// step (or a stutter) it allows; only time tells that the guard never fired.
import type { Cluster, Timing } from './cluster.js';
import type { ServerId } from '../raft/types.js';

/** A leader stayed leader, cut off from the majority, longer than CheckQuorum allows. */
export class StrandedLeader extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

/** Ticks a cut-off leader may keep its role: two election timeouts, after the in-flight messages' longest delay. */
export function strandedLimit(t: Timing): number {
  return 2 * (t.electionTimeoutMax + t.maxDelay) + 2;
}

export class GuardWatch {
  private readonly ticks = new Map<ServerId, number>();
  private reconnections = 0;

  constructor(private readonly limit: number) {}

  /** After each tick: counts each cut-off leader's ticks, and throws once one outlasts the limit. */
  afterTick(cluster: Pick<Cluster, 'cutOffLeaders' | 'reconnections'>): void {
    // Links that came back (even between two ticks) may have carried answers: count afresh.
    if (cluster.reconnections !== this.reconnections) this.ticks.clear();
    this.reconnections = cluster.reconnections;
    const now = new Set(cluster.cutOffLeaders());
    for (const id of [...this.ticks.keys()]) if (!now.has(id)) this.ticks.delete(id);
    for (const id of now) {
      const n = (this.ticks.get(id) ?? 0) + 1;
      this.ticks.set(id, n);
      if (n > this.limit)
        throw new StrandedLeader(
          `${id} stayed leader for ${n} ticks cut off from a majority, with CheckQuorum on: its checks should have stepped it down within ${this.limit} (two election timeouts after the last message in flight)`,
        );
    }
  }
}
