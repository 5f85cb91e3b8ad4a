// A Raft server as a pure state machine, in the manner of etcd-io/raft: it owns
// no timers, sockets or disks. The driver feeds it inputs (an election timeout,
// a heartbeat tick, a received message, a client proposal) and receives a Ready:
// state to persist, messages to send, entries newly committed, and the trace
// events of the spec actions the step performed.
import type { LogChange, ServerEvent, ServerAction, TracedState } from './events.js';
import { NO_OP } from './kv.js';
import {
  NO_GUARDS,
  type AppendEntriesRequest,
  type AppendEntriesResponse,
  type DurableState,
  type Entry,
  type Guards,
  type InstallSnapshotRequest,
  type Message,
  type PreVoteRequest,
  type PreVoteResponse,
  type RequestVoteRequest,
  type RequestVoteResponse,
  type Role,
  type ServerId,
  type ServerState,
  type Snapshot,
} from './types.js';

export type Input =
  | { readonly kind: 'electionTimeout' }
  | { readonly kind: 'heartbeatDue' }
  | { readonly kind: 'receive'; readonly msg: Message }
  | { readonly kind: 'propose'; readonly value: string }
  /**
   * The state machine, having applied every entry up to `index` (committed,
   * beyond the current snapshot), saved itself as `data`: the node replaces
   * its log up to there by this snapshot. Only a node made with snapshots on.
   */
  | { readonly kind: 'compact'; readonly index: number; readonly data: string };

/**
 * At most this many entries go in one AppendEntries unless the cluster says
 * otherwise (RaftNode.boot's maxEntriesPerMessage), as real implementations
 * bound their messages (etcd's MaxSizePerMsg): a lagging follower catches up
 * over several round trips. spec/Raft.tla has the bound as a constant, which
 * the trace header's maxEntriesPerMessage sets.
 */
export const MAX_ENTRIES_PER_MESSAGE = 2;

/**
 * How many times a leader passes over a peer it sent its snapshot to, while
 * no answer came from it, before it sends the snapshot again (etcd-io/raft
 * holds such a peer in its "snapshot" state likewise): a snapshot may be
 * large, and sending it on every heartbeat would flood a slow link. Sending
 * nothing is always allowed by the spec; the pause only ends sooner.
 */
export const SNAPSHOT_RESEND_PAUSE = 4;

/** The bound on entries per AppendEntries, checked once: a positive integer. */
function entriesBound(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`maxEntriesPerMessage must be a positive integer, got ${n}`);
  return n;
}

export interface CommittedEntry {
  readonly index: number;
  readonly entry: Entry;
}

/**
 * The output of one step. The driver must write `persist` to stable storage
 * before it hands any of `messages` to the network: those messages may promise
 * a vote or acknowledge entries that only the persisted state backs.
 */
export interface Ready {
  readonly persist: DurableState | null;
  /** Whether the step changed the log (persist then holds a new copy of it). */
  readonly logChanged: boolean;
  readonly messages: readonly Message[];
  readonly committed: readonly CommittedEntry[];
  /**
   * A snapshot installed from the leader: the state machine must restore
   * itself from its data before applying `committed`, which follow it.
   */
  readonly installed: Snapshot | null;
  /** The node heard from a legitimate leader or granted a vote: restart its election countdown. */
  readonly resetElectionTimer: boolean;
  /** Only for `propose`: whether this node, being leader, appended the value. */
  readonly accepted: boolean;
  readonly events: readonly ServerEvent[];
}

const NO_SNAPSHOT: Snapshot = { index: 0, term: 0, data: '' };

// Each snapshot on the wire and its traced twin, so that the twin is always
// the same object: a real server pairs a message with its trace event by
// identity (its id and clock go with the event that sent it or received it).
const tracedTwins = new WeakMap<Message, Message>();

/** A message as trace events record it: a snapshot without the state machine's content (the same object for the same message). */
export function tracedMessage<M extends Message>(m: M): M {
  if (m.type !== 'InstallSnapshotRequest' || m.data === undefined) return m;
  let twin = tracedTwins.get(m);
  if (!twin) {
    const { data: _, ...rest } = m as InstallSnapshotRequest;
    twin = rest;
    tracedTwins.set(m, twin);
  }
  return twin as M;
}

