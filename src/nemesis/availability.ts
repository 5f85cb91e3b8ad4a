// How available a real cluster was during a run, as its clients and its
// trace tell it: how many elections the faults caused, how long the clients
// got no answer at all though they kept asking (the windows in which no
// leader could commit, seen from outside), and how their commands fared,
// with the latency of the answered ones. The workload keeps every client
// busy (a command, a short think time, the next), so a gap between two
// answers longer than an election takes is time the cluster could not serve.
import type { TraceEvent } from '../raft/events.js';
import type { Attempt } from './workload.js';

/** A gap between answers at least this long counts as unavailable: the longest election timeout of the real servers. */
export const UNAVAILABLE_MS = 1000;

export interface Availability {
  /** From the merged trace (null without one): elections won, elections started, the highest term reached. */
  readonly elections: number | null;
  readonly electionsStarted: number | null;
  /** With PreVote: rounds of pre-votes (timeouts that did not raise a term), and leaders CheckQuorum stepped down. */
  readonly preVoteRounds: number | null;
  readonly quorumStepDowns: number | null;
  readonly highestTerm: number | null;
  /** Stretches of at least UNAVAILABLE_MS in which clients asked and none got an answer (ms since the load began). */
  readonly unavailable: {
    readonly count: number;
    readonly totalMs: number;
    readonly longestMs: number;
    readonly windows: ReadonlyArray<{ readonly from: number; readonly to: number }>;
  };
  readonly commands: {
    readonly answered: number;
    readonly timedOut: number;
    readonly refused: number;
    /** Latency of the answered commands; null when none was answered. */
    readonly p50Ms: number | null;
    readonly p99Ms: number | null;
  };
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Gaps of at least UNAVAILABLE_MS between successive answers, from the load's start to its end (`loadMs`). */
export function unavailableWindows(attempts: readonly Attempt[], loadMs: number): Array<{ from: number; to: number }> {
  if (attempts.length === 0) return [];
  const answers = attempts
    .filter((a) => a.outcome === 'answered')
    .map((a) => a.end)
    .sort((a, b) => a - b);
  const points = [0, ...answers.filter((t) => t < loadMs), loadMs];
  const windows: Array<{ from: number; to: number }> = [];
  for (let k = 1; k < points.length; k++)
    if (points[k]! - points[k - 1]! >= UNAVAILABLE_MS) windows.push({ from: points[k - 1]!, to: points[k]! });
  return windows;
}

export function availabilityOf(
  attempts: readonly Attempt[],
  events: readonly TraceEvent[] | null,
  loadMs: number,
): Availability {
  const windows = unavailableWindows(attempts, loadMs);
  const latencies = attempts
    .filter((a) => a.outcome === 'answered')
    .map((a) => a.end - a.invoke)
    .sort((a, b) => a - b);
  let highestTerm = 0;
  if (events) for (const e of events) if ('state' in e && e.state.term > highestTerm) highestTerm = e.state.term;
  const count = (action: string, role?: string) =>
    events
      ? events.filter((e) => e.action === action && (!role || ('state' in e && e.state.role === role))).length
      : null;
  const lengths = windows.map((w) => w.to - w.from);
  return {
    elections: count('BecomeLeader'),
    // An election starts on a timeout without PreVote, on a pre-vote won with it.
    electionsStarted: events ? count('Timeout', 'Candidate')! + count('StartElection')! : null,
    preVoteRounds: count('Timeout', 'PreCandidate'),
    quorumStepDowns: count('CheckQuorum', 'Follower'),
    highestTerm: events ? highestTerm : null,
    unavailable: {
      count: windows.length,
      totalMs: lengths.reduce((a, b) => a + b, 0),
      longestMs: lengths.length ? Math.max(...lengths) : 0,
      windows,
    },
    commands: {
      answered: latencies.length,
      timedOut: attempts.filter((a) => a.outcome === 'timed out').length,
      refused: attempts.filter((a) => a.outcome === 'refused').length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    },
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);

/** The availability figures in one line each, for the run's summary. */
export function describeAvailability(a: Availability): string[] {
  const u = a.unavailable;
  const c = a.commands;
  return [
    a.elections === null
      ? 'elections: no merged trace to count them in'
      : `${a.elections} election(s) won of ${a.electionsStarted} started (${a.preVoteRounds} pre-vote rounds); highest term ${a.highestTerm}; ${a.quorumStepDowns} leader(s) stepped down for want of a quorum`,
    u.count === 0
      ? `no stretch of ${s(UNAVAILABLE_MS)} or more without an answer`
      : `${u.count} stretch(es) of ${s(UNAVAILABLE_MS)} or more without an answer: ${s(u.totalMs)} in all, the longest ${s(u.longestMs)}`,
    `commands: ${c.answered} answered (p50 ${ms(c.p50Ms)}, p99 ${ms(c.p99Ms)}), ${c.timedOut} timed out, ${c.refused} refused`,
  ];
}
