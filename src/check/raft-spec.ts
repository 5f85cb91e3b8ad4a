// spec/Raft.tla transcribed into TypeScript, action by action, for the
// in-process trace checker (in-process-checker.ts): the same variables, the
// same enabling conditions, the same post-states and messages, and the same
// safety properties, evaluated on the change a step makes exactly as
// spec/RaftTrace.tla's SafetyOfStep does. Each function names the operator
// of Raft.tla or RaftTrace.tla it mirrors; a change to either module needs
// the same change here, and the differential fuzzer (src/check/differential.ts:
// make fuzz-checkers, and a sample in make test) fails until it is made.
//
// Every action of the spec is deterministic once the event names its
// parameters (the server, the peer, the value, the message), so a step is
// computed, not searched for: one post-state per event, or none.
//
// Indexes are absolute, as in Raft.tla: a server's log holds the entries
// after its snapshot (snapshotIndex), so entry k is log[k - snapshotIndex - 1]
// here (EntryAt), and LastIndex is snapshotIndex plus the log's length.
import { NO_GUARDS, type Entry, type Guards, type Message, type Role, type ServerId } from '../raft/types.js';
import type { LogChange } from '../raft/events.js';
import { canonicalMessageKey as messageKey, type CommittedRecord } from '../trace/replay.js';
import type { Guard } from '../verdict/diagnosis.js';

/** A server's variables in the spec (currentTerm is `term`, as events name it). */
export interface SpecServer {
  readonly term: number;
  readonly votedFor: ServerId | null;
  /** Owned by the state: changed in place when a step is applied. */
  readonly log: Entry[];
  readonly role: Role;
  readonly commitIndex: number;
  readonly votesResponded: ReadonlySet<ServerId>;
  readonly votesGranted: ReadonlySet<ServerId>;
  readonly nextIndex: Readonly<Record<ServerId, number>>;
  readonly matchIndex: Readonly<Record<ServerId, number>>;
  readonly leaderSeen: boolean;
  readonly activePeers: ReadonlySet<ServerId>;
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
}

/** How a step changes a log, in the shape events carry it (RaftTrace's Change): its entries up to index `keep` stay, `append` follows. */
export type LogDelta = LogChange;

/** A server's variables after a step: the log as a change of the one before. */
export type SpecPost = Omit<SpecServer, 'log'> & { readonly log: LogDelta };

/** The spec's variables (Raft.tla's VARIABLES), with the history kept indexed for the properties. */
export interface SpecState {
  readonly servers: readonly ServerId[];
  /** The constants UsePreVote and UseCheckQuorum. */
  readonly guards: Guards;
  /** stoodFor (PreVote only). */
  stoodFor: number;
  readonly server: Map<ServerId, SpecServer>;
  /** messages: the bag, by messageKey. */
  readonly bag: Map<string, { readonly msg: Message; copies: number }>;
  /** elected, by term: the leaders elected in it. */
  readonly elected: Map<number, Set<ServerId>>;
  /**
   * committed, compacted as the replay compacts it (src/trace/replay.ts): a
   * record whose entry is already recorded at its index in the same or an
   * earlier term adds nothing the properties can see.
   */
  readonly committed: CommittedRecord[];
  /** Per `index:term:value`, the earliest term its commit was recorded in. */
  readonly committedIn: Map<string, number>;
  /** Per index, the distinct entries committed at it (for CommittedOnce). */
  readonly committedAt: Map<number, Entry[]>;
}

/** An evaluation TLC itself would refuse (it stops with an error); the checker reports it as an error, as for TLC. */
export class SpecEvalError extends Error {}

/** Init. */
export function initialSpecState(servers: readonly ServerId[], guards: Guards = NO_GUARDS): SpecState {
  const server = new Map<ServerId, SpecServer>();
  for (const i of servers) {
    server.set(i, {
      term: 0,
      votedFor: null,
      log: [],
      role: 'Follower',
      commitIndex: 0,
      votesResponded: new Set(),
      votesGranted: new Set(),
      nextIndex: peersMap(servers, i, 1),
      matchIndex: peersMap(servers, i, 0),
      leaderSeen: false,
      activePeers: new Set(),
      snapshotIndex: 0,
      snapshotTerm: 0,
    });
  }
  return {
    servers,
    guards,
    stoodFor: 0,
    server,
    bag: new Map(),
    elected: new Map(),
    committed: [],
    committedIn: new Map(),
    committedAt: new Map(),
  };
}

function peersMap(servers: readonly ServerId[], i: ServerId, value: number): Record<ServerId, number> {
  const m: Record<ServerId, number> = {};
  for (const j of servers) if (j !== i) m[j] = value;
  return m;
}

// --- Helpers (Raft.tla's) ------------------------------------------------------

/** Quorum(S). */
export function quorum(size: number, clusterSize: number): boolean {
  return size * 2 > clusterSize;
}

/** A server's log and snapshot: what the indexing operators read. */
type Indexed = Pick<SpecServer, 'log' | 'snapshotIndex' | 'snapshotTerm'>;

/** LastIndex(i). */
export const lastIndex = (s: Pick<SpecServer, 'log' | 'snapshotIndex'>) => s.snapshotIndex + s.log.length;

/** EntryAt(i, k); of an index the log does not hold, an error in TLC. */
function entryAt(s: Indexed, k: number): Entry {
  const e = k > s.snapshotIndex ? s.log[k - s.snapshotIndex - 1] : undefined;
  if (!e) throw new SpecEvalError(`index ${k} is out of the log's domain ${s.snapshotIndex + 1}..${lastIndex(s)}`);
  return e;
}

/** TermAt(i, k). */
const termAt = (s: Indexed, k: number) => (k === s.snapshotIndex ? s.snapshotTerm : entryAt(s, k).term);

/** LastTerm(i). */
const lastTerm = (s: Indexed) => termAt(s, lastIndex(s));

const sameEntry = (a: Entry, b: Entry) => a.term === b.term && a.value === b.value;

/** SubSeq(s, m, n): empty when m > n, an error outside the sequence. */
function subSeq<T>(s: readonly T[], m: number, n: number): T[] {
  if (m > n) return [];
  if (m < 1 || n > s.length) throw new SpecEvalError(`SubSeq(s, ${m}, ${n}) of a sequence of length ${s.length}`);
  return s.slice(m - 1, n);
}

/**
 * Merge(lg, prev, ents), as a change of lg (indexes in lg, from 1): entries held stay; from the first
 * conflict (same index, other term) on, the log is replaced; entries beyond
 * its end are added.
 */
function merge(lg: readonly Entry[], prev: number, ents: readonly Entry[]): LogDelta {
  for (let k = 1; k <= ents.length; k++) {
    if (prev + k <= lg.length && lg[prev + k - 1]!.term !== ents[k - 1]!.term) {
      // (*B: conflicting suffix replaced *)
      return { keep: prev + k - 1, append: ents.slice(k - 1) };
    }
  }
  if (prev + ents.length <= lg.length) return { keep: lg.length, append: [] }; // (*B: entries already held *)
  return { keep: lg.length, append: subSeq(ents, lg.length - prev + 1, ents.length) }; // (*B: entries appended *)
}

/**
 * MergeAfterSnapshot(i, m), as a change of i's log by absolute index: the
 * entries of m beyond i's snapshot merged into the log.
 */
function mergeAfterSnapshot(s: SpecServer, prev: number, ents: readonly Entry[]): LogDelta {
  const si = s.snapshotIndex;
  const d =
    prev >= si
      ? merge(s.log, prev - si, ents) // (*B: entries follow the log *)
      : merge(s.log, 0, subSeq(ents, si - prev + 1, ents.length)); // (*B: entries inside the snapshot skipped *)
  return { keep: d.keep + si, append: d.append };
}

/** The entry at index x of a log after a change (x beyond the snapshot after it). */
function entryAfter(pre: Indexed, d: LogDelta, x: number): Entry | undefined {
  return x <= d.keep ? entryAt(pre, x) : d.append[x - d.keep - 1];
}

/** LastIndex after a change (one that keeps at least the new snapshot, as every checked trace's does). */
const lengthAfter = (d: LogDelta) => d.keep + d.append.length;

