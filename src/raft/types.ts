// The vocabulary shared by the Raft state machine, the simulator and the trace:
// servers, log entries, messages and the durable record. Field order in these
// shapes is the order they are serialized in, which keeps traces byte-stable.

export type ServerId = string;

/** PreCandidate: asking for pre-votes before an election (RaftNode's preVote option only). */
export type Role = 'Follower' | 'PreCandidate' | 'Candidate' | 'Leader';

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

/** PreVote: would the receiver vote for the sender in `term` (the sender's term + 1)? Changes no one's term or vote. */
export interface PreVoteRequest {
  readonly type: 'PreVoteRequest';
  readonly source: ServerId;
  readonly dest: ServerId;
  readonly term: number;
  readonly lastLogTerm: number;
  readonly lastLogIndex: number;
}

/** A yes carries the term asked about; a no, the voter's own term. */
export interface PreVoteResponse {
  readonly type: 'PreVoteResponse';
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

/**
 * A leader's snapshot, sent to a peer whose next entry it no longer holds in
 * its log (the thesis's Figure 5.3, whole, in one message): the index and
 * term of the snapshot's last entry. The state machine's content travels
 * beside it on the wire (RaftNode's snapshot data); the trace, like the spec,
 * leaves it out.
 */
export interface InstallSnapshotRequest {
  readonly type: 'InstallSnapshotRequest';
  readonly source: ServerId;
  readonly dest: ServerId;
  readonly term: number;
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  /** On the wire only: the state machine's content (Snapshot.data). Trace events leave it out (tracedMessage). */
  readonly data?: string;
}

export type Message =
  | InstallSnapshotRequest
  | RequestVoteRequest
  | RequestVoteResponse
  | AppendEntriesRequest
  | AppendEntriesResponse
  | PreVoteRequest
  | PreVoteResponse;

export type MessageType = Message['type'];

/**
 * A snapshot of the state machine: the index and term of the last entry it
 * covers, and its content as the state machine saved it (opaque to Raft).
 */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly data: string;
}

/** What survives a crash: written before any message that depends on it leaves the node. */
export interface DurableState {
  readonly currentTerm: number;
  readonly votedFor: ServerId | null;
  /** The entries after the snapshot (all of them, without one). */
  readonly log: readonly Entry[];
  /** Absent: no snapshot taken or installed yet. */
  readonly snapshot?: Snapshot;
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
  /** With preVote only: heard from a leader of its term since its election timer last fired. */
  readonly leaderSeen?: boolean;
  /** With checkQuorum only: the peers that answered this leader since its last check. */
  readonly activePeers?: readonly ServerId[];
  /** With snapshots only (format version 5): the index and term of the last entry its snapshot covers (0 and 0: none). */
  readonly snapshotIndex?: number;
  readonly snapshotTerm?: number;
}

/** The availability guards a RaftNode runs with; both off is the Raft paper's protocol. */
export interface Guards {
  /** Ask for pre-votes before raising the term (Ongaro's thesis, section 9.6). */
  readonly preVote: boolean;
  /** A leader steps down when a majority stops answering within an election timeout. */
  readonly checkQuorum: boolean;
}

export const NO_GUARDS: Guards = { preVote: false, checkQuorum: false };
