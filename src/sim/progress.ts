// The progress oracle. The spec says only what may happen, never what must,
// and the safety invariants hold in a cluster that does nothing at all; so a
// bug that keeps entries from committing, or elections from settling, passes
// every other check. After a campaign schedule, the faults end (partitions
// mended, crashed servers restarted, traps disarmed) but for one link that
// stays cut one way for a while, and the cluster runs on a slow but fair
// network: each message arrives 1 to 2 heartbeat intervals after it was sent,
// so a vote or an append takes longer to answer than a heartbeat takes to
// come round, as on a loaded real network (a phase that delivered everything
// at once hid bugs of timing). Within a bound calibrated on the correct
// implementation, it must reach, and keep for two election timeouts, one
// leader of a term every server has adopted, every server holding its log
// with all of it committed and applied, and a fresh client request among
// those entries.
import type { Message, ServerId } from '../raft/types.js';
import { Rng } from '../random/rng.js';
import type { Cluster, ServerSnapshot } from './cluster.js';
import { entryOf, lastIndexOf } from './invariants.js';

export class NoProgress extends Error {
  constructor(readonly detail: string) {
    super(`no progress: ${detail}`);
  }
}

export interface ProgressBounds {
  /** Ticks the cluster gets to settle and hold, at most: settle + catchUp + hold. */
  readonly ticks: number;
  /** The calibrated part (SETTLE_TICKS): elections, the one-way link failure, the delays. */
  readonly settle: number;
  /** The part for a lagging follower to catch up, by the longest log. */
  readonly catchUp: number;
  /** Ticks it must then stay settled: same leader, same term. */
  readonly hold: number;
}

/**
 * Ticks the correct implementation may take to settle, beyond its catch-up
 * allowance, with DEFAULT_TIMING: calibrated on its own distribution, which
 * the audit prints for its 10,000 correct schedules (make audit). Measured so,
 * new leaders' no-op entries included: 99th percentile 58 ticks, 99.99th 100,
 * the slowest 101; the bound is twice the slowest, rounded up to ten. Out of
 * sample (npx tsx tools/soak.ts --first-seed 10001: 10,000 other schedules)
 * the slowest took 101 too, 48 % of the bound.
 */
export const SETTLE_TICKS = 210;

/**
 * The bound: the calibrated settling time, plus catching up (a follower that
 * lags catches up at most MAX_ENTRIES_PER_MESSAGE entries a heartbeat, and
 * finding where its log diverges takes a heartbeat an entry), plus the hold.
 * SETTLE_TICKS is measured with DEFAULT_TIMING; other timings scale it by
 * their election timeout.
 */
export function progressBounds(cluster: Cluster): ProgressBounds {
  const t = cluster.timing;
  const longest = Math.max(...cluster.servers.map((id) => lastIndexOf(cluster.snapshot(id))));
  const hold = 2 * t.electionTimeoutMax;
  const settle = Math.ceil((SETTLE_TICKS * t.electionTimeoutMax) / 20);
  const catchUp = 3 * t.heartbeatInterval * longest;
  return { ticks: settle + catchUp + hold, settle, catchUp, hold };
}

/** The phase's network delays, in ticks: 1 to 2 heartbeat intervals, drawn per message. */
function phaseDelays(heartbeatInterval: number): readonly [number, number] {
  return [1, 2 * heartbeatInterval];
}

/**
 * The phase's slow network: each message in flight gets a tick it is due
 * at, drawn when the phase first sees it, and is delivered then (messages
 * the clock finds older than maxDelay arrive anyway, in Cluster.tick).
 */
class SlowNetwork {
  private readonly due = new Map<Message, number>();

  constructor(
    private readonly cluster: Cluster,
    private readonly rng: Rng,
    private readonly onStep: (s: ProgressStep) => void,
  ) {}

  /** Delivers every message due by `tick`, in the order they are in flight; what they cause is due later. */
  deliverDue(tick: number): void {
    this.schedule(tick - 1);
    const network = this.cluster.network;
    let k = 0;
    // Only the messages in flight now: replies to them join the end, due later.
    for (let n = network.size; n > 0; n--) {
      const m = network.peek(k)!;
      if ((this.due.get(m) ?? 0) > tick) {
        k++;
        continue;
      }
      this.due.delete(m);
      this.onStep({ kind: 'deliver', pick: k });
      this.cluster.deliver(k);
    }
  }

  /** Gives each message not seen yet (sent during tick `sent` or before) its due tick. */
  private schedule(sent: number): void {
    const [min, max] = phaseDelays(this.cluster.timing.heartbeatInterval);
    const live = new Set(this.cluster.network.messages());
    for (const m of this.due.keys()) if (!live.has(m)) this.due.delete(m);
    for (const m of live) if (!this.due.has(m)) this.due.set(m, sent + this.rng.intBetween(min, max));
  }
}