/**
 * The log after a change that leaves the snapshot at index `snapshot`, as
 * RaftTrace's LoggedPost rebuilds it: the kept entries after the snapshot,
 * then the appended ones (empty for a snapshot moved back, which differs by
 * its index anyway).
 */
export function logAfter(pre: Indexed, d: LogDelta, snapshot: number): Entry[] {
  if (snapshot < pre.snapshotIndex) return [];
  return [...subSeq(pre.log, snapshot - pre.snapshotIndex + 1, d.keep - pre.snapshotIndex), ...d.append];
}

/** Whether two changes of one log, each with the snapshot after it, give the same log. */
export function sameLog(pre: Indexed, a: LogDelta, aSnapshot: number, b: LogDelta, bSnapshot: number): boolean {
  if (aSnapshot !== bSnapshot || aSnapshot < pre.snapshotIndex)
    return sameEntries(logAfter(pre, a, aSnapshot), logAfter(pre, b, bSnapshot));
  if (lengthAfter(a) !== lengthAfter(b)) return false;
  for (let x = Math.max(Math.min(a.keep, b.keep), aSnapshot) + 1; x <= lengthAfter(a); x++) {
    if (!sameEntry(entryAfter(pre, a, x)!, entryAfter(pre, b, x)!)) return false;
  }
  return true;
}

function sameEntries(a: readonly Entry[], b: readonly Entry[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!sameEntry(a[k]!, b[k]!)) return false;
  return true;
}

const unchangedLog = (s: Indexed): LogDelta => ({ keep: lastIndex(s), append: [] });

function post(s: SpecServer, changes: Partial<SpecPost>): SpecPost {
  return { ...s, log: unchangedLog(s), ...changes };
}

// --- Message types ---------------------------------------------------------------

/** RequestVoteRequest(i, j). */
function requestVoteRequest(i: ServerId, j: ServerId, s: SpecServer): Message {
  return {
    type: 'RequestVoteRequest',
    source: i,
    dest: j,
    term: s.term,
    lastLogTerm: lastTerm(s),
    lastLogIndex: lastIndex(s),
  };
}

/** PreVoteRequest(i, j). */
function preVoteRequest(i: ServerId, j: ServerId, s: SpecServer): Message {
  return {
    type: 'PreVoteRequest',
    source: i,
    dest: j,
    term: s.term + 1,
    lastLogTerm: lastTerm(s),
    lastLogIndex: lastIndex(s),
  };
}

/** AppendEntriesRequest(i, j). */
function appendEntriesRequest(i: ServerId, j: ServerId, s: SpecServer, maxEntries: number): Message {
  const next = s.nextIndex[j]!;
  const prev = next - 1;
  const from = next - s.snapshotIndex; // where the entries start in log[i]
  return {
    type: 'AppendEntriesRequest',
    source: i,
    dest: j,
    term: s.term,
    prevLogIndex: prev,
    prevLogTerm: termAt(s, prev),
    entries: subSeq(s.log, from, Math.min(s.log.length, from - 1 + maxEntries)),
    commitIndex: s.commitIndex,
  };
}

/** InstallSnapshotRequest(i, j). */
function installSnapshotRequest(i: ServerId, j: ServerId, s: SpecServer): Message {
  return {
    type: 'InstallSnapshotRequest',
    source: i,
    dest: j,
    term: s.term,
    lastIncludedIndex: s.snapshotIndex,
    lastIncludedTerm: s.snapshotTerm,
  };
}

// --- Actions -------------------------------------------------------------------------

/** The parameters an event gives its action (RaftTrace's SpecStep reads them from the event). */
export interface ActionCall {
  readonly action: string;
  readonly node?: ServerId;
  readonly peer?: ServerId;
  readonly value?: string;
  /** TakeSnapshot's n. */
  readonly index?: number;
  readonly msg?: Message;
}

/**
 * RestartsElectionTimer(action, i, m, reply): whether the step restarts
 * server i's election countdown, on the state before it; `reply` is the
 * message the step sends (the logged one, which has matched the spec's).
 */
export function restartsElectionTimer(state: SpecState, e: ActionCall, reply: Message | undefined): boolean {
  if (e.action === 'Timeout' || e.action === 'StartElection' || e.action === 'CheckQuorum') return true;
  if (e.action === 'BecomeLeader') return state.guards.checkQuorum;
  if (e.action === 'HandleRequestVoteRequest') return reply?.type === 'RequestVoteResponse' && reply.voteGranted;
  if (e.action === 'HandleAppendEntriesRequest' || e.action === 'HandleInstallSnapshotRequest')
    return e.msg!.term === serverOf(state, e.node).term;
  return false;
}

/** The step an enabled action takes. */
export interface SpecStepResult {
  /** The acting server's variables after the step (null for the network's actions). */
  readonly post: SpecPost | null;
  /** Messages added to and removed from the bag (RaftTrace's Sent and Taken). */
  readonly sent: readonly Message[];
  readonly taken: readonly Message[];
  /** A record added to `elected`, if any. */
  readonly elected: { readonly term: number; readonly leader: ServerId } | null;
  /** Records added to `committed`, before compaction. */
  readonly committed: readonly CommittedRecord[];
  /** The step is Restart(i) (CommitIndexMonotonic allows it to lose commitIndex). */
  readonly restart: boolean;
  /** stoodFor after the step. */
  readonly stoodFor: number | null;
}

const step = (p: Partial<SpecStepResult>): SpecStepResult => ({
  post: null,
  sent: [],
  taken: [],
  elected: null,
  committed: [],
  restart: false,
  stoodFor: null,
  ...p,
});

export const inFlight = (state: SpecState, m: Message, key?: string) => state.bag.has(key ?? messageKey(m));

/** Whether two messages are the same record (as TLC compares them). */
export function sameMessage(a: Message, b: Message): boolean {
  if (a === b) return true;
  if (a.type !== b.type || a.source !== b.source || a.dest !== b.dest || a.term !== b.term) return false;
  if (Object.keys(a).length !== Object.keys(b).length) return false;
  switch (a.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      return a.lastLogTerm === (b as typeof a).lastLogTerm && a.lastLogIndex === (b as typeof a).lastLogIndex;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      return a.voteGranted === (b as typeof a).voteGranted;
    case 'AppendEntriesResponse':
      return a.success === (b as typeof a).success && a.matchIndex === (b as typeof a).matchIndex;
    case 'InstallSnapshotRequest':
      return (
        a.lastIncludedIndex === (b as typeof a).lastIncludedIndex &&
        a.lastIncludedTerm === (b as typeof a).lastIncludedTerm
      );
    case 'AppendEntriesRequest': {
      const c = b as typeof a;
      if (a.prevLogIndex !== c.prevLogIndex || a.prevLogTerm !== c.prevLogTerm || a.commitIndex !== c.commitIndex)
        return false;
      if (!Array.isArray(c.entries) || a.entries.length !== c.entries.length) return false;
      for (let k = 0; k < a.entries.length; k++) {
        const x = a.entries[k]!;
        const y = c.entries[k]!;
        if (x.term !== y.term || x.value !== y.value || Object.keys(y).length !== 2) return false;
      }
      return true;
    }
  }
  return messageKey(a) === messageKey(b);
}

/** Committable(i): the indexes of the current term's entries stored on a majority. */
export function committable(state: SpecState, i: ServerId, s: SpecServer): number[] {
  const n = state.servers.length;
  const out: number[] = [];
  // k \in Retained(i)
  for (let k = s.snapshotIndex + 1; k <= lastIndex(s); k++) {
    let agree = 1;
    for (const j of state.servers) if (j !== i && s.matchIndex[j]! >= k) agree++;
    if (quorum(agree, n) && entryAt(s, k).term === s.term) out.push(k);
  }
  return out;
}

/**
 * Max(Committable(i)), or 0 if it is empty, without building the set: a
 * majority's agreement only shrinks as k grows, so the candidates are the
 * indexes up to the majority's smallest matchIndex; among them the highest
 * of the current term. (Terms along a log never decrease, LogTermsInOrder,
 * so the scan stops at the first older term.)
 */