export class RaftNode {
  readonly id: ServerId;
  readonly servers: readonly ServerId[];
  readonly peers: readonly ServerId[];
  private readonly quorum: number;
  /** PreVote and CheckQuorum: on or off for the node's life (spec/Raft.tla's UsePreVote and UseCheckQuorum). */
  readonly guards: Guards;
  /** The most entries one AppendEntries carries (spec/Raft.tla's MaxEntriesPerMessage). */
  readonly maxEntriesPerMessage: number;
  /** Whether the node may take and install snapshots (spec/Raft.tla's UseSnapshots); its trace then says so. */
  readonly snapshots: boolean;

  // Durable state.
  private currentTerm = 0;
  private votedFor: ServerId | null = null;
  // The entries after the snapshot: entry k is log[k - snapshot.index - 1].
  private log: Entry[] = [];
  private snapshot: Snapshot = NO_SNAPSHOT;

  // Volatile state, lost on restart.
  private role: Role = 'Follower';
  private commitIndex = 0;
  private lastApplied = 0;
  private votesResponded = new Set<ServerId>();
  private votesGranted = new Set<ServerId>();
  private nextIndex = new Map<ServerId, number>();
  private matchIndex = new Map<ServerId, number>();
  /** Peers sent the snapshot and not heard from since: how many more sends to pass over (SNAPSHOT_RESEND_PAUSE). */
  private snapshotPause = new Map<ServerId, number>();
  // PreVote: heard from a leader of this term since the election timer last fired.
  private leaderSeen = false;
  // CheckQuorum, as leader: the peers that answered since the last check.
  private activePeers = new Set<ServerId>();

  // What the log was at the last event: its last index then, and how far
  // back it has been cut since (events report each change, never the whole
  // log; indexes are absolute).
  private logAtEvent = 0;
  private logKeptSinceEvent = 0;
  // The log as last persisted, shared while unchanged: a step that changes
  // only the term or the vote does not copy the log.
  private persistedLog: readonly Entry[] = [];
  private logChangedInStep = false;
  private installedInStep: Snapshot | null = null;

  // Output of the step in progress.
  private out: Message[] = [];
  private events: ServerEvent[] = [];
  private dirty = false;
  private resetTimer = false;
  // The next event restarts the election countdown (its trace field `timer`).
  private timerRestarted = false;

  private constructor(
    id: ServerId,
    servers: readonly ServerId[],
    durable: DurableState | null,
    guards: Guards,
    maxEntriesPerMessage: number,
    snapshots: boolean,
  ) {
    if (!servers.includes(id)) throw new Error(`server ${id} is not a member of [${servers.join(', ')}]`);
    this.id = id;
    this.guards = { preVote: guards.preVote, checkQuorum: guards.checkQuorum };
    this.maxEntriesPerMessage = entriesBound(maxEntriesPerMessage);
    this.snapshots = snapshots;
    this.servers = [...servers];
    this.peers = servers.filter((s) => s !== id);
    this.quorum = Math.floor(servers.length / 2) + 1;
    if (durable) {
      this.currentTerm = durable.currentTerm;
      this.votedFor = durable.votedFor;
      this.log = [...durable.log];
      this.persistedLog = durable.log;
      if (durable.snapshot) {
        if (!snapshots) throw new Error(`server ${id} recovered a snapshot, but runs with snapshots off`);
        // The state machine restarts from the snapshot (the driver restores it), so commits do too.
        this.snapshot = durable.snapshot;
        this.commitIndex = this.lastApplied = durable.snapshot.index;
      }
    }
    this.logAtEvent = this.logKeptSinceEvent = this.lastIndex();
    this.resetLeaderBookkeeping();
  }

  /** A server starting for the first time, with empty durable state. */
  static boot(
    id: ServerId,
    servers: readonly ServerId[],
    guards: Guards = NO_GUARDS,
    maxEntriesPerMessage = MAX_ENTRIES_PER_MESSAGE,
    snapshots = false,
  ): RaftNode {
    return new RaftNode(id, servers, null, guards, maxEntriesPerMessage, snapshots);
  }

