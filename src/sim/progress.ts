// The progress oracle. The spec says only what may happen, never what must,
// and the safety invariants hold in a cluster that does nothing at all; so a
// bug that keeps entries from committing, or elections from settling, passes
// every other check. After a campaign schedule, the faults end (partitions
// mended, crashed servers restarted, traps disarmed) and the cluster runs on a
// fair network: each tick delivers everything in flight, then time passes.
// Within a bound that a correct cluster always meets, it must reach, and keep
// for two election timeouts, one leader of a term every server has adopted,
// every server holding its log with all of it committed and applied, and a
// fresh client request among those entries.
import type { ServerId } from '../raft/types.js';
import type { Cluster, ServerSnapshot } from './cluster.js';

export class NoProgress extends Error {
  constructor(readonly detail: string) {
    super(`no progress: ${detail}`);
  }
}

export interface ProgressBounds {
  /** Ticks the cluster gets to settle, at most. */
  readonly ticks: number;
  /** Ticks it must then stay settled: same leader, same term. */
  readonly hold: number;
}

/**
 * The bound grows with the longest log: a follower that lags catches up at
 * most MAX_ENTRIES_PER_MESSAGE entries a heartbeat, and finding where its log
 * diverges takes one heartbeat an entry; the rest is thirty election
 * timeouts for elections, split votes included.
 */
export function progressBounds(cluster: Cluster): ProgressBounds {
  const t = cluster.timing;
  const longest = Math.max(...cluster.servers.map((id) => cluster.snapshot(id).log.length));
  const hold = 2 * t.electionTimeoutMax;
  return { ticks: 30 * t.electionTimeoutMax + 3 * t.heartbeatInterval * longest + hold, hold };
}

interface Probe {
  readonly value: string;
  readonly index: number;
}

export interface ProgressReport {
  /** Ticks until the cluster had settled and held. */
  readonly ticks: number;
  readonly bounds: ProgressBounds;
}

/**
 * Ends the faults and runs the cluster until it has settled and held, or
 * throws NoProgress saying what was missing at the bound. `afterTick` runs
 * after every tick (the check that nothing happened unlogged). `onStep` is
 * told each thing the phase does as the schedule step that does the same
 * (calm, deliver 0, tick, probe), so that a failure inside the phase can be
 * replayed, and shrunk, as an ordinary schedule.
 */
/** The steps the progress phase takes, as a schedule spells them (a subset of schedule.ts's Step). */
export type ProgressStep =
  | { readonly kind: 'calm' }
  | { readonly kind: 'deliver'; readonly pick: number }
  | { readonly kind: 'tick' }
  | { readonly kind: 'probe' };

export function requireProgress(
  cluster: Cluster,
  afterTick: () => void = () => {},
  onStep: (s: ProgressStep) => void = () => {},
): ProgressReport {
  cluster.endFaults();
  onStep({ kind: 'calm' });
  const bounds = progressBounds(cluster);
  const firstTerm = Math.max(...cluster.servers.map((id) => cluster.snapshot(id).term));
  let probe: Probe | null = null;
  let settled: { since: number; leader: ServerId; term: number } | null = null;
  for (let tick = 1; tick <= bounds.ticks; tick++) {
    // cluster.deliverAll(), one delivery at a time.
    for (let n = cluster.network.size; n > 0; n--) {
      onStep({ kind: 'deliver', pick: 0 });
      cluster.deliver(0);
    }
    onStep({ kind: 'tick' });
    cluster.tick();
    afterTick();
    const servers = cluster.servers.map((id) => cluster.snapshot(id));
    const leader = soleLeader(servers);
    if (leader && !(probe && holds(leader, probe))) {
      // A fresh request, to the leader a client would find; again if a new
      // leader lacks the last one (it was lost with the old leader's term).
      onStep({ kind: 'probe' });
      const value = probeLeader(cluster);
      if (value) probe = { value, index: cluster.snapshot(leader.id).log.length };
    }
    if (leader && probe && converged(servers, leader, probe)) {
      if (!settled || settled.leader !== leader.id || settled.term !== leader.term)
        settled = { since: tick, leader: leader.id, term: leader.term };
      if (tick - settled.since >= bounds.hold) return { ticks: tick, bounds };
    } else {
      settled = null;
    }
  }
  const servers = cluster.servers.map((id) => cluster.snapshot(id));
  throw new NoProgress(
    `after ${bounds.ticks} ticks of a fair network with no faults: ${missing(servers, probe, firstTerm)}`,
  );
}