function maxCommittable(state: SpecState, i: ServerId, s: SpecServer): number {
  const n = state.servers.length;
  const matches: number[] = [];
  for (const j of state.servers) if (j !== i) matches.push(s.matchIndex[j]!);
  matches.sort((a, b) => b - a);
  let need = 0;
  while (!quorum(need + 1, n)) need++;
  let top = need === 0 ? lastIndex(s) : Math.min(matches[need - 1] ?? 0, lastIndex(s));
  for (; top > s.snapshotIndex; top--) {
    const t = entryAt(s, top).term;
    if (t === s.term) return top;
    if (t < s.term) return 0;
  }
  return 0;
}

/** The variables of server `id`; an error, as in TLC, for a server outside the cluster. */
function serverOf(state: SpecState, id: ServerId | undefined): SpecServer {
  const s = id === undefined ? undefined : state.server.get(id);
  if (!s) throw new SpecEvalError(`${JSON.stringify(id)} is not a server of the cluster`);
  return s;
}

/**
 * The step the event's action takes from `state` (RaftTrace's SpecStep), or
 * null when it is not enabled: when one of its conditions (CONDITIONS, the
 * same list a diagnosis reads) is false. Throws SpecEvalError where TLC's
 * evaluation would fail.
 */
export function specStep(state: SpecState, e: ActionCall, maxEntries: number, msgKey?: string): SpecStepResult | null {
  if (!enabled(state, e, msgKey)) return null;
  const effect = EFFECTS[e.action];
  if (!effect) throw new SpecEvalError(`no action of the spec is named ${JSON.stringify(e.action)}`);
  return effect({ state, e, maxEntries, i: e.node!, m: e.msg! });
}

/** What an enabled action's effect reads: the state, the event, its server and (for the actions that read one) its message. */
interface EffectContext {
  readonly state: SpecState;
  readonly e: ActionCall;
  readonly maxEntries: number;
  readonly i: ServerId;
  readonly m: Message;
}

type Effect = (c: EffectContext) => SpecStepResult | null;

/** The server's actions that read no message. */
const SERVER_EFFECTS: Readonly<Record<string, Effect>> = {
  // Timeout(i): (*B: election starts *) or, with PreVote, (*B: pre-vote starts *)
  Timeout: ({ state, i }) => {
    const s = serverOf(state, i);
    const votes = () => new Set([i]);
    const tallies = { votesResponded: votes(), votesGranted: votes(), leaderSeen: false };
    if (state.guards.preVote) return step({ post: post(s, { role: 'PreCandidate', ...tallies }) });
    return step({ post: post(s, { term: s.term + 1, role: 'Candidate', votedFor: i, ...tallies }) });
  },
  // RequestPreVote(i, j)
  RequestPreVote: ({ state, e, i }) => {
    const s = serverOf(state, i);
    return step({ post: post(s, {}), sent: [preVoteRequest(i, e.peer!, s)] });
  },
  // StartElection(i)
  StartElection: ({ state, i }) => {
    const s = serverOf(state, i);
    const votes = () => new Set([i]);
    return step({
      post: post(s, {
        term: s.term + 1,
        role: 'Candidate',
        votedFor: i,
        votesResponded: votes(),
        votesGranted: votes(),
      }),
      stoodFor: state.guards.preVote ? Math.max(state.stoodFor, s.term + 1) : null, // StandsIn(currentTerm[i] + 1)
    });
  },
  // CheckQuorum(i): (*B: quorum heard, still leader *) or (*B: quorum lost, steps down *)
  CheckQuorum: ({ state, i }) => {
    const s = serverOf(state, i);
    const heard = quorum(s.activePeers.size + 1, state.servers.length);
    return step({ post: post(s, { activePeers: new Set(), ...(heard ? {} : { role: 'Follower' as Role }) }) });
  },
  // RequestVote(i, j)
  RequestVote: ({ state, e, i }) => {
    const s = serverOf(state, i);
    return step({ post: post(s, {}), sent: [requestVoteRequest(i, e.peer!, s)] });
  },
  // BecomeLeader(i)
  BecomeLeader: ({ state, i }) => {
    const s = serverOf(state, i);
    return step({
      post: post(s, {
        role: 'Leader',
        nextIndex: peersMap(state.servers, i, lastIndex(s) + 1),
        matchIndex: peersMap(state.servers, i, 0),
        activePeers: new Set(),
      }),
      elected: { term: s.term, leader: i },
    });
  },
  // ClientRequest(i, v): v \in Value holds, as Value is the values the trace's ClientRequest events name.
  ClientRequest: ({ state, e, i }) => {
    const s = serverOf(state, i);
    return step({ post: post(s, { log: { keep: lastIndex(s), append: [{ term: s.term, value: e.value! }] } }) });
  },
  // AdvanceCommitIndex(i)
  AdvanceCommitIndex: ({ state, i }) => {
    const s = serverOf(state, i);
    const top = maxCommittable(state, i, s);
    const committed: CommittedRecord[] = [];
    for (let k = s.commitIndex + 1; k <= top; k++) committed.push({ index: k, entry: entryAt(s, k), inTerm: s.term });
    return step({ post: post(s, { commitIndex: top }), committed });
  },
  // AppendEntries(i, j)
  AppendEntries: ({ state, e, i, maxEntries }) => {
    const s = serverOf(state, i);
    return step({ post: post(s, {}), sent: [appendEntriesRequest(i, e.peer!, s, maxEntries)] });
  },
  // SendSnapshot(i, j)
  SendSnapshot: ({ state, e, i }) => {
    const s = serverOf(state, i);
    return step({ post: post(s, {}), sent: [installSnapshotRequest(i, e.peer!, s)] });
  },
  // TakeSnapshot(i, n): the log keeps the entries after n.
  TakeSnapshot: ({ state, e, i }) => {
    const s = serverOf(state, i);
    const n = e.index!;
    return step({ post: post(s, { snapshotIndex: n, snapshotTerm: entryAt(s, n).term }) });
  },
  // Restart(i)
  Restart: ({ state, i }) => {
    const s = serverOf(state, i);
    return step({
      post: post(s, {
        role: 'Follower',
        commitIndex: s.snapshotIndex,
        votesResponded: new Set(),
        votesGranted: new Set(),
        nextIndex: peersMap(state.servers, i, lastIndex(s) + 1),
        matchIndex: peersMap(state.servers, i, 0),
        leaderSeen: false,
        activePeers: new Set(),
      }),
      restart: true,
    });
  },
};

/** The network's actions: InFlight(e.msg) /\ Action(e.msg). */
const NETWORK_EFFECTS: Readonly<Record<string, Effect>> = {
  DropMessage: ({ m }) => step({ taken: [m] }), // DropMessage(m)
  DuplicateMessage: ({ m }) => step({ sent: [m] }), // DuplicateMessage(m)
};

/** A server's action on a message it received: InFlight(e.msg) /\ Action(e.node, e.msg), on the receiver's variables. */
type Receive = (s: SpecServer, c: EffectContext) => SpecStepResult | null;

const receive =
  (r: Receive): Effect =>
  (c) =>
    r(serverOf(c.state, c.i), c);

/** The server's actions that read a message. */
const RECEIVE_EFFECTS: Readonly<Record<string, Effect>> = {
  // UpdateTerm(i, m)
  UpdateTerm: receive((s, { m }) =>
    step({ post: post(s, { term: m.term, role: 'Follower', votedFor: null, leaderSeen: false }) }),
  ),
  HandleRequestVoteRequest: receive(handleRequestVoteRequest),
  HandlePreVoteRequest: receive(handlePreVoteRequest),
  HandlePreVoteResponse: receive(handlePreVoteResponse),
  // HandleRequestVoteResponse(i, m)
  HandleRequestVoteResponse: receive((s, { m }) => {
    if (m.type !== 'RequestVoteResponse') return null; // (its condition held: this tells TypeScript)
    const responded = new Set(s.votesResponded).add(m.source);
    // (*B: vote counted *) or (*B: refusal noted *)
    const granted = m.voteGranted ? new Set(s.votesGranted).add(m.source) : s.votesGranted;
    return step({ post: post(s, { votesResponded: responded, votesGranted: granted }), taken: [m] });
  }),
  HandleAppendEntriesRequest: receive(handleAppendEntriesRequest),
  HandleAppendEntriesResponse: receive(handleAppendEntriesResponse),
  HandleInstallSnapshotRequest: receive(handleInstallSnapshotRequest),
  // DropStaleResponse(i, m)
  DropStaleResponse: receive((s, { m }) => step({ post: post(s, {}), taken: [m] })),
};