  /** A server coming back from a crash with exactly what it had persisted. */
  static recover(
    id: ServerId,
    servers: readonly ServerId[],
    durable: DurableState | null,
    guards: Guards = NO_GUARDS,
    maxEntriesPerMessage = MAX_ENTRIES_PER_MESSAGE,
    snapshots = false,
  ): { node: RaftNode; ready: Ready } {
    const node = new RaftNode(id, servers, durable, guards, maxEntriesPerMessage, snapshots);
    node.emit('Restart', {});
    return { node, ready: node.finish(false) };
  }

  step(input: Input): Ready {
    let accepted = false;
    switch (input.kind) {
      case 'electionTimeout':
        if (this.role !== 'Leader') this.electionTimerFired();
        else if (this.guards.checkQuorum) this.checkQuorum();
        break;
      case 'heartbeatDue':
        if (this.role === 'Leader') this.broadcastAppendEntries();
        else if (this.role === 'Candidate') this.retransmitVoteRequests();
        else if (this.role === 'PreCandidate') this.retransmitVoteRequests();
        break;
      case 'receive':
        this.receive(input.msg);
        break;
      case 'propose':
        accepted = this.propose(input.value);
        break;
      case 'compact':
        this.takeSnapshot(input.index, input.data);
        break;
    }
    return this.finish(accepted);
  }

  /** The whole state, log included (a copy: O(log length)). */
  get state(): ServerState {
    const t = this.tracedState();
    return {
      term: t.term,
      role: t.role,
      votedFor: t.votedFor,
      log: this.log.slice(),
      commitIndex: t.commitIndex,
      votesResponded: t.votesResponded,
      votesGranted: t.votesGranted,
      nextIndex: t.nextIndex,
      matchIndex: t.matchIndex,
      ...(t.leaderSeen !== undefined ? { leaderSeen: t.leaderSeen } : {}),
      ...(t.activePeers !== undefined ? { activePeers: t.activePeers } : {}),
      ...(this.snapshots ? { snapshotIndex: this.snapshot.index, snapshotTerm: this.snapshot.term } : {}),
    };
  }

  /** The state as an event records it: the log by its length only. */
  private tracedState(): TracedState {
    const nextIndex: Record<ServerId, number> = {};
    const matchIndex: Record<ServerId, number> = {};
    for (const p of this.peers) {
      nextIndex[p] = this.nextIndex.get(p)!;
      matchIndex[p] = this.matchIndex.get(p)!;
    }
    return {
      term: this.currentTerm,
      role: this.role,
      votedFor: this.votedFor,
      logLength: this.lastIndex(),
      commitIndex: this.commitIndex,
      votesResponded: this.sortedMembers(this.votesResponded),
      votesGranted: this.sortedMembers(this.votesGranted),
      nextIndex,
      matchIndex,
      // Only with the guard on: a run without it traces as it always did.
      ...(this.guards.preVote ? { leaderSeen: this.leaderSeen } : {}),
      ...(this.guards.checkQuorum ? { activePeers: this.sortedMembers(this.activePeers) } : {}),
      ...(this.snapshots ? { snapshotIndex: this.snapshot.index, snapshotTerm: this.snapshot.term } : {}),
    };
  }

  /** The state as the last event recorded it would read now: what a check that nothing happens unlogged compares. */
  get traced(): TracedState {
    return this.tracedState();
  }

  get currentRole(): Role {
    return this.role;
  }

  get term(): number {
    return this.currentTerm;
  }

  /** The log as it is now, the entries after the snapshot (entry k at k - snapshotIndex - 1); callers must not modify it. */
  get entries(): readonly Entry[] {
    return this.log;
  }

  /** The index of the last entry the snapshot covers (0: none). */
  get snapshotIndex(): number {
    return this.snapshot.index;
  }

  /** The snapshot the node holds (index 0: none), with the state machine's content. */
  get currentSnapshot(): Snapshot {
    return this.snapshot;
  }

  get committedIndex(): number {
    return this.commitIndex;
  }

  // --- Elections -----------------------------------------------------------

  /** Timeout: an election in a new term, or with PreVote a pre-vote round that changes neither term nor vote. */
  private electionTimerFired(): void {
    this.votesForSelfOnly();
    this.leaderSeen = false;
    // The driver restarts the countdown as it fires (Ready.resetElectionTimer is for the others).
    this.timerRestarted = true;
    if (this.guards.preVote) {
      this.role = 'PreCandidate';
      this.emit('Timeout', {});
      for (const peer of this.peers) this.sendVoteRequest(peer);
      // A lone server is its own majority of pre-votes.
      if (this.votesGranted.size >= this.quorum) this.startElection();
      return;
    }
    this.becomeCandidate();
    this.emit('Timeout', {});
    this.askForVotes();
  }

