// How available a simulated cluster was, tick by tick: at the end of each
// tick of a schedule, could some leader commit (Cluster.canCommit: a live
// leader of the newest term with two-way links to a majority)? Stretches of
// ticks when none could are unavailability windows. With the elections won,
// the highest term and the clients' requests taken or refused, this is what
// a run's faults cost, and what PreVote and CheckQuorum are meant to lower.
import type { Cluster } from './cluster.js';

/** Availability over one schedule's ticks (the progress phase not included). */
export interface SimAvailability {
  readonly ticks: number;
  /** Ticks at whose end no leader could commit, and the stretches of consecutive such ticks. */
  readonly unavailableTicks: number;
  readonly windows: number;
  readonly longestWindow: number;
  /** Ticks at whose end some live server held the Leader role but could not commit: clients reaching it wait in vain (what CheckQuorum cuts short). */
  readonly strandedLeaderTicks: number;
  readonly elections: number;
  readonly highestTerm: number;
  readonly requests: { readonly accepted: number; readonly refused: number };
}

/** Counts ticks with and without a leader able to commit, and the windows they form. */
export class TickTally {
  private all = 0;
  private unavailable = 0;
  private windows = 0;
  private longest = 0;
  private run = 0;
  private stranded = 0;

  /** One tick: whether some leader could commit, and whether some leader could not (both may hold at once). */
  add(canCommit: boolean, strandedLeader = false): void {
    this.all++;
    if (strandedLeader) this.stranded++;
    if (canCommit) {
      this.run = 0;
      return;
    }
    this.unavailable++;
    if (this.run++ === 0) this.windows++;
    this.longest = Math.max(this.longest, this.run);
  }

  availability(cluster: Pick<Cluster, 'elections' | 'highestTerm' | 'requests'>): SimAvailability {
    return {
      ticks: this.all,
      unavailableTicks: this.unavailable,
      windows: this.windows,
      longestWindow: this.longest,
      strandedLeaderTicks: this.stranded,
      elections: cluster.elections,
      highestTerm: cluster.highestTerm,
      requests: { ...cluster.requests },
    };
  }
}

/** Availability over many schedules: sums, and the worst window and the highest term. */
export type AvailabilitySummary = SimAvailability & { readonly schedules: number };

/** The summary of schedules' availabilities (or of several summaries: a summary is one too, with its schedules). */
export function summarizeAvailability(
  parts: ReadonlyArray<SimAvailability | AvailabilitySummary>,
): AvailabilitySummary | null {
  if (parts.length === 0) return null;
  const sum = (f: (p: SimAvailability | AvailabilitySummary) => number) => parts.reduce((n, p) => n + f(p), 0);
  return {
    schedules: sum((p) => ('schedules' in p ? p.schedules : 1)),
    ticks: sum((p) => p.ticks),
    unavailableTicks: sum((p) => p.unavailableTicks),
    windows: sum((p) => p.windows),
    longestWindow: Math.max(...parts.map((p) => p.longestWindow)),
    strandedLeaderTicks: sum((p) => p.strandedLeaderTicks),
    elections: sum((p) => p.elections),
    highestTerm: Math.max(...parts.map((p) => p.highestTerm)),
    requests: { accepted: sum((p) => p.requests.accepted), refused: sum((p) => p.requests.refused) },
  };
}

/** One line for a campaign's or soak's summary. */
export function describeSimAvailability(a: AvailabilitySummary): string {
  const share = a.ticks ? (100 * a.unavailableTicks) / a.ticks : 0;
  return (
    `${(a.elections / a.schedules).toFixed(1)} elections per schedule (highest term ${a.highestTerm}); ` +
    `no leader able to commit for ${share.toFixed(1)} % of ${a.ticks} ticks, in ${a.windows} windows, the longest ${a.longestWindow} ticks; ` +
    `a leader unable to commit held on for ${a.strandedLeaderTicks} ticks; ` +
    `client requests ${a.requests.accepted} taken by a leader, ${a.requests.refused} refused`
  );
}