/** Every action's effect, once it is enabled (RaftTrace's SpecStep), by name. */
const EFFECTS: Readonly<Record<string, Effect>> = { ...SERVER_EFFECTS, ...NETWORK_EFFECTS, ...RECEIVE_EFFECTS };

/** UpToDate(i, m): the log a vote or pre-vote request describes is at least as up to date as the server's. */
function upToDate(s: SpecServer, m: { readonly lastLogTerm: number; readonly lastLogIndex: number }): boolean {
  return m.lastLogTerm > lastTerm(s) || (m.lastLogTerm === lastTerm(s) && m.lastLogIndex >= lastIndex(s));
}

// HandlePreVoteRequest(i, m): (*B: pre-vote granted *) or (*B: pre-vote refused *)
function handlePreVoteRequest(s: SpecServer, { i, m }: EffectContext): SpecStepResult | null {
  if (m.type !== 'PreVoteRequest') return null; // (its condition held: this tells TypeScript)
  const grant = m.term > s.term && upToDate(s, m) && s.role !== 'Leader' && !s.leaderSeen;
  return step({
    post: post(s, {}),
    taken: [m],
    sent: [{ type: 'PreVoteResponse', source: i, dest: m.source, term: grant ? m.term : s.term, voteGranted: grant }],
  });
}

// HandlePreVoteResponse(i, m): (*B: pre-vote counted *), (*B: pre-vote refusal noted *) or (*B: pre-vote answer dropped *)
function handlePreVoteResponse(s: SpecServer, { m }: EffectContext): SpecStepResult | null {
  if (m.type !== 'PreVoteResponse') return null; // (its condition held: this tells TypeScript)
  const counts = s.role === 'PreCandidate' && (!m.voteGranted || m.term === s.term + 1);
  if (!counts) return step({ post: post(s, {}), taken: [m] });
  const responded = new Set(s.votesResponded).add(m.source);
  const granted = m.voteGranted ? new Set(s.votesGranted).add(m.source) : s.votesGranted;
  return step({ post: post(s, { votesResponded: responded, votesGranted: granted }), taken: [m] });
}

// HandleRequestVoteRequest(i, m)
function handleRequestVoteRequest(s: SpecServer, { i, m }: EffectContext): SpecStepResult | null {
  if (m.type !== 'RequestVoteRequest') return null; // (its condition held: this tells TypeScript)
  const j = m.source;
  const grant = m.term === s.term && upToDate(s, m) && (s.votedFor === null || s.votedFor === j);
  return step({
    post: post(s, grant ? { votedFor: j } : {}), // (*B: vote granted *) or (*B: vote refused *)
    taken: [m],
    sent: [{ type: 'RequestVoteResponse', source: i, dest: j, term: s.term, voteGranted: grant }],
  });
}

// HandleAppendEntriesRequest(i, m)
function handleAppendEntriesRequest(s: SpecServer, { state, i, m }: EffectContext): SpecStepResult | null {
  if (m.type !== 'AppendEntriesRequest') return null; // (its condition held: this tells TypeScript)
  const logOk =
    m.prevLogIndex === 0 || m.prevLogIndex < s.snapshotIndex
      ? true
      : m.prevLogIndex <= lastIndex(s) && termAt(s, m.prevLogIndex) === m.prevLogTerm;
  const accept = m.term === s.term && logOk;
  const lastNew = m.prevLogIndex + m.entries.length;
  const role: Role = m.term === s.term ? 'Follower' : s.role;
  // With PreVote, a request of its term tells i that its leader is alive.
  const seen = state.guards.preVote && m.term === s.term ? { leaderSeen: true } : {};
  let changes: Partial<SpecPost> = { role, ...seen };
  // (*B: refused, stale term *) or (*B: refused, log mismatch *) leave log and commitIndex; (*B: accepted *) merges.
  if (accept) {
    const commit = Math.min(m.commitIndex, lastNew);
    changes = {
      role,
      ...seen,
      log: mergeAfterSnapshot(s, m.prevLogIndex, m.entries),
      commitIndex: commit > s.commitIndex ? commit : s.commitIndex, // (*B: follower commit advances *)
    };
  }
  const response: Message = {
    type: 'AppendEntriesResponse',
    source: i,
    dest: m.source,
    term: s.term,
    success: accept,
    matchIndex: accept ? lastNew : 0,
  };
  return step({ post: post(s, changes), taken: [m], sent: [response] });
}

// HandleAppendEntriesResponse(i, m)
function handleAppendEntriesResponse(s: SpecServer, { state, i, m }: EffectContext): SpecStepResult | null {
  if (m.type !== 'AppendEntriesResponse') return null; // (its condition held: this tells TypeScript)
  const j = m.source;
  let changes: Partial<SpecPost> = {};
  // Else (*B: ignored by a non-leader *).
  if (s.role === 'Leader') {
    if (!(j in s.nextIndex)) throw new SpecEvalError(`nextIndex[${i}][${j}]: ${j} is not a peer of ${i}`);
    // (*B: success recorded *) or (*B: nextIndex backs off *)
    if (m.success) {
      changes = {
        nextIndex: { ...s.nextIndex, [j]: m.matchIndex + 1 },
        matchIndex: { ...s.matchIndex, [j]: Math.max(s.matchIndex[j]!, m.matchIndex) },
      };
    } else {
      changes = { nextIndex: { ...s.nextIndex, [j]: Math.max(s.nextIndex[j]! - 1, 1) } };
    }
    // With CheckQuorum, the peer answered: it counts as active.
    if (state.guards.checkQuorum) changes = { ...changes, activePeers: new Set(s.activePeers).add(j) };
  }
  return step({ post: post(s, changes), taken: [m] });
}

// HandleInstallSnapshotRequest(i, m)
function handleInstallSnapshotRequest(s: SpecServer, { state, i, m }: EffectContext): SpecStepResult | null {
  if (m.type !== 'InstallSnapshotRequest') return null; // (its condition held: this tells TypeScript)
  const n = m.lastIncludedIndex;
  const role: Role = m.term === s.term ? 'Follower' : s.role;
  const seen = state.guards.preVote && m.term === s.term ? { leaderSeen: true } : {};
  const answer = (ok: boolean): Message => ({
    type: 'AppendEntriesResponse',
    source: i,
    dest: m.source,
    term: s.term,
    success: ok,
    matchIndex: ok ? n : 0,
  });
  // (*B: snapshot refused, stale term *) and (*B: snapshot already applied *) leave log, commitIndex and snapshot.
  if (m.term < s.term) return step({ post: post(s, { role, ...seen }), taken: [m], sent: [answer(false)] });
  if (!(n > s.commitIndex)) return step({ post: post(s, { role, ...seen }), taken: [m], sent: [answer(true)] });
  // (Read only where n > commitIndex[i] >= snapshotIndex[i].)
  const holdsLast = n <= lastIndex(s) && entryAt(s, n).term === m.lastIncludedTerm;
  const installed = { snapshotIndex: n, snapshotTerm: m.lastIncludedTerm, commitIndex: n };
  // (*B: snapshot installed, log suffix kept *) or (*B: snapshot installed, log discarded *)
  const log: LogDelta = holdsLast ? unchangedLog(s) : { keep: n, append: [] };
  return step({ post: post(s, { role, ...seen, ...installed, log }), taken: [m], sent: [answer(true)] });
}

/** j \in Peers(i). */
const isPeer = (state: SpecState, i: ServerId, j: ServerId | undefined) =>
  j !== undefined && j !== i && state.server.has(j);

// --- Enabling conditions, for a diagnosis (RaftTrace's Guards) ---------------------------

const sorted = (s: ReadonlySet<ServerId>) => [...s].sort();

/** What an enabling condition reads: the state, the event's action call, and the message's bag key if known. */
interface GuardContext {
  readonly state: SpecState;
  readonly e: ActionCall;
  readonly key: string | undefined;
}