  /** StartElection: a majority of pre-votes lets the pre-candidate stand in the term it asked about. */
  private startElection(): void {
    this.votesForSelfOnly();
    this.becomeCandidate();
    // A new election, a new countdown: the driver restarts it.
    this.restartElectionTimer();
    this.emit('StartElection', {});
    this.askForVotes();
  }

  /** A new tally, of votes or pre-votes: this server's own only. */
  private votesForSelfOnly(): void {
    this.votesResponded = new Set([this.id]);
    this.votesGranted = new Set([this.id]);
  }

  private becomeCandidate(): void {
    this.currentTerm += 1;
    this.role = 'Candidate';
    this.votedFor = this.id;
    this.dirty = true;
  }

  private askForVotes(): void {
    for (const peer of this.peers) this.sendVoteRequest(peer);
    // A lone server is its own quorum: its own vote elects it (no response will come).
    if (this.votesGranted.size >= this.quorum) this.becomeLeader();
  }

  /**
   * A pre-vote changes nothing here: yes only for a term beyond ours, to a log
   * at least as up to date, from a server that is no leader and has not heard
   * from its leader since its own timer fired. No countdown restarts.
   */
  private handlePreVoteRequest(m: PreVoteRequest): void {
    const grant = m.term > this.currentTerm && this.logUpToDate(m) && this.role !== 'Leader' && !this.leaderSeen;
    const send: PreVoteResponse = {
      type: 'PreVoteResponse',
      source: this.id,
      dest: m.source,
      term: grant ? m.term : this.currentTerm,
      voteGranted: grant,
    };
    this.out.push(send);
    this.emit('HandlePreVoteRequest', { peer: m.source, msg: m, send });
  }

  /** Counts a yes for the term this pre-candidate would stand in, notes a no; drops what belongs to no current round. */
  private handlePreVoteResponse(m: PreVoteResponse): void {
    const counts = this.role === 'PreCandidate' && (!m.voteGranted || m.term === this.currentTerm + 1);
    if (counts) {
      this.votesResponded.add(m.source);
      if (m.voteGranted) this.votesGranted.add(m.source);
    }
    this.emit('HandlePreVoteResponse', { peer: m.source, msg: m });
    if (this.role === 'PreCandidate' && this.votesGranted.size >= this.quorum) this.startElection();
  }

  /** CheckQuorum, at each of a leader's election-timer ticks: stay only if a majority answered since the last. */
  private checkQuorum(): void {
    const heard = this.activePeers.size + 1 >= this.quorum;
    this.activePeers = new Set();
    if (!heard) this.role = 'Follower';
    // The driver restarts the countdown as it fires: the next check is one election timeout away.
    this.timerRestarted = true;
    this.emit('CheckQuorum', {});
  }

  /** A candidate's (or pre-candidate's) requests again, to the peers that have not answered. */
  private retransmitVoteRequests(): void {
    for (const peer of this.peers) {
      if (!this.votesResponded.has(peer)) this.sendVoteRequest(peer);
    }
  }

  /** RequestVote; from a pre-candidate RequestPreVote, the same question about the next term. */
  private sendVoteRequest(peer: ServerId): void {
    const pre = this.role === 'PreCandidate';
    const send: RequestVoteRequest | PreVoteRequest = {
      type: pre ? 'PreVoteRequest' : 'RequestVoteRequest',
      source: this.id,
      dest: peer,
      term: pre ? this.currentTerm + 1 : this.currentTerm,
      lastLogTerm: this.lastLogTerm(),
      lastLogIndex: this.lastIndex(),
    };
    this.out.push(send);
    this.emit(pre ? 'RequestPreVote' : 'RequestVote', { peer, send });
  }

  /** The candidate's log is at least as up to date as ours: a later last term wins; with equal last terms, the longer log wins. */
  private logUpToDate(m: { readonly lastLogTerm: number; readonly lastLogIndex: number }): boolean {
    const myLastTerm = this.lastLogTerm();
    return m.lastLogTerm > myLastTerm || (m.lastLogTerm === myLastTerm && m.lastLogIndex >= this.lastIndex());
  }

