// The vocabulary shared by the Raft state machine, the simulator and the trace:
// servers, log entries, messages and the durable record. Field order in these
// shapes is the order they are serialized in, which keeps traces byte-stable.

export type ServerId = string;

export type Role = 'Follower' | 'Candidate' | 'Leader';

export interface Entry {
  readonly term: number;
  readonly value: string;
}

export interface RequestVoteRequest {
  readonly type: 'RequestVoteRequest';
  readonly source: ServerId;
  readonly dest: ServerId;
  readonly term: number;
  readonly lastLogTerm: number;
  readonly lastLogIndex: number;
}

export interface RequestVoteResponse {
  readonly type: 'RequestVoteResponse';
  readonly source: ServerId;
  readonly dest: ServerId;
  readonly term: number;
  readonly voteGranted: boolean;
}

export interface AppendEntriesRequest {
  readonly type: 'AppendEntriesRequest';
  readonly source: ServerId;
  readonly dest: ServerId;
  readonly term: number;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly commitIndex: number;
}

export interface AppendEntriesResponse {
  readonly type: 'AppendEntriesResponse';
  readonly source: ServerId;
  readonly dest: ServerId;
  readonly term: number;
  readonly success: boolean;
  readonly matchIndex: number;
}

export type Message = RequestVoteRequest | RequestVoteResponse | AppendEntriesRequest | AppendEntriesResponse;

export type MessageType = Message['type'];

/** What survives a crash: written before any message that depends on it leaves the node. */
export interface DurableState {
  readonly currentTerm: number;
  readonly votedFor: ServerId | null;
  readonly log: readonly Entry[];
}

/** The acting server's whole state after a step, as the trace records it. */
export interface ServerState {
  readonly term: number;
  readonly role: Role;
  readonly votedFor: ServerId | null;
  readonly log: readonly Entry[];
  readonly commitIndex: number;
  readonly votesResponded: readonly ServerId[];
  readonly votesGranted: readonly ServerId[];
  readonly nextIndex: Readonly<Record<ServerId, number>>;
  readonly matchIndex: Readonly<Record<ServerId, number>>;
}