/** The progress oracle's fresh client request to the sole leader, if there is one; the value it proposed, if taken. */
export function probeLeader(cluster: Cluster): string | null {
  const leader = soleLeader(cluster.servers.map((id) => cluster.snapshot(id)));
  return leader ? cluster.clientRequestTo(leader.id, 'probe', false) : null;
}

/** The one leader, if exactly one server leads and every server is alive and in its term. */
function soleLeader(servers: readonly ServerSnapshot[]): ServerSnapshot | null {
  const leaders = servers.filter((s) => s.alive && s.role === 'Leader');
  if (leaders.length !== 1) return null;
  const leader = leaders[0]!;
  return servers.every((s) => s.alive && s.term === leader.term) ? leader : null;
}

function holds(s: ServerSnapshot, probe: Probe): boolean {
  return s.log[probe.index - 1]?.value === probe.value;
}

function converged(servers: readonly ServerSnapshot[], leader: ServerSnapshot, probe: Probe): boolean {
  if (!holds(leader, probe)) return false;
  const n = leader.log.length;
  return servers.every(
    (s) =>
      s.log.length === n &&
      s.commitIndex === n &&
      s.lastApplied === n &&
      s.log.every((e, k) => e.term === leader.log[k]!.term && e.value === leader.log[k]!.value),
  );
}

/** What kept the cluster from settling, as a reader would want it listed. */
function missing(servers: readonly ServerSnapshot[], probe: Probe | null, firstTerm: number): string {
  const out: string[] = [];
  const terms = servers.map((s) => `${s.id} ${s.role.toLowerCase()} of term ${s.term}`).join(', ');
  const leaders = servers.filter((s) => s.alive && s.role === 'Leader');
  const top = Math.max(...servers.map((s) => s.term));
  if (leaders.length === 0) out.push('no leader');
  else if (leaders.length > 1)
    out.push(`${leaders.length} leaders (${leaders.map((s) => `${s.id} in term ${s.term}`).join(', ')})`);
  if (new Set(servers.map((s) => s.term)).size > 1) out.push('split terms');
  if (top - firstTerm > 0) out.push(`${top - firstTerm} new term(s) during the phase`);
  const leader = soleLeader(servers);
  if (!probe) out.push('the fresh client request never found a leader to take it');
  else {
    const reference = leader ?? servers.reduce((a, b) => (b.log.length > a.log.length ? b : a));
    const n = reference.log.length;
    const lagging = servers.filter((s) => s.log.length !== n || s.commitIndex !== n || s.lastApplied !== n);
    const probeAt = !leader
      ? `(proposed at index ${probe.index})`
      : holds(leader, probe)
        ? `at index ${probe.index}`
        : "(no longer in the leader's log)";
    if (lagging.length > 0 || !leader) {
      out.push(`the fresh request ${JSON.stringify(probe.value)} ${probeAt} did not commit everywhere`);
      for (const s of lagging)
        out.push(
          `${s.id} holds ${s.log.length} entries, commitIndex ${s.commitIndex}, applied ${s.lastApplied} (of ${n} at ${reference.id})`,
        );
    } else {
      out.push('the leadership did not hold for two election timeouts');
    }
  }
  return `${out.join('; ')} [${terms}]`;
}