/**
 * One enabling condition of a spec action, written once: specStep takes the
 * step only if every condition of its action holds (in order, stopping at the
 * first false), and a diagnosis lists each with its values (RaftTrace's
 * Guards(e), whose texts these are: test/unit/spec-mirror.test.ts holds the
 * two alike).
 */
interface Condition {
  readonly text: string;
  readonly holds: (c: GuardContext) => boolean;
  readonly values: (c: GuardContext) => Array<readonly [string, unknown]>;
}

/** The acting server's variables; an error, as in TLC, for a server outside the cluster. */
const me = (c: GuardContext) => serverOf(c.state, c.e.node);
const msg = (c: GuardContext) => c.e.msg!;
const none = () => [];

const role = (text: string, ok: (r: Role) => boolean): Condition => ({
  text,
  holds: (c) => ok(me(c).role),
  values: (c) => [['role[i]', me(c).role]],
});
const inFlightOf = (c: GuardContext) => c.e.msg !== undefined && inFlight(c.state, c.e.msg, c.key);
const IN_FLIGHT: Condition = { text: 'the message is in flight', holds: inFlightOf, values: none };
/** In flight, for an action of the server the message is for: past it, that server must exist (TLC fails on it otherwise). */
const IN_FLIGHT_TO_SERVER: Condition = { ...IN_FLIGHT, holds: (c) => inFlightOf(c) && me(c) !== undefined };
const DEST: Condition = {
  text: 'm.dest = i',
  holds: (c) => msg(c).dest === c.e.node,
  values: (c) => [
    ['m.dest', msg(c).dest],
    ['i', c.e.node],
  ],
};
const messageOf = (type: Message['type']): Condition => ({
  text: `the message is a ${type}`,
  holds: (c) => msg(c).type === type,
  values: (c) => [['m.type', msg(c).type]],
});
const A_RESPONSE: Condition = {
  text: 'the message is a response',
  holds: (c) => msg(c).type === 'RequestVoteResponse' || msg(c).type === 'AppendEntriesResponse',
  values: (c) => [['m.type', msg(c).type]],
};
const term = (text: string, ok: (mTerm: number, current: number) => boolean): Condition => ({
  text,
  holds: (c) => ok(msg(c).term, me(c).term),
  values: (c) => [
    ['m.term', msg(c).term],
    ['currentTerm[i]', me(c).term],
  ],
});
/** RaftTrace's MsgGuards(e, type): in flight, of that type (a response, for ""), for this server. */
const received = (type: Message['type'] | '') => [
  IN_FLIGHT_TO_SERVER,
  type === '' ? A_RESPONSE : messageOf(type),
  DEST,
];
const IS_CANDIDATE = role('role[i] = Candidate', (r) => r === 'Candidate');
const IS_PRECANDIDATE = role('role[i] = PreCandidate', (r) => r === 'PreCandidate');
const IS_LEADER = role('role[i] = Leader', (r) => r === 'Leader');
const NOT_ANSWERED: Condition = {
  text: 'j is a peer that has not answered (j \\notin votesResponded[i])',
  holds: (c) => isPeer(c.state, c.e.node!, c.e.peer) && !me(c).votesResponded.has(c.e.peer!),
  values: (c) => [
    ['j', c.e.peer],
    ['votesResponded[i]', sorted(me(c).votesResponded)],
  ],
};
const MAJORITY_GRANTED: Condition = {
  text: 'votesGranted[i] is a majority',
  holds: (c) => quorum(me(c).votesGranted.size, c.state.servers.length),
  values: (c) => [['votesGranted[i]', sorted(me(c).votesGranted)]],
};
/** A request of i's own term comes from its one leader, so i is not that leader (HandleAppendEntriesRequest, HandleInstallSnapshotRequest). */
const NO_LEADER_OF_ITS_TERM: Condition = {
  text: "i is no leader of m's term",
  holds: (c) => msg(c).term !== me(c).term || me(c).role !== 'Leader',
  values: (c) => [['role[i]', me(c).role]],
};
const IS_PEER: Condition = {
  text: 'j is a peer of i',
  holds: (c) => isPeer(c.state, c.e.node!, c.e.peer),
  values: (c) => [['j', c.e.peer]],
};
/** A condition on nextIndex[i][j] and snapshotIndex[i] (false for a j that is no peer, as in RaftTrace's Guards). */
const nextVersusSnapshot = (text: string, ok: (next: number, snapshot: number) => boolean): Condition => ({
  text,
  holds: (c) => isPeer(c.state, c.e.node!, c.e.peer) && ok(me(c).nextIndex[c.e.peer!]!, me(c).snapshotIndex),
  values: (c) => [
    ['nextIndex[i][j]', isPeer(c.state, c.e.node!, c.e.peer) ? me(c).nextIndex[c.e.peer!]! : 'none'],
    ['snapshotIndex[i]', me(c).snapshotIndex],
  ],
});
const granted = (m: Message) => (m.type === 'PreVoteResponse' || m.type === 'RequestVoteResponse') && m.voteGranted;

const CONDITIONS: Readonly<Record<string, readonly Condition[]>> = {
  Timeout: [role('role[i] is not Leader', (r) => r !== 'Leader')],
  RequestPreVote: [IS_PRECANDIDATE, NOT_ANSWERED],
  StartElection: [IS_PRECANDIDATE, MAJORITY_GRANTED],
  CheckQuorum: [
    { text: 'CheckQuorum is on (UseCheckQuorum)', holds: (c) => c.state.guards.checkQuorum, values: none },
    IS_LEADER,
  ],
  RequestVote: [IS_CANDIDATE, NOT_ANSWERED],
  BecomeLeader: [IS_CANDIDATE, MAJORITY_GRANTED],
  ClientRequest: [IS_LEADER],
  AdvanceCommitIndex: [
    IS_LEADER,
    {
      text: 'some entry of the current term is stored on a majority',
      holds: (c) => maxCommittable(c.state, c.e.node!, me(c)) > 0,
      values: (c) => [
        ['currentTerm[i]', me(c).term],
        ['matchIndex[i]', { ...me(c).matchIndex }],
        ['terms of log[i]', me(c).log.map((x) => x.term)],
      ],
    },
    {
      text: 'the highest such index is beyond commitIndex[i]',
      holds: (c) => maxCommittable(c.state, c.e.node!, me(c)) > me(c).commitIndex,
      values: (c) => [
        ['committable indexes', committable(c.state, c.e.node!, me(c))],
        ['commitIndex[i]', me(c).commitIndex],
      ],
    },
  ],
  AppendEntries: [
    IS_LEADER,
    IS_PEER,
    nextVersusSnapshot(
      "i's log holds the entry before nextIndex[i][j] (nextIndex[i][j] > snapshotIndex[i])",
      (next, si) => next > si,
    ),
  ],
  TakeSnapshot: [
    { text: 'snapshots are on (UseSnapshots)', holds: () => true, values: none },
    {
      text: "n is beyond i's snapshot (snapshotIndex[i] < n)",
      holds: (c) => me(c).snapshotIndex < c.e.index!,
      values: (c) => [
        ['n', c.e.index],
        ['snapshotIndex[i]', me(c).snapshotIndex],
      ],
    },
    {
      text: 'n is committed (n <= commitIndex[i])',
      holds: (c) => c.e.index! <= me(c).commitIndex,
      values: (c) => [
        ['n', c.e.index],
        ['commitIndex[i]', me(c).commitIndex],
      ],
    },
  ],
  SendSnapshot: [
    IS_LEADER,
    IS_PEER,
    nextVersusSnapshot(
      "j needs an entry i's snapshot covers (nextIndex[i][j] <= snapshotIndex[i])",
      (next, si) => next <= si,
    ),
  ],
  HandleInstallSnapshotRequest: [
    ...received('InstallSnapshotRequest'),
    term('m.term <= currentTerm[i]', (t, current) => t <= current),
    NO_LEADER_OF_ITS_TERM,
  ],
  UpdateTerm: [
    IN_FLIGHT_TO_SERVER,
    { ...DEST, values: (c) => [['m.dest', msg(c).dest]] },
    term('m.term > currentTerm[i]', (t, current) => t > current),
    {
      text: 'm is no pre-vote request or granted pre-vote',
      holds: (c) => msg(c).type !== 'PreVoteRequest' && !(msg(c).type === 'PreVoteResponse' && granted(msg(c))),
      values: (c) => [['m.type', msg(c).type]],
    },
  ],
  HandlePreVoteRequest: received('PreVoteRequest'),
  HandlePreVoteResponse: [
    ...received('PreVoteResponse'),
    {
      text: 'm grants, or is of currentTerm[i] or older',
      holds: (c) => granted(msg(c)) || msg(c).term <= me(c).term,
      values: (c) => [
        ['m.voteGranted', granted(msg(c))],
        ['m.term', msg(c).term],
        ['currentTerm[i]', me(c).term],
      ],
    },
  ],
  HandleRequestVoteRequest: [
    ...received('RequestVoteRequest'),
    term('m.term <= currentTerm[i]', (t, current) => t <= current),
  ],
  HandleRequestVoteResponse: [
    ...received('RequestVoteResponse'),
    term('m.term = currentTerm[i]', (t, current) => t === current),
  ],
  HandleAppendEntriesRequest: [
    ...received('AppendEntriesRequest'),
    term('m.term <= currentTerm[i]', (t, current) => t <= current),
    NO_LEADER_OF_ITS_TERM,
  ],
  HandleAppendEntriesResponse: [
    ...received('AppendEntriesResponse'),
    term('m.term = currentTerm[i]', (t, current) => t === current),
  ],
  DropStaleResponse: [...received(''), term('m.term < currentTerm[i]', (t, current) => t < current)],
  Restart: [],
  DropMessage: [IN_FLIGHT],
  DuplicateMessage: [IN_FLIGHT],
};