  private handleRequestVoteRequest(m: RequestVoteRequest): void {
    const grant =
      m.term === this.currentTerm && this.logUpToDate(m) && (this.votedFor === null || this.votedFor === m.source);
    if (grant) {
      this.votedFor = m.source;
      this.dirty = true;
      this.restartElectionTimer();
    }
    const send: RequestVoteResponse = {
      type: 'RequestVoteResponse',
      source: this.id,
      dest: m.source,
      term: this.currentTerm,
      voteGranted: grant,
    };
    this.out.push(send);
    this.emit('HandleRequestVoteRequest', { peer: m.source, msg: m, send });
  }

  private handleRequestVoteResponse(m: RequestVoteResponse): void {
    this.votesResponded.add(m.source);
    if (m.voteGranted) this.votesGranted.add(m.source);
    this.emit('HandleRequestVoteResponse', { peer: m.source, msg: m });
    if (this.role === 'Candidate' && this.votesGranted.size >= this.quorum) this.becomeLeader();
  }

  private becomeLeader(): void {
    this.role = 'Leader';
    this.resetLeaderBookkeeping();
    this.activePeers = new Set();
    // With CheckQuorum the countdown is the leader's check: the first comes one election timeout after winning.
    if (this.guards.checkQuorum) this.restartElectionTimer();
    this.emit('BecomeLeader', {});
    // A no-op entry of the new term (the Raft thesis, section 6.4): it commits
    // the earlier terms' entries the leader holds without waiting for a client
    // (Figure 8 forbids counting their replicas), and takes at once the index
    // of whatever a deposed leader appended there, so that a client waiting at
    // that leader hears its command was not applied. For the spec it is a
    // ClientRequest like any other.
    this.appendToLog([{ term: this.currentTerm, value: NO_OP }]);
    this.emit('ClientRequest', { value: NO_OP });
    this.broadcastAppendEntries();
    if (this.quorum === 1) this.advanceCommitIndex();
  }

  // --- Replication ---------------------------------------------------------

  private propose(value: string): boolean {
    if (this.role !== 'Leader') return false;
    this.appendToLog([{ term: this.currentTerm, value }]);
    this.emit('ClientRequest', { value });
    this.broadcastAppendEntries();
    // A leader that is its own quorum holds the entry on a majority already.
    if (this.quorum === 1) this.advanceCommitIndex();
    return true;
  }

  private broadcastAppendEntries(): void {
    for (const peer of this.peers) this.sendAppendEntries(peer);
  }

  /**
   * Sends the entries from the peer's nextIndex on, at most
   * maxEntriesPerMessage of them; the snapshot instead, if the first entry
   * the peer needs is in it.
   */
  private sendAppendEntries(peer: ServerId): void {
    const prevLogIndex = this.nextIndex.get(peer)! - 1;
    if (prevLogIndex < this.snapshot.index) {
      const pause = this.snapshotPause.get(peer) ?? 0;
      if (pause > 0) return void this.snapshotPause.set(peer, pause - 1);
      this.snapshotPause.set(peer, SNAPSHOT_RESEND_PAUSE);
      this.sendSnapshot(peer);
      return;
    }
    const from = prevLogIndex - this.snapshot.index;
    const send: AppendEntriesRequest = {
      type: 'AppendEntriesRequest',
      source: this.id,
      dest: peer,
      term: this.currentTerm,
      prevLogIndex,
      prevLogTerm: this.termAt(prevLogIndex),
      entries: this.log.slice(from, from + this.maxEntriesPerMessage),
      commitIndex: this.commitIndex,
    };
    this.out.push(send);
    this.emit('AppendEntries', { peer, send });
  }