/** Cuts one link one way (its source still hears its destination); returns the tick of the phase it heals at. */
function cutOneLink(cluster: Cluster, rng: Rng, onStep: (s: ProgressStep) => void): number {
  const n = cluster.servers.length;
  if (n < 2) return 0;
  const node = rng.intBetween(0, n - 1);
  const other = (node + rng.intBetween(1, n - 1)) % n;
  onStep({ kind: 'cutLink', node, other });
  cluster.cutLink(cluster.servers[node]!, cluster.servers[other]!);
  const t = cluster.timing;
  return rng.intBetween(t.electionTimeoutMin, 2 * t.electionTimeoutMax);
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
  | { readonly kind: 'cutLink'; readonly node: number; readonly other: number }
  | { readonly kind: 'heal' }
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
  const rng = new Rng(cluster.seed ^ 0x51ce);
  const healAt = cutOneLink(cluster, rng, onStep);
  const network = new SlowNetwork(cluster, rng, onStep);
  const firstTerm = Math.max(...cluster.servers.map((id) => cluster.snapshot(id).term));
  let probe: Probe | null = null;
  let settled: { since: number; leader: ServerId; term: number } | null = null;
  for (let tick = 1; tick <= bounds.ticks; tick++) {
    if (tick === healAt) {
      onStep({ kind: 'heal' });
      cluster.heal();
    }
    network.deliverDue(tick);
    onStep({ kind: 'tick' });
    cluster.tick();
    afterTick();
    const servers = cluster.servers.map((id) => cluster.snapshot(id));
    const leader = soleLeader(servers);
    if (leader && !(probe && holds(leader, probe) && !stranded(leader, probe))) {
      // A fresh request, to the leader a client would find; again if a new
      // leader lacks the last one (it was lost with the old leader's term),
      // or holds it uncommitted from an older term: Raft commits such an
      // entry only with one of the leader's own term, so a client that got
      // no answer asks again.
      onStep({ kind: 'probe' });
      const value = probeLeader(cluster);
      if (value) probe = { value, index: lastIndexOf(cluster.snapshot(leader.id)) };
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
    `after ${bounds.ticks} ticks of a slow but fair network (no faults after tick ${healAt}): ${missing(servers, probe, firstTerm)}`,
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

/** The server holds the probe at its index (in its log: one in its snapshot is committed, and the leader's is not yet). */
function holds(s: ServerSnapshot, probe: Probe): boolean {
  return entryOf(s, probe.index)?.value === probe.value;
}

/** The leader holds the probe, uncommitted, from an earlier term than its own. */
function stranded(leader: ServerSnapshot, probe: Probe): boolean {
  return leader.commitIndex < probe.index && entryOf(leader, probe.index)!.term < leader.term;
}

/** Every server holds the leader's log (where both hold entries, outside their snapshots), committed and applied. */
function converged(servers: readonly ServerSnapshot[], leader: ServerSnapshot, probe: Probe): boolean {
  if (!holds(leader, probe)) return false;
  const n = lastIndexOf(leader);
  const agrees = (s: ServerSnapshot) => {
    for (let k = Math.max(s.snapshotIndex, leader.snapshotIndex) + 1; k <= n; k++) {
      const a = entryOf(s, k)!;
      const b = entryOf(leader, k)!;
      if (a.term !== b.term || a.value !== b.value) return false;
    }
    return true;
  };
  return servers.every((s) => lastIndexOf(s) === n && s.commitIndex === n && s.lastApplied === n && agrees(s));
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
    const reference = leader ?? servers.reduce((a, b) => (lastIndexOf(b) > lastIndexOf(a) ? b : a));
    const n = lastIndexOf(reference);
    const lagging = servers.filter((s) => lastIndexOf(s) !== n || s.commitIndex !== n || s.lastApplied !== n);
    const probeAt = !leader
      ? `(proposed at index ${probe.index})`
      : holds(leader, probe)
        ? `at index ${probe.index}`
        : "(no longer in the leader's log)";
    if (lagging.length > 0 || !leader) {
      out.push(`the fresh request ${JSON.stringify(probe.value)} ${probeAt} did not commit everywhere`);
      for (const s of lagging)
        out.push(
          `${s.id} holds ${lastIndexOf(s)} entries, commitIndex ${s.commitIndex}, applied ${s.lastApplied} (of ${n} at ${reference.id})`,
        );
    } else {
      out.push('the leadership did not hold for two election timeouts');
    }
  }
  return `${out.join('; ')} [${terms}]`;
}