function conditionsOf(action: string): readonly Condition[] {
  const list = CONDITIONS[action];
  if (!list) throw new SpecEvalError(`no action of the spec is named ${JSON.stringify(action)}`);
  return list;
}

/** The texts of an action's enabling conditions, in order (for the test that holds them to RaftTrace's Guards). */
export const conditionTexts = (action: string): string[] => conditionsOf(action).map((c) => c.text);

/** Whether the event's action is enabled: each of its conditions, in order, until one is false. */
function enabled(state: SpecState, e: ActionCall, key: string | undefined): boolean {
  const c = { state, e, key };
  for (const condition of conditionsOf(e.action)) if (!condition.holds(c)) return false;
  return true;
}

/** Each enabling condition of the event's action, as RaftTrace's Guards(e) lists them, with whether it holds and its values. */
export function guards(state: SpecState, e: ActionCall): Guard[] {
  const c = { state, e, key: undefined };
  return conditionsOf(e.action).map((g) => [g.text, g.holds(c), g.values(c)] as const);
}

// --- Safety of a step (RaftTrace's SafetyOfStep) -----------------------------------------------

/** What a step adds to the history variables. */
export interface HistoryAdded {
  readonly elected: { readonly term: number; readonly leader: ServerId } | null;
  readonly committed: readonly CommittedRecord[];
}

/**
 * The state around one step of server i, for the properties: the state
 * before it, the acting server's variables before and after (`after` with
 * the log before, and the snapshot after), its log as the logged change
 * (RaftTrace's Change(e)) of the log before, and the records the step adds
 * to `committed`. (Plain functions over this, not closures: tsx keeps
 * function names, at a cost per closure made, and this runs for every event.)
 */
interface Around {
  readonly state: SpecState;
  readonly i: ServerId;
  readonly pre: SpecServer;
  readonly after: SpecServer;
  readonly change: LogDelta;
  readonly fresh: readonly CommittedRecord[];
}

function serverAfter(a: Around, j: ServerId): SpecServer {
  return j === a.i ? a.after : a.state.server.get(j)!;
}
const serverBefore = (a: Around, j: ServerId) => a.state.server.get(j)!;
/** snapshotIndex'[j]. */
const snapshotAfter = (a: Around, j: ServerId) => serverAfter(a, j).snapshotIndex;
/** LastIndex(j)'. */
function lastIndexAfter(a: Around, j: ServerId): number {
  return j === a.i ? lengthAfter(a.change) : lastIndex(serverBefore(a, j));
}
/** EntryAt(j, x)'. */
function entryAtAfter(a: Around, j: ServerId, x: number): Entry {
  if (j !== a.i) return entryAt(serverBefore(a, j), x);
  const e = x > a.after.snapshotIndex ? entryAfter(a.pre, a.change, x) : undefined;
  if (!e) throw new SpecEvalError(`index ${x} is out of ${j}'s log after the step`);
  return e;
}
/** CommittedAt(x)': the entries committed at x, the step's records included. */
function committedAtAfter(a: Around, x: number): readonly Entry[] {
  const held = a.state.committedAt.get(x) ?? [];
  let out: Entry[] | null = null;
  for (const c of a.fresh) {
    if (c.index !== x || held.some((e) => sameEntry(e, c.entry)) || out?.some((e) => sameEntry(e, c.entry))) continue;
    (out ??= [...held]).push(c.entry);
  }
  return out ?? held;
}
/** Two sets of entries, each without repeats, are equal. */
function sameEntrySet(a: readonly Entry[], b: readonly Entry[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => sameEntry(x, y)));
}
/** EntriesAt(j, x)'. */
function entriesAtAfter(a: Around, j: ServerId, x: number): readonly Entry[] {
  return x <= snapshotAfter(a, j) ? committedAtAfter(a, x) : [entryAtAfter(a, j, x)];
}
/** AgreeAt(j, k, x). */
function agreeAt(a: Around, j: ServerId, k: ServerId, x: number): boolean {
  if (x <= snapshotAfter(a, j) && x <= snapshotAfter(a, k)) return true;
  return sameEntrySet(entriesAtAfter(a, j, x), entriesAtAfter(a, k, x));
}

/** LogsMatchStep(i, j, keep, app). */
function logsMatchStep(a: Around, j: ServerId): boolean {
  const { keep, append: app } = a.change;
  const sj = serverBefore(a, j);
  const si2 = a.after.snapshotIndex;
  const from = Math.max(si2, sj.snapshotIndex) + 1;
  let top = 0;
  for (let n = 1; n <= app.length; n++) {
    const x = keep + n;
    if (x > sj.snapshotIndex && x <= lastIndex(sj) && app[n - 1]!.term === entryAt(sj, x).term) top = n;
  }
  if (top > 0) {
    if (!(keep < from || (keep <= lastIndex(sj) && entryAt(a.pre, keep).term === entryAt(sj, keep).term))) return false;
    for (let n = 1; n <= top; n++)
      if (!(keep + n < from || sameEntry(app[n - 1]!, entryAt(sj, keep + n)))) return false;
  }
  const at = sj.snapshotIndex;
  if (at > keep && at <= keep + app.length && at > si2 && app[at - keep - 1]!.term === sj.snapshotTerm) {
    for (let x = si2 + 1; x <= at; x++)
      if (!sameEntrySet([entryAtAfter(a, a.i, x)], committedAtAfter(a, x))) return false;
  }
  return true;
}

/** SnapshotMatchStep(j, i): j's entries up to i's new snapshot, if j holds its last entry with its term, are the committed ones. */
function snapshotMatchStep(a: Around, j: ServerId): boolean {
  const sj = serverBefore(a, j);
  const si = a.after.snapshotIndex;
  if (!(si > sj.snapshotIndex && si <= lastIndex(sj) && entryAt(sj, si).term === a.after.snapshotTerm)) return true;
  for (let x = sj.snapshotIndex + 1; x <= si; x++)
    if (!sameEntrySet([entryAt(sj, x)], committedAtAfter(a, x))) return false;
  return true;
}

/** LogsMatch(j, k)' on the state after the step, whole. */
function logsMatchAfter(a: Around, j: ServerId, k: ServerId): boolean {
  const sj = snapshotAfter(a, j);
  const sk = snapshotAfter(a, k);
  const from = Math.max(sj, sk) + 1;
  let top = 0;
  for (let x = from; x <= Math.min(lastIndexAfter(a, j), lastIndexAfter(a, k)); x++)
    if (entryAtAfter(a, j, x).term === entryAtAfter(a, k, x).term) top = x;
  for (let x = from; x <= top; x++) if (!sameEntry(entryAtAfter(a, j, x), entryAtAfter(a, k, x))) return false;
  if (sk > sj && sk <= lastIndexAfter(a, j) && entryAtAfter(a, j, sk).term === serverAfter(a, k).snapshotTerm) {
    for (let x = sj + 1; x <= sk; x++) if (!sameEntrySet([entryAtAfter(a, j, x)], committedAtAfter(a, x))) return false;
  }
  return true;
}

