// Spec action coverage: how often each action of spec/Raft.tla occurred in
// the traces checked, split by the branches the spec distinguishes (a vote
// granted or refused, entries accepted, accepted after deleting a conflict,
// or rejected, ...), so that an audit can list what was never exercised.
import { CLIENT_TARGETS, type ClientTarget } from '../sim/cluster.js';
import { FAULT_WINDOWS, type FaultWindow } from '../sim/fault-windows.js';
import type { TracedState, TraceEvent } from '../raft/events.js';

export type Coverage = Record<string, number>;

/** Every action and branch the audit expects to see exercised. */
export const BRANCHES = [
  'Timeout',
  'RequestVote',
  'BecomeLeader',
  'ClientRequest',
  'AdvanceCommitIndex',
  'AppendEntries/heartbeat',
  'AppendEntries/with entries',
  'UpdateTerm',
  'HandleRequestVoteRequest/granted',
  'HandleRequestVoteRequest/refused',
  'HandleRequestVoteResponse/granted',
  'HandleRequestVoteResponse/refused',
  'HandleAppendEntriesRequest/accepted',
  'HandleAppendEntriesRequest/accepted after deleting a conflict',
  'HandleAppendEntriesRequest/rejected: stale term',
  'HandleAppendEntriesRequest/rejected: log mismatch',
  'HandleAppendEntriesResponse/success',
  'HandleAppendEntriesResponse/failure',
  'HandleAppendEntriesResponse/ignored (not leader)',
  'DropStaleResponse',
  'Restart',
  'DropMessage',
  'DuplicateMessage',
  'TakeSnapshot',
  'SendSnapshot',
  'HandleInstallSnapshotRequest/installed',
  'HandleInstallSnapshotRequest/already applied',
  'HandleInstallSnapshotRequest/refused: stale term',
] as const;

/** The action, or the branch of it the spec distinguishes, that event e took; `before` is its server's state before it. */
export function branch(e: TraceEvent, before: TracedState | undefined): string {
  switch (e.action) {
    case 'AppendEntries':
      return e.send?.type === 'AppendEntriesRequest' && e.send.entries.length > 0
        ? 'AppendEntries/with entries'
        : 'AppendEntries/heartbeat';
    case 'HandleRequestVoteRequest':
      return `${e.action}/${e.send?.type === 'RequestVoteResponse' && e.send.voteGranted ? 'granted' : 'refused'}`;
    case 'HandleRequestVoteResponse':
      return `${e.action}/${e.msg?.type === 'RequestVoteResponse' && e.msg.voteGranted ? 'granted' : 'refused'}`;
    case 'HandleAppendEntriesRequest': {
      if (e.send?.type !== 'AppendEntriesResponse' || e.msg?.type !== 'AppendEntriesRequest') return e.action;
      if (!e.send.success) return `${e.action}/rejected: ${e.msg.term < e.send.term ? 'stale term' : 'log mismatch'}`;
      // Entries were deleted exactly when the change keeps fewer than the log held.
      const deleted = e.logChange !== undefined && e.logChange.keep < (before?.logLength ?? 0);
      return `${e.action}/${deleted ? 'accepted after deleting a conflict' : 'accepted'}`;
    }
    case 'HandleInstallSnapshotRequest': {
      if (e.send?.type !== 'AppendEntriesResponse' || e.msg?.type !== 'InstallSnapshotRequest') return e.action;
      if (!e.send.success) return `${e.action}/refused: stale term`;
      const installed = e.state.snapshotIndex !== (before?.snapshotIndex ?? 0);
      return `${e.action}/${installed ? 'installed' : 'already applied'}`;
    }
    case 'HandleAppendEntriesResponse':
      if (before?.role !== 'Leader') return `${e.action}/ignored (not leader)`;
      return `${e.action}/${e.msg?.type === 'AppendEntriesResponse' && e.msg.success ? 'success' : 'failure'}`;
    default:
      return e.action;
  }
}

/** Client requests by the role of the server they reached (most are invisible in the trace: a refusal emits nothing). */
export const CLIENT_ROWS = CLIENT_TARGETS.map((t) => `client → ${t}`);
/** Traps sprung, by window. */
export const WINDOW_ROWS = FAULT_WINDOWS.map((w) => `window: ${w}`);

/** What one run adds to coverage: its trace, where its clients went, which traps sprang. */
export interface CoveredRun {
  readonly trace: string;
  /** The trace's events as recorded, when the run kept them: read instead of the text. */
  readonly recorded?: readonly TraceEvent[];
  readonly clientTargets?: Partial<Record<ClientTarget, number>>;
  readonly windowHits?: Partial<Record<FaultWindow, number>>;
}

/** Adds the branches of one run's NDJSON trace, its client targets and its traps to `into`. */
export function countCoverage(into: Coverage, run: CoveredRun): void {
  for (const [t, n] of Object.entries(run.clientTargets ?? {}))
    into[`client → ${t}`] = (into[`client → ${t}`] ?? 0) + n;
  for (const [w, n] of Object.entries(run.windowHits ?? {})) into[`window: ${w}`] = (into[`window: ${w}`] ?? 0) + n;
  const last = new Map<string, TracedState>();
  const count = (e: TraceEvent) => {
    const b = branch(e, 'node' in e ? last.get(e.node) : undefined);
    into[b] = (into[b] ?? 0) + 1;
    if ('state' in e) last.set(e.node, e.state);
  };
  if (run.recorded && run.recorded.length > 0) {
    for (const e of run.recorded) count(e);
    return;
  }
  const lines = run.trace.split('\n');
  for (let k = 1; k < lines.length; k++) if (lines[k]) count(JSON.parse(lines[k]!) as TraceEvent);
}

/** Spec branches, client targets (but 'no leader known') and trap windows never seen. */
export function unexercised(c: Coverage): string[] {
  return [...BRANCHES, ...CLIENT_ROWS.filter((r) => r !== 'client → no leader known'), ...WINDOW_ROWS].filter(
    (b) => !c[b],
  );
}