  private handleAppendEntriesRequest(m: AppendEntriesRequest): void {
    if (m.term < this.currentTerm) {
      this.replyAppendEntries(m, false, 0);
      return;
    }
    // Same term: m comes from this term's only leader. A candidate (or
    // pre-candidate) of this term has lost the election and steps back.
    if (this.role === 'Candidate' || this.role === 'PreCandidate') this.role = 'Follower';
    if (this.guards.preVote) this.leaderSeen = true;
    this.restartElectionTimer();
    // A previous entry inside the snapshot is committed, so the leader of this term holds it too: it matches.
    const logOk =
      m.prevLogIndex === 0 ||
      m.prevLogIndex < this.snapshot.index ||
      (m.prevLogIndex <= this.lastIndex() && this.termAt(m.prevLogIndex) === m.prevLogTerm);
    if (!logOk) {
      this.replyAppendEntries(m, false, 0);
      return;
    }
    this.mergeEntries(m.prevLogIndex, m.entries);
    const lastNewIndex = m.prevLogIndex + m.entries.length;
    // Never move backwards: a delayed request may carry an older leaderCommit.
    const newCommit = Math.min(m.commitIndex, lastNewIndex);
    if (newCommit > this.commitIndex) this.commitIndex = newCommit;
    this.replyAppendEntries(m, true, lastNewIndex);
  }