/** HoldsCommitted(j, c)'. */
function holdsCommitted(a: Around, j: ServerId, c: CommittedRecord): boolean {
  const s = serverAfter(a, j);
  if (c.index <= s.snapshotIndex) return c.index !== s.snapshotIndex || s.snapshotTerm === c.entry.term;
  return c.index <= lastIndexAfter(a, j) && sameEntry(entryAtAfter(a, j, c.index), c.entry);
}

/** LeaderHasCommitted(j, c)'. */
function leaderHasCommitted(a: Around, j: ServerId, c: CommittedRecord): boolean {
  const s = serverAfter(a, j);
  return !(s.role === 'Leader' && s.term > c.inTerm) || holdsCommitted(a, j, c);
}

/** AppliedAgreeStep(i, j, keep). */
function appliedAgreeStep(a: Around, j: ServerId): boolean {
  const sj = serverBefore(a, j);
  const keep = a.change.keep;
  const resnapshot = a.after.snapshotIndex === a.pre.snapshotIndex ? keep : a.pre.snapshotIndex;
  const before = Math.min(a.pre.commitIndex, sj.commitIndex, lastIndex(a.pre), lastIndex(sj), keep, resnapshot);
  const upTo = Math.min(a.after.commitIndex, sj.commitIndex, lengthAfter(a.change), lastIndex(sj));
  for (let x = before + 1; x <= upTo; x++) if (!agreeAt(a, a.i, j, x)) return false;
  return true;
}

/** CommittedOnce(c)', given the records the step adds. */
function committedOnce(a: Around, c: CommittedRecord): boolean {
  for (const e of a.state.committedAt.get(c.index) ?? []) if (!sameEntry(e, c.entry)) return false;
  for (const d of a.fresh) if (d.index === c.index && !sameEntry(d.entry, c.entry)) return false;
  return true;
}

/** MatchAgreesAfter(l, f): MatchAgrees(l, f)', its AgreeUpTo comparing only the indexes not both snapshots cover. */
function matchAgreesAfter(a: Around, l: ServerId, f: ServerId): boolean {
  const sl = serverAfter(a, l);
  const sf = serverAfter(a, f);
  if (!(sl.role === 'Leader' && l !== f)) return true;
  const mi = sl.matchIndex[f]!;
  if (sf.term < sl.term && mi !== 0) return false;
  if (sf.term === sl.term) {
    if (!(mi <= lastIndexAfter(a, l) && mi <= lastIndexAfter(a, f))) return false;
    for (let x = Math.min(sl.snapshotIndex, sf.snapshotIndex) + 1; x <= mi; x++) if (!agreeAt(a, l, f, x)) return false;
  }
  return true;
}

/** Whether j and i agree at every index in Resnapshot(i, n): those i's new snapshot took over, up to n. */
function agreeOverResnapshot(a: Around, j: ServerId, n: number): boolean {
  for (let x = a.pre.snapshotIndex + 1; x <= Math.min(n, a.after.snapshotIndex); x++)
    if (!agreeAt(a, j, a.i, x)) return false;
  return true;
}

/** MatchAgreesLeaderStep(i, j, keep). */
function matchAgreesLeaderStep(a: Around, j: ServerId): boolean {
  const { pre, after } = a;
  const sj = serverBefore(a, j);
  const before = pre.matchIndex[j]!;
  const now = after.matchIndex[j]!;
  if (
    pre.role === 'Leader' &&
    after.role === 'Leader' &&
    after.term === pre.term &&
    sj.term === pre.term &&
    before <= now &&
    now <= a.change.keep
  ) {
    if (!(now <= lastIndex(sj))) return false;
    for (let x = before + 1; x <= now; x++) if (!agreeAt(a, j, a.i, x)) return false;
    return agreeOverResnapshot(a, j, before);
  }
  return matchAgreesAfter(a, a.i, j);
}

/** MatchAgreesPeerStep(j, i, keep). */
function matchAgreesPeerStep(a: Around, j: ServerId): boolean {
  const sj = serverBefore(a, j);
  const mi = sj.matchIndex[a.i]!;
  if (a.after.term === a.pre.term && mi <= a.change.keep) {
    if (!(sj.role === 'Leader' && sj.term === a.pre.term) || agreeOverResnapshot(a, j, mi)) return true;
  }
  return matchAgreesAfter(a, j, a.i);
}

/** The records of `added` that are new to the compacted history (committed' \ committed). */
function newRecords(state: SpecState, added: readonly CommittedRecord[]): CommittedRecord[] {
  const out: CommittedRecord[] = [];
  for (const c of added) {
    const held = state.committedIn.get(`${c.index}:${c.entry.term}:${c.entry.value}`);
    if (held === undefined || held > c.inTerm) out.push(c);
  }
  return out;
}

/** What the guards' step properties read of the event (RaftTrace's StepKind): a message of PreVoteTypes handled, a pre-vote granted, a check. */
export interface StepKind {
  readonly preVoteMsg: boolean;
  readonly grantsPreVote: boolean;
  readonly checksQuorum: boolean;
}

export function stepKind(e: ActionCall & { readonly send?: Message }): StepKind {
  return {
    preVoteMsg: e.action === 'HandlePreVoteRequest' || e.action === 'HandlePreVoteResponse',
    grantsPreVote: e.action === 'HandlePreVoteRequest' && e.send !== undefined && granted(e.send),
    checksQuorum: e.action === 'CheckQuorum',
  };
}

/**
 * The safety properties of Raft.tla that server i's step from `state` breaks
 * (RaftTrace's SafetyOfStep and Broken), in SafetyOfStep's order: `after` is
 * i's variables after the step (its log field unread), `change` its log's
 * logged change. Only the conjuncts that mention i or a new history record
 * are evaluated: the state before the step satisfied every property (see
 * RaftTrace.tla).
 */
export function brokenBy(
  state: SpecState,
  i: ServerId,
  after: SpecServer,
  change: LogDelta,
  added: HistoryAdded & { readonly stoodFor: number | null },
  restart: boolean,
  kind: StepKind,
): string[] {
  const pre = state.server.get(i)!;
  const a: Around = { state, i, pre, after, change, fresh: newRecords(state, added.committed) };
  const broken: string[] = [];
  const check = (name: string, holds: boolean) => {
    if (!holds) broken.push(name);
  };
  // ElectionSafety: OnlyLeaderOfItsTerm(f)' for the new record f, if new.
  const f = added.elected;
  const leaders = f ? state.elected.get(f.term) : undefined;
  check('ElectionSafety', !(f && leaders && !leaders.has(f.leader) && leaders.size > 0));
  check('LogMatching', logMatchingStep(a));
  check('LeaderCompleteness', leaderCompletenessStep(a));
  check('StateMachineSafety', stateMachineStep(a));
  check('LogTermsInOrder', !logChanged(a) || termsInOrderStep(a));
  // CommitIndexInLog: CommitInLog(i)'
  check('CommitIndexInLog', after.commitIndex <= lengthAfter(change));
  check('MatchIndexAgrees', matchIndexStep(a));
  check('LeaderAppendOnly', appendOnlyStep(a));
  // CommitIndexMonotonic: CommitMonotonicStep(i) == commitIndex'[i] >= commitIndex[i] \/ Restart(i)
  check('CommitIndexMonotonic', after.commitIndex >= pre.commitIndex || restart);
  brokenGuards(state, i, pre, after, added.stoodFor ?? state.stoodFor, kind, broken);
  check('SnapshotsCommitted', snapshotCommittedStep(a));
  check('SnapshotTermsInOrder', snapshotTermInOrder(a));
  // SnapshotsOnlyAdvance: SnapshotAdvanceStep(i)
  check('SnapshotsOnlyAdvance', after.snapshotIndex >= pre.snapshotIndex && after.snapshotTerm >= pre.snapshotTerm);
  return broken;
}

