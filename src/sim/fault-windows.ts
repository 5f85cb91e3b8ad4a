// Narrow windows for targeted faults, in the manner of FoundationDB's
// buggify: some bugs show only when a server crashes (or is cut off) right
// after one particular kind of step, a window that random faults hit in well
// under one schedule in a hundred. A trap names a server, a window and a
// fault; the cluster springs it on the first event of that kind at that
// server, right after the step that emitted it.
import type { ServerAction, ServerEvent } from '../raft/events.js';

export const FAULT_WINDOWS = [
  /** The server deleted entries from its log (a conflicting suffix). */
  'truncate',
  /** A leader appended a client's entry. */
  'append',
  /** The server granted a vote. */
  'voteGranted',
  /** The server became leader. */
  'becomeLeader',
  /** A follower stored entries a leader sent. */
  'acceptEntries',
  /** A leader advanced its commit index. */
  'commit',
  /** The server started an election. */
  'timeout',
  /** The server adopted a newer term from a message. */
  'updateTerm',
  /** The server came back from a crash. */
  'restart',
  // Snapshots (after the nine drawn at random: see DRAWN_WINDOWS).
  /** The server compacted its log into a snapshot. */
  'snapshot',
  /** The server installed a snapshot from its leader. */
  'installSnapshot',
] as const;

/**
 * How many of the windows random schedules draw from: the first nine, as
 * before snapshots, so that every seed draws the schedule it always did.
 * The snapshot windows are armed by the schedules that aim at them
 * (src/sim/compaction.ts).
 */
export const DRAWN_WINDOWS = 9;

export type FaultWindow = (typeof FAULT_WINDOWS)[number];

export type TrapFault = 'crash' | 'isolate';

export interface Trap {
  readonly server: string;
  readonly window: FaultWindow;
  readonly fault: TrapFault;
}

/** Windows that an action opens whenever it happens. */
const OPENED_BY: Partial<Record<ServerAction, FaultWindow>> = {
  ClientRequest: 'append',
  BecomeLeader: 'becomeLeader',
  AdvanceCommitIndex: 'commit',
  Timeout: 'timeout',
  UpdateTerm: 'updateTerm',
  Restart: 'restart',
  TakeSnapshot: 'snapshot',
};

/** The windows an event opens; `logLengthBefore` is the acting server's log length before it. */
export function windowsOf(e: ServerEvent, logLengthBefore: number): FaultWindow[] {
  const out: FaultWindow[] = [];
  if (e.logChange && e.logChange.keep < logLengthBefore) out.push('truncate');
  const always = OPENED_BY[e.action];
  if (always) out.push(always);
  if (e.action === 'HandleRequestVoteRequest' && e.send?.type === 'RequestVoteResponse' && e.send.voteGranted)
    out.push('voteGranted');
  if (e.action === 'HandleAppendEntriesRequest' && e.logChange && e.logChange.append.length > 0)
    out.push('acceptEntries');
  if (e.action === 'HandleInstallSnapshotRequest' && e.send?.type === 'AppendEntriesResponse' && e.msg) {
    const m = e.msg;
    if (m.type === 'InstallSnapshotRequest' && e.state.snapshotIndex === m.lastIncludedIndex && e.send.success)
      out.push('installSnapshot');
  }
  return out;
}
