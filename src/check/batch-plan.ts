// How the TLC checker divides its work, decided before TLC runs, and what it
// does when a run fails: pure functions, tested without TLC.
//
// Traces are grouped by cluster (one TLC model per set of servers and entry
// bound); each group gets a number of TLC runs known before any trace is read,
// each run a target share of the group's events. When a run fails because of
// one chunk's data, the chunk TLC names is given up and the rest run again;
// when TLC names none, the batch is halved until the bad chunk is alone.
import { traceGuards, type TraceHeader } from '../raft/events.js';
import type { Guards, ServerId } from '../raft/types.js';

/** What the planner needs of a trace: its header and its number of events. */
export interface PlannedTrace {
  readonly file: string;
  readonly header: TraceHeader;
  readonly eventCount: number;
}

export interface PlanOptions {
  readonly chunkSize: number;
  readonly eventsPerBatch: number;
  readonly parallel: number;
  /** Why a trace's cluster cannot be checked, or null. */
  readonly clusterProblem: (header: TraceHeader) => string | null;
}

/** The TLC runs of one cluster's traces. */
export interface ClusterPlan {
  readonly servers: ServerId[];
  readonly maxEntries: number;
  /** The guards the traces ran with: the spec's constants UsePreVote and UseCheckQuorum for their TLC runs. */
  readonly guards: Guards;
  /** The traces' indices, in the order given. */
  readonly members: number[];
  /** Events a batch holds before it is cut. */
  readonly target: number;
  /** How many TLC runs the batches of this cluster take. */
  readonly count: number;
}

export interface Plan {
  /** Why a trace cannot be checked at all, by index. */
  readonly problems: Map<number, string>;
  readonly clusters: readonly ClusterPlan[];
}

/** Below this many events a cluster's traces take one TLC run: a second JVM would cost more than it saves. */
const ONE_RUN_BELOW = 2000;

export function planBatches(traces: readonly PlannedTrace[], o: PlanOptions): Plan {
  const problems = new Map<number, string>();
  const groups = new Map<string, number[]>();
  traces.forEach((t, index) => {
    const problem = t.eventCount === 0 ? 'the trace has no events' : o.clusterProblem(t.header);
    if (problem) {
      problems.set(index, `${t.file}: ${problem}`);
      return;
    }
    const g = traceGuards(t.header);
    const key = `${t.header.params.maxEntriesPerMessage}:${t.header.nodes.join(',')}:${Number(g.preVote)}${Number(g.checkQuorum)}`;
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  const clusters = [...groups].map(([key, members]) => {
    const [limit, nodes, flags] = key.split(':') as [string, string, string];
    const guards = { preVote: flags[0] === '1', checkQuorum: flags[1] === '1' };
    const events = members.reduce((n, k) => n + traces[k]!.eventCount, 0);
    const chunks = members.reduce((n, k) => n + Math.ceil(traces[k]!.eventCount / o.chunkSize), 0);
    // A whole number of rounds, so that every TLC slot stays busy until the end.
    const rounds = events < ONE_RUN_BELOW ? 1 : o.parallel;
    const count = Math.min(chunks, Math.ceil(Math.ceil(events / o.eventsPerBatch) / rounds) * rounds);
    return {
      servers: nodes.split(','),
      maxEntries: Number(limit),
      guards,
      members,
      target: Math.ceil(events / count),
      count,
    };
  });
  return { problems, clusters };
}

/** What to do with the chunks of a batch that TLC left without a verdict. */
export interface AfterFailure<C> {
  /** Chunks given up, each with why (appended to its trace's file name). */
  readonly failed: ReadonlyArray<readonly [C, string]>;
  /** Batches to run again. */
  readonly retries: readonly C[][];
}

/**
 * `open`: the chunks without a verdict; `dataError`: whether TLC failed on
 * the batch's data (an evaluation error) rather than its budget or health;
 * `culprit`: the chunk TLC was checking when it failed, if it said, with the
 * reason to give for it.
 */
export function afterFailure<C>(
  open: readonly C[],
  failure: string,
  dataError: boolean,
  culprit: { readonly chunk: C; readonly why: string } | null,
): AfterFailure<C> {
  if (open.length === 0) return { failed: [], retries: [] };
  if (!dataError) return { failed: open.map((c) => [c, `: not checked: ${failure}`] as const), retries: [] };
  if (culprit && open.includes(culprit.chunk)) {
    const rest = open.filter((c) => c !== culprit.chunk);
    return { failed: [[culprit.chunk, culprit.why]], retries: rest.length > 0 ? [rest] : [] };
  }
  if (open.length === 1) return { failed: [[open[0]!, `: not checked: ${failure}`]], retries: [] };
  const half = Math.ceil(open.length / 2);
  return { failed: [], retries: [open.slice(0, half), open.slice(half)] };
}