/** SafetyOfStep's logChanged. */
const logChanged = (a: Around) => a.change.keep !== lastIndex(a.pre) || a.change.append.length > 0;
/** SafetyOfStep's snapChanged. */
const snapChanged = (a: Around) =>
  a.after.snapshotIndex !== a.pre.snapshotIndex || a.after.snapshotTerm !== a.pre.snapshotTerm;
/** SafetyOfStep's consistentNew: every new record agrees with those at its index. */
const consistentNew = (a: Around) => a.fresh.every((c) => committedOnce(a, c));
const others = (a: Around) => a.state.servers.filter((j) => j !== a.i);

/** SafetyOfStep's LogMatching; LogMatching' whole where a new record disagrees with one at its index. */
function logMatchingStep(a: Around): boolean {
  if (logChanged(a) && !others(a).every((j) => logsMatchStep(a, j))) return false;
  if (snapChanged(a) && !others(a).every((j) => snapshotMatchStep(a, j))) return false;
  return consistentNew(a) || a.state.servers.every((j) => a.state.servers.every((k) => logsMatchAfter(a, j, k)));
}

/** SafetyOfStep's LeaderCompleteness. */
function leaderCompletenessStep(a: Around): boolean {
  const { pre, after } = a;
  const keepsEntries =
    pre.role === 'Leader' && after.role === 'Leader' && after.term === pre.term && a.change.keep === lastIndex(pre);
  if (after.role === 'Leader' && !keepsEntries) {
    for (const c of a.state.committed) if (!leaderHasCommitted(a, a.i, c)) return false;
    for (const c of a.fresh) if (!leaderHasCommitted(a, a.i, c)) return false;
  }
  for (const c of a.fresh) for (const j of a.state.servers) if (!leaderHasCommitted(a, j, c)) return false;
  return true;
}

/** SafetyOfStep's StateMachineSafety. */
function stateMachineStep(a: Around): boolean {
  if (logChanged(a) || snapChanged(a) || a.after.commitIndex !== a.pre.commitIndex)
    if (!others(a).every((j) => appliedAgreeStep(a, j))) return false;
  return consistentNew(a);
}

/** SafetyOfStep's MatchIndexAgrees; MatchIndexAgrees' whole where a new record disagrees with one at its index. */
function matchIndexStep(a: Around): boolean {
  if (!others(a).every((j) => matchAgreesLeaderStep(a, j) && matchAgreesPeerStep(a, j))) return false;
  return consistentNew(a) || a.state.servers.every((l) => a.state.servers.every((f) => matchAgreesAfter(a, l, f)));
}

/** LeaderAppendOnly: AppendOnlyStep(i), for a leader that stays leader in its term and does not only append. */
function appendOnlyStep(a: Around): boolean {
  const { pre, after, change } = a;
  if (!(pre.role === 'Leader' && after.role === 'Leader' && after.term === pre.term)) return true;
  if (change.keep === lastIndex(pre)) return true;
  if (lengthAfter(change) < lastIndex(pre)) return false;
  for (let x = Math.max(pre.snapshotIndex, after.snapshotIndex) + 1; x <= lastIndex(pre); x++)
    if (!sameEntry(entryAtAfter(a, a.i, x), entryAt(pre, x))) return false;
  return true;
}

/** TermsInOrderStep(i, keep, app). */
function termsInOrderStep(a: Around): boolean {
  const { keep, append: app } = a.change;
  for (let n = 1; n < app.length; n++) if (app[n - 1]!.term > app[n]!.term) return false;
  return !(keep > a.after.snapshotIndex && app.length > 0 && entryAt(a.pre, keep).term > app[0]!.term);
}

/** SnapshotCommittedStep(i): SnapshotCommitted(i)', its record looked for only when the snapshot moved. */
function snapshotCommittedStep(a: Around): boolean {
  const s = a.after;
  if (!(s.snapshotIndex <= s.commitIndex)) return false;
  if (!snapChanged(a) || s.snapshotIndex === 0) return true;
  return committedAtAfter(a, s.snapshotIndex).some((e) => e.term === s.snapshotTerm);
}

/** SnapshotTermInOrder(i)'. */
function snapshotTermInOrder(a: Around): boolean {
  const s = a.after;
  if (!(s.snapshotTerm <= s.term)) return false;
  const first = s.snapshotIndex + 1;
  return first > lengthAfter(a.change) || s.snapshotTerm <= entryAtAfter(a, a.i, first).term;
}

/** The guards' properties on server i's step (the last four of SafetyOfStep). */
function brokenGuards(
  state: SpecState,
  i: ServerId,
  pre: SpecServer,
  after: SpecServer,
  stoodFor: number,
  kind: StepKind,
  broken: string[],
): void {
  // TermsStoodFor: TermStoodFor(i)'
  if (state.guards.preVote && after.term > stoodFor) broken.push('TermsStoodFor');
  // PreVoteKeepsTermAndVote: PreVoteStepKeeps(i)
  const preVoteStep = (pre.role !== 'PreCandidate' && after.role === 'PreCandidate') || kind.preVoteMsg;
  if (preVoteStep && !(after.term === pre.term && after.votedFor === pre.votedFor))
    broken.push('PreVoteKeepsTermAndVote');
  // PreVoteOnlyWithoutLeader: PreVoteGrantStep(i), GrantsPreVote(i) read from the event
  if (kind.grantsPreVote && !(pre.role !== 'Leader' && !pre.leaderSeen)) broken.push('PreVoteOnlyWithoutLeader');
  // LeaderKeepsQuorum: CheckQuorumStepOk(i) == activePeers'[i] = {} /\ (role'[i] = Leader <=> Quorum(activePeers[i] \cup {i}))
  if (kind.checksQuorum) {
    const heard = quorum(new Set(pre.activePeers).add(i).size, state.servers.length);
    if (!(after.activePeers.size === 0 && (after.role === 'Leader') === heard)) broken.push('LeaderKeepsQuorum');
  }
}

// --- Taking a step -------------------------------------------------------------------------

/**
 * Applies a step whose post-state and messages matched the log: the state
 * becomes the one after it. `takenKey` and `sentKey` are the keys of the
 * messages the step took and sent (computed once by the caller).
 */
export function applyStep(
  state: SpecState,
  i: ServerId | undefined,
  after: SpecPost | null,
  r: SpecStepResult,
  takenKey: string | undefined,
  sentKey: string | undefined,
): void {
  if (i !== undefined && after) {
    const pre = state.server.get(i)!;
    // The log after the new snapshot: in place while the snapshot stays.
    const cut = after.snapshotIndex - pre.snapshotIndex;
    const log = cut === 0 ? pre.log : pre.log.slice(cut);
    const length = after.log.keep - after.snapshotIndex;
    if (log.length !== length) log.length = Math.max(0, length);
    for (const x of after.log.append) log.push(x);
    (after as { log: unknown }).log = log;
    state.server.set(i, after as unknown as SpecServer);
  }
  if (r.taken.length > 0) {
    const key = takenKey ?? messageKey(r.taken[0]!);
    const slot = state.bag.get(key)!;
    if (--slot.copies === 0) state.bag.delete(key);
  }
  if (r.sent.length > 0) {
    const key = sentKey ?? messageKey(r.sent[0]!);
    const slot = state.bag.get(key);
    if (slot)
      slot.copies++; // (*B: another copy in flight *)
    else state.bag.set(key, { msg: r.sent[0]!, copies: 1 }); // (*B: a new message in flight *)
  }
  if (r.stoodFor !== null) state.stoodFor = r.stoodFor;
  if (r.elected) {
    let leaders = state.elected.get(r.elected.term);
    if (!leaders) state.elected.set(r.elected.term, (leaders = new Set()));
    leaders.add(r.elected.leader);
  }
  for (const c of r.committed) {
    const key = `${c.index}:${c.entry.term}:${c.entry.value}`;
    const held = state.committedIn.get(key);
    if (held !== undefined && held <= c.inTerm) continue;
    state.committedIn.set(key, c.inTerm);
    state.committed.push(c);
    const at = state.committedAt.get(c.index);
    if (!at) state.committedAt.set(c.index, [c.entry]);
    else if (!at.some((x) => sameEntry(x, c.entry))) at.push(c.entry);
  }
}
