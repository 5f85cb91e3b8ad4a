// One trace event per atomic protocol step, named after the TLA+ action in
// spec/Raft.tla that it will be checked against. A step of the implementation
// that performs several spec actions emits them consecutively, in spec order.
import { NO_GUARDS, type Entry, type Guards, type Message, type ServerId, type ServerState } from './types.js';

export const SERVER_ACTIONS = [
  'Timeout',
  'RequestVote',
  'BecomeLeader',
  'ClientRequest',
  'AdvanceCommitIndex',
  'AppendEntries',
  'UpdateTerm',
  'HandleRequestVoteRequest',
  'HandleRequestVoteResponse',
  'HandleAppendEntriesRequest',
  'HandleAppendEntriesResponse',
  'DropStaleResponse',
  'Restart',
  // The availability guards (RaftNode's preVote and checkQuorum options; format version 4 on).
  'RequestPreVote',
  'HandlePreVoteRequest',
  'HandlePreVoteResponse',
  'StartElection',
  'CheckQuorum',
  // Snapshots (format version 5 on, in a run with snapshots on).
  'TakeSnapshot',
  'SendSnapshot',
  'HandleInstallSnapshotRequest',
] as const;

/** The actions only a run with a guard on performs: a trace before format version 4 has none. */
export const GUARD_ACTIONS: ReadonlySet<string> = new Set([
  'RequestPreVote',
  'HandlePreVoteRequest',
  'HandlePreVoteResponse',
  'StartElection',
  'CheckQuorum',
]);

/** The actions only a run with snapshots on performs: a trace before format version 5 has none. */
export const SNAPSHOT_ACTIONS: ReadonlySet<string> = new Set([
  'TakeSnapshot',
  'SendSnapshot',
  'HandleInstallSnapshotRequest',
]);

export const NETWORK_ACTIONS = ['DropMessage', 'DuplicateMessage'] as const;

export const ACTIONS = [...SERVER_ACTIONS, ...NETWORK_ACTIONS] as const;

export type ServerAction = (typeof SERVER_ACTIONS)[number];
export type NetworkAction = (typeof NETWORK_ACTIONS)[number];
export type ActionName = ServerAction | NetworkAction;

/**
 * How an event changed the acting server's log: its entries up to index
 * `keep` stay, and `append` follows them. Events carry changes, never whole
 * logs, so that a trace grows linearly with the run (format version 2).
 * Indexes are absolute: with a snapshot (format version 5), the entries up to
 * the post-state's snapshotIndex are in the snapshot, not the log, and a
 * snapshot installed over a log it does not match discards the log with
 * `keep` at the snapshot's index and nothing appended.
 */
export interface LogChange {
  readonly keep: number;
  readonly append: readonly Entry[];
}

/**
 * The acting server's post-state as an event records it: the log only by its
 * length, which is the index of its last entry (its snapshot's index, if its
 * log holds nothing after the snapshot).
 */
export type TracedState = Omit<ServerState, 'log'> & { readonly logLength: number };

/**
 * An event performed by one server. `msg` is the message the action reads
 * (consumed, except by UpdateTerm, which leaves it in flight); `send` is the
 * message the action puts on the network; `logChange` says how the action
 * changed the server's log, when it did; `state` is the server's post-state.
 */
export interface ServerEvent {
  readonly action: ServerAction;
  readonly node: ServerId;
  readonly peer?: ServerId;
  readonly value?: string;
  /** TakeSnapshot only: the index of the last entry the snapshot covers. */
  readonly index?: number;
  readonly msg?: Message;
  readonly send?: Message;
  readonly logChange?: LogChange;
  readonly state: TracedState;
  /**
   * The step restarted the server's election countdown (format version 3 on;
   * absent, it did not). Raft restarts it on starting an election, granting a
   * vote and hearing AppendEntries from its term's leader (Raft.tla's
   * RestartsElectionTimer), so a timer bug shows at the event that makes it.
   */
  readonly timer?: true;
  /** Written by real server processes only (src/server/): the id of `msg`, the id of `send`, and the vector clock after the event. */
  readonly msgId?: MessageId;
  readonly sendId?: MessageId;
  readonly clock?: VectorClock;
  /** In a merged trace only: the FILE:LINE the event came from. */
  readonly origin?: string;
}

/** `sender:incarnation:counter`, unique across a cluster's run, restarts included. */
export type MessageId = string;

/** Per server (and "proxy", for a real cluster's network proxy), how many of its events happen before or at this one. */
export type VectorClock = Readonly<Record<ServerId, number>>;

/** An event performed by the network on one message in flight. */
export interface NetworkEvent {
  readonly action: NetworkAction;
  readonly msg: Message;
  /** Written by a real cluster's network proxy only (src/nemesis/): the message's id and the proxy's vector clock after the event. */
  readonly msgId?: MessageId;
  readonly clock?: VectorClock;
  /** In a merged trace only: the FILE:LINE the event came from. */
  readonly origin?: string;
}

export type UnnumberedEvent = ServerEvent | NetworkEvent;

/** An event as written to the trace: numbered from 1 in the order it happened. */
export type TraceEvent = { readonly i: number } & UnnumberedEvent;

export const TRACE_FORMAT = 'raft-tla-trace';
/**
 * Version 5 may hold snapshots (header param `snapshots`: true): the events
 * TakeSnapshot, SendSnapshot and HandleInstallSnapshotRequest, the message
 * InstallSnapshotRequest, the state fields snapshotIndex and snapshotTerm,
 * and log changes whose indexes are absolute; version 4 may hold the availability guards' events, role and state
 * (PreVote, CheckQuorum), and its header's params say which guards ran
 * (`preVote`, `checkQuorum`; absent, off); version 3 records election-timer
 * restarts (ServerEvent.timer); version 2 carries log changes; version 1
 * carried each post-state's whole log. All five are read; timers are
 * checked from version 3 on. Runs without snapshots still write version 4.
 */
export const TRACE_VERSION = 4;
export const TRACE_VERSIONS = [1, 2, 3, 4, 5] as const;
/** The version a run with snapshots on writes. */
export const SNAPSHOT_TRACE_VERSION = 5;

export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
  readonly version: (typeof TRACE_VERSIONS)[number];
  readonly nodes: readonly ServerId[];
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Whether a trace's events say when their server restarted its election countdown (format version 3 on). */
export const recordsTimers = (header: Pick<TraceHeader, 'version'>): boolean => header.version >= 3;

/** The guards a trace's run had on, from its header (format version 4 on; older traces ran without). */
export function traceGuards(header: Pick<TraceHeader, 'version' | 'params'>): Guards {
  if (header.version < 4) return NO_GUARDS;
  return { preVote: header.params.preVote === true, checkQuorum: header.params.checkQuorum === true };
}

/** Whether a trace's run could take snapshots: format version 5 on, with the header's params saying `snapshots: true`. */
export function traceSnapshots(header: Pick<TraceHeader, 'version' | 'params'>): boolean {
  return header.version >= SNAPSHOT_TRACE_VERSION && header.params.snapshots === true;
}

/** The header params that say which guards ran: only those on, so that a run without guards says nothing new. */
export function guardParams(g: Guards): Record<string, boolean> {
  return { ...(g.preVote ? { preVote: true } : {}), ...(g.checkQuorum ? { checkQuorum: true } : {}) };
}

/** The header params that say a run takes snapshots, and how often (none when `every` is 0). */
export function snapshotParams(every: number): Record<string, boolean | number> {
  return every > 0 ? { snapshots: true, snapshotEvery: every } : {};
}
