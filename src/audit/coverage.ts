// Spec action coverage: how often each action of spec/Raft.tla occurred in
// the traces checked, split by the branches the spec distinguishes (a vote
// granted or refused, entries accepted, accepted after deleting a conflict,
// or rejected, ...), so that an audit can list what was never exercised.
import type { TracedState, TraceEvent } from '../trace/events.js';

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
] as const;

function branch(e: TraceEvent, before: TracedState | undefined): string {
  switch (e.action) {
    case 'AppendEntries':
      return e.send?.type === 'AppendEntriesRequest' && e.send.entries.length > 0 ? 'AppendEntries/with entries' : 'AppendEntries/heartbeat';
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
    case 'HandleAppendEntriesResponse':
      if (before?.role !== 'Leader') return `${e.action}/ignored (not leader)`;
      return `${e.action}/${e.msg?.type === 'AppendEntriesResponse' && e.msg.success ? 'success' : 'failure'}`;
    default:
      return e.action;
  }
}

/** Adds the branches of one NDJSON trace to `into`. */
export function countCoverage(into: Coverage, ndjson: string): void {
  const last = new Map<string, TracedState>();
  const lines = ndjson.split('\n');
  for (let k = 1; k < lines.length; k++) {
    if (!lines[k]) continue;
    const e = JSON.parse(lines[k]!) as TraceEvent;
    const b = branch(e, 'node' in e ? last.get(e.node) : undefined);
    into[b] = (into[b] ?? 0) + 1;
    if ('state' in e) last.set(e.node, e.state);
  }
}

export function unexercised(c: Coverage): string[] {
  return BRANCHES.filter((b) => !c[b]);
}
