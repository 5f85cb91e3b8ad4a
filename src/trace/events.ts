// One trace event per atomic protocol step, named after the TLA+ action in
// spec/Raft.tla that it will be checked against. A step of the implementation
// that performs several spec actions emits them consecutively, in spec order.
import type { Message, ServerId, ServerState } from '../raft/types.js';

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
] as const;

export const NETWORK_ACTIONS = ['DropMessage', 'DuplicateMessage'] as const;

export const ACTIONS = [...SERVER_ACTIONS, ...NETWORK_ACTIONS] as const;

export type ServerAction = (typeof SERVER_ACTIONS)[number];
export type NetworkAction = (typeof NETWORK_ACTIONS)[number];
export type ActionName = ServerAction | NetworkAction;

/**
 * An event performed by one server. `msg` is the message the action reads
 * (consumed, except by UpdateTerm, which leaves it in flight); `send` is the
 * message the action puts on the network; `state` is the server's post-state.
 */
export interface ServerEvent {
  readonly action: ServerAction;
  readonly node: ServerId;
  readonly peer?: ServerId;
  readonly value?: string;
  readonly msg?: Message;
  readonly send?: Message;
  readonly state: ServerState;
}

/** An event performed by the network on one message in flight. */
export interface NetworkEvent {
  readonly action: NetworkAction;
  readonly msg: Message;
}

export type UnnumberedEvent = ServerEvent | NetworkEvent;

/** An event as written to the trace: numbered from 1 in the order it happened. */
export type TraceEvent = { readonly i: number } & UnnumberedEvent;

export const TRACE_FORMAT = 'raft-tla-trace';
export const TRACE_VERSION = 1;

export interface TraceHeader {
  readonly format: typeof TRACE_FORMAT;
  readonly version: typeof TRACE_VERSION;
  readonly nodes: readonly ServerId[];
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
}