  /**
   * Stores entries after prevLogIndex. Only a conflicting entry (same index,
   * different term) and what follows it are deleted: a stale or duplicated
   * request whose entries agree with ours must not shorten the log. Entries
   * the snapshot covers are held already.
   */
  private mergeEntries(prevLogIndex: number, entries: readonly Entry[]): void {
    for (let k = 0; k < entries.length; k++) {
      const index = prevLogIndex + 1 + k;
      const entry = entries[k]!;
      if (index <= this.snapshot.index) continue;
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === entry.term) continue;
        this.truncateLog(index - 1);
      }
      this.appendToLog(entries.slice(k));
      return;
    }
  }

  /** The answer to an AppendEntries, or to a snapshot (an AppendEntries response for its last index). */
  private replyAppendEntries(
    m: AppendEntriesRequest | InstallSnapshotRequest,
    success: boolean,
    matchIndex: number,
  ): void {
    const send: AppendEntriesResponse = {
      type: 'AppendEntriesResponse',
      source: this.id,
      dest: m.source,
      term: this.currentTerm,
      success,
      matchIndex,
    };
    this.out.push(send);
    const action = m.type === 'InstallSnapshotRequest' ? 'HandleInstallSnapshotRequest' : 'HandleAppendEntriesRequest';
    this.emit(action, { peer: m.source, msg: m, send });
  }

  private handleAppendEntriesResponse(m: AppendEntriesResponse): void {
    if (this.role === 'Leader') {
      const peer = m.source;
      this.snapshotPause.delete(peer);
      if (this.guards.checkQuorum) this.activePeers.add(peer);
      if (m.success) {
        this.nextIndex.set(peer, m.matchIndex + 1);
        this.matchIndex.set(peer, Math.max(this.matchIndex.get(peer)!, m.matchIndex));
      } else {
        this.nextIndex.set(peer, Math.max(this.nextIndex.get(peer)! - 1, 1));
      }
    }
    this.emit('HandleAppendEntriesResponse', { peer: m.source, msg: m });
    if (this.role === 'Leader') this.advanceCommitIndex();
  }

  /**
   * Commits the highest index stored on a majority, but only if that entry is
   * from the current term: counting replicas of an older term's entry is unsafe
   * (the Raft paper's Figure 8). Older entries commit along with it.
   */
  private advanceCommitIndex(): void {
    for (let index = this.lastIndex(); index > this.commitIndex; index--) {
      if (this.termAt(index) !== this.currentTerm) break;
      let replicas = 1;
      for (const p of this.peers) if (this.matchIndex.get(p)! >= index) replicas++;
      if (replicas >= this.quorum) {
        this.commitIndex = index;
        this.emit('AdvanceCommitIndex', {});
        return;
      }
    }
  }

  // --- Snapshots ---------------------------------------------------------------

  /** TakeSnapshot: the state machine saved itself at a committed index beyond the snapshot; the log keeps what follows. */
  private takeSnapshot(index: number, data: string): void {
    if (!this.snapshots) throw new Error(`${this.id} runs with snapshots off: it takes none`);
    if (!(Number.isSafeInteger(index) && index > this.snapshot.index && index <= this.lastApplied))
      throw new Error(
        `${this.id} cannot take a snapshot at ${index}: it must be applied and beyond the snapshot (snapshot ${this.snapshot.index}, applied ${this.lastApplied})`,
      );
    const term = this.termAt(index);
    this.log = this.log.slice(index - this.snapshot.index);
    this.snapshot = { index, term, data };
    this.logChangedInStep = true;
    this.dirty = true;
    this.emit('TakeSnapshot', { index });
  }

  /** SendSnapshot: the next entry the peer needs is in the snapshot; the whole of it goes, with the state machine's content. */
  private sendSnapshot(peer: ServerId): void {
    const traced: InstallSnapshotRequest = {
      type: 'InstallSnapshotRequest',
      source: this.id,
      dest: peer,
      term: this.currentTerm,
      lastIncludedIndex: this.snapshot.index,
      lastIncludedTerm: this.snapshot.term,
    };
    const wire = { ...traced, data: this.snapshot.data };
    tracedTwins.set(wire, traced);
    this.out.push(wire);
    this.emit('SendSnapshot', { peer, send: traced });
  }

  /**
   * The thesis's Figure 5.3. A snapshot of an older term is refused. One that
   * ends at or below the commitIndex brings nothing new: installing it would
   * move the state machine back, so it is only acknowledged. A newer one
   * replaces the snapshot and becomes the commitIndex; the log keeps the
   * entries after the snapshot's last one if it holds that entry with the
   * snapshot's term, and is discarded otherwise. The answer is an
   * AppendEntries response for the snapshot's index.
   */
  private handleInstallSnapshot(m: InstallSnapshotRequest): void {
    // (An older term's snapshot is refused, as an older term's AppendEntries is.)
    if (m.term < this.currentTerm) return this.replyAppendEntries(m, false, 0);
    if (this.role === 'Candidate' || this.role === 'PreCandidate') this.role = 'Follower';
    if (this.guards.preVote) this.leaderSeen = true;
    this.restartElectionTimer();
    const n = m.lastIncludedIndex;
    if (n > this.commitIndex) {
      if (m.data === undefined) throw new Error(`${this.id} received a snapshot without its content`);
      const holdsLast = n <= this.lastIndex() && this.termAt(n) === m.lastIncludedTerm;
      this.log = holdsLast ? this.log.slice(n - this.snapshot.index) : [];
      // A discarded log keeps nothing after the snapshot: the event says so by keeping up to its index.
      if (!holdsLast) this.logKeptSinceEvent = n;
      this.snapshot = { index: n, term: m.lastIncludedTerm, data: m.data };
      this.commitIndex = this.lastApplied = n;
      this.installedInStep = this.snapshot;
      this.logChangedInStep = true;
      this.dirty = true;
    }
    this.replyAppendEntries(m, true, n);
  }

  // --- Messages in general -------------------------------------------------

  private receive(m: Message): void {
    if (m.dest !== this.id) throw new Error(`${this.id} received a message for ${m.dest}`);
    // A pre-vote request, or a pre-vote granted, carries a term no one stands in yet.
    const preVoteTerm = m.type === 'PreVoteRequest' || (m.type === 'PreVoteResponse' && m.voteGranted);
    if (m.term > this.currentTerm && !preVoteTerm) {
      // A newer term exists: adopt it and become a follower, then handle the
      // message itself in that term (it stays in flight until then).
      this.currentTerm = m.term;
      this.role = 'Follower';
      this.votedFor = null;
      this.leaderSeen = false;
      this.dirty = true;
      this.emit('UpdateTerm', { msg: m });
    }
    switch (m.type) {
      case 'RequestVoteRequest':
        this.handleRequestVoteRequest(m);
        break;
      case 'AppendEntriesRequest':
        this.handleAppendEntriesRequest(m);
        break;
      case 'RequestVoteResponse':
        if (m.term < this.currentTerm) this.dropStaleResponse(m);
        else this.handleRequestVoteResponse(m);
        break;
      case 'AppendEntriesResponse':
        if (m.term < this.currentTerm) this.dropStaleResponse(m);
        else this.handleAppendEntriesResponse(m);
        break;
      case 'PreVoteRequest':
        this.handlePreVoteRequest(m);
        break;
      case 'PreVoteResponse':
        this.handlePreVoteResponse(m);
        break;
      case 'InstallSnapshotRequest':
        this.handleInstallSnapshot(m);
        break;
    }
  }

  private dropStaleResponse(m: RequestVoteResponse | AppendEntriesResponse): void {
    this.emit('DropStaleResponse', { peer: m.source, msg: m });
  }

  // --- The log ---------------------------------------------------------------
  // Every change goes through these two, so that the next event can say what
  // changed and the next Ready persists a fresh copy.

  /** Keeps the entries up to index `last`, which is beyond the snapshot. */
  private truncateLog(last: number): void {
    this.log.length = last - this.snapshot.index;
    this.logKeptSinceEvent = Math.min(this.logKeptSinceEvent, last);
    this.logChangedInStep = true;
    this.dirty = true;
  }

  private appendToLog(entries: readonly Entry[]): void {
    for (const e of entries) this.log.push(e);
    this.logChangedInStep = true;
    this.dirty = true;
  }

  /** The change since the last event, if any: entries kept (up to an absolute index), then entries appended. */
  private takeLogChange(): LogChange | undefined {
    const keep = this.logKeptSinceEvent;
    const last = this.lastIndex();
    const changed = keep !== this.logAtEvent || last !== keep;
    this.logAtEvent = this.logKeptSinceEvent = last;
    return changed ? { keep, append: this.log.slice(keep - this.snapshot.index) } : undefined;
  }

  // --- Bookkeeping ---------------------------------------------------------

  /** Figure 2: heard from this term's leader, or granted a vote. The driver restarts the countdown; the next event says so. */
  private restartElectionTimer(): void {
    this.resetTimer = true;
    this.timerRestarted = true;
  }

  private resetLeaderBookkeeping(): void {
    this.snapshotPause.clear();
    for (const p of this.peers) {
      this.nextIndex.set(p, this.lastIndex() + 1);
      this.matchIndex.set(p, 0);
    }
  }

  private lastLogTerm(): number {
    return this.termAt(this.lastIndex());
  }

  /** The index of the last entry, in the log or (an empty log after it) the snapshot. */
  private lastIndex(): number {
    return this.snapshot.index + this.log.length;
  }

  /** The term of entry `index`, from the snapshot's index on (0 at index 0). */
  private termAt(index: number): number {
    if (index === this.snapshot.index) return this.snapshot.term;
    const e = this.log[index - this.snapshot.index - 1];
    if (!e)
      throw new Error(
        `${this.id} has no entry ${index} (snapshot at ${this.snapshot.index}, log to ${this.lastIndex()})`,
      );
    return e.term;
  }

  private sortedMembers(set: ReadonlySet<ServerId>): ServerId[] {
    return this.servers.filter((s) => set.has(s));
  }

  private emit(
    action: ServerAction,
    params: { peer?: ServerId; value?: string; index?: number; msg?: Message; send?: Message },
  ): void {
    const logChange = this.takeLogChange();
    // Messages as the trace records them: a snapshot without its content.
    if (params.msg) params.msg = tracedMessage(params.msg);
    const event: ServerEvent = {
      action,
      node: this.id,
      ...params,
      ...(logChange ? { logChange } : {}),
      state: this.tracedState(),
      ...(this.timerRestarted ? { timer: true as const } : {}),
    };
    this.timerRestarted = false;
    this.events.push(event);
  }

  private finish(accepted: boolean): Ready {
    const committed: CommittedEntry[] = [];
    while (this.lastApplied < this.commitIndex) {
      this.lastApplied++;
      committed.push({ index: this.lastApplied, entry: this.log[this.lastApplied - this.snapshot.index - 1]! });
    }
    if (this.logChangedInStep) this.persistedLog = this.log.slice();
    const ready: Ready = {
      persist: this.dirty ? this.durable() : null,
      logChanged: this.logChangedInStep,
      messages: this.out,
      committed,
      installed: this.installedInStep,
      resetElectionTimer: this.resetTimer,
      accepted,
      events: this.events,
    };
    this.out = [];
    this.events = [];
    this.dirty = false;
    this.logChangedInStep = false;
    this.installedInStep = null;
    this.resetTimer = false;
    return ready;
  }

  private durable(): DurableState {
    const base = { currentTerm: this.currentTerm, votedFor: this.votedFor, log: this.persistedLog };
    return this.snapshot.index > 0 ? { ...base, snapshot: this.snapshot } : base;
  }
}
