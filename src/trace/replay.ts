// Rebuilds the global state of a run from its trace alone: every server's
// variables (from the post-states the events carry, its log from the log
// changes) and the bag of messages in flight (from what each event consumes
// and sends). Chunked validation starts each chunk from the state rebuilt at
// its boundary, and the simulator compares it with the real cluster to find
// steps that happened without an event (logged-world.ts). Snapshots share
// logs and histories with the running state, so that the memory a check
// needs does not grow with the number of chunks.
import { NO_GUARDS, type Entry, type Guards, type Message, type ServerId } from '../raft/types.js';
import type { LogChange, TracedState, UnnumberedEvent } from '../raft/events.js';

/** The actions that remove the message they read from the network. */
export const CONSUMING_ACTIONS: ReadonlySet<string> = new Set([
  'HandleRequestVoteRequest',
  'HandleRequestVoteResponse',
  'HandlePreVoteRequest',
  'HandlePreVoteResponse',
  'HandleAppendEntriesRequest',
  'HandleAppendEntriesResponse',
  'DropStaleResponse',
  'DropMessage',
  'HandleInstallSnapshotRequest',
]);

const keys = new WeakMap<Message, string>();

/**
 * A message's identity in the bag: its fields in a fixed order, whatever
 * order they were logged in. Kept per message object (messages are never
 * changed once made): the simulator keys its network after every step.
 */
export function messageKey(m: Message): string {
  let key = keys.get(m);
  if (key === undefined) {
    key = canonicalMessageKey(m);
    keys.set(m, key);
  }
  return key;
}

/**
 * messageKey without the cache, for messages made once and keyed once (the
 * in-process checker's): the canonical JSON written field by field for the
 * message shapes, the general walk for anything else.
 */
export function canonicalMessageKey(m: Message): string {
  const n = Object.keys(m).length;
  const str = JSON.stringify;
  const s = str(m.source);
  const d = str(m.dest);
  if (typeof m.term !== 'number' || typeof m.source !== 'string' || typeof m.dest !== 'string') return canonicalJson(m);
  switch (m.type) {
    case 'RequestVoteRequest':
    case 'PreVoteRequest':
      if (n === 6 && typeof m.lastLogIndex === 'number' && typeof m.lastLogTerm === 'number') {
        return `{"dest":${d},"lastLogIndex":${m.lastLogIndex},"lastLogTerm":${m.lastLogTerm},"source":${s},"term":${m.term},"type":"${m.type}"}`;
      }
      break;
    case 'RequestVoteResponse':
    case 'PreVoteResponse':
      if (n === 5 && typeof m.voteGranted === 'boolean')
        return `{"dest":${d},"source":${s},"term":${m.term},"type":"${m.type}","voteGranted":${m.voteGranted}}`;
      break;
    case 'AppendEntriesRequest': {
      if (
        n !== 8 ||
        typeof m.commitIndex !== 'number' ||
        typeof m.prevLogIndex !== 'number' ||
        typeof m.prevLogTerm !== 'number' ||
        !Array.isArray(m.entries)
      )
        break;
      let entries = '';
      for (const e of m.entries) {
        if (
          typeof e !== 'object' ||
          e === null ||
          Object.keys(e).length !== 2 ||
          typeof e.term !== 'number' ||
          typeof e.value !== 'string'
        )
          return canonicalJson(m);
        entries += `${entries ? ',' : ''}{"term":${e.term},"value":${str(e.value)}}`;
      }
      return `{"commitIndex":${m.commitIndex},"dest":${d},"entries":[${entries}],"prevLogIndex":${m.prevLogIndex},"prevLogTerm":${m.prevLogTerm},"source":${s},"term":${m.term},"type":"AppendEntriesRequest"}`;
    }
    case 'InstallSnapshotRequest':
      // The state machine's content, which only the wire carries, is no part of the message's identity.
      if (
        (n === 6 || (n === 7 && typeof m.data === 'string')) &&
        typeof m.lastIncludedIndex === 'number' &&
        typeof m.lastIncludedTerm === 'number'
      )
        return `{"dest":${d},"lastIncludedIndex":${m.lastIncludedIndex},"lastIncludedTerm":${m.lastIncludedTerm},"source":${s},"term":${m.term},"type":"InstallSnapshotRequest"}`;
      break;
    case 'AppendEntriesResponse':
      if (n === 6 && typeof m.matchIndex === 'number' && typeof m.success === 'boolean') {
        return `{"dest":${d},"matchIndex":${m.matchIndex},"source":${s},"success":${m.success},"term":${m.term},"type":"AppendEntriesResponse"}`;
      }
      break;
  }
  return canonicalJson(m);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A record of the spec's history variable `committed`. */
export interface CommittedRecord {
  readonly index: number;
  readonly entry: Entry;
  /** The term of the leader that committed it. */
  readonly inTerm: number;
}

/**
 * A log as the replay holds it, by absolute index (entry k at k - 1, those in
 * a snapshot included): the first `length` entries of an array that only
 * ever grows. Appending to the newest view of an array extends it in
 * place, and a view taken earlier keeps its length, so a snapshot of a
 * server's log costs nothing however long the log is. A truncation starts a
 * new array.
 */
export interface LogView {
  readonly entries: Entry[];
  readonly length: number;
}

export const EMPTY_LOG: LogView = { entries: [], length: 0 };

/**
 * Stands for an entry that a snapshot installed over a shorter log covers:
 * the log never held it, and nothing reads an index inside a snapshot.
 */
export const IN_SNAPSHOT: Entry = Object.freeze({ term: 0, value: '' });

/**
 * The log after a change (the view given is left as it was). A change that
 * keeps more entries than the log held is a snapshot installed over a
 * shorter log: the indexes up to `keep` are then the snapshot's.
 */
export function changeLog(view: LogView, change: LogChange | undefined): LogView {
  if (!change) return view;
  const keep = change.keep;
  let entries: Entry[];
  if (keep === view.length && view.entries.length === view.length) entries = view.entries;
  else entries = view.entries.slice(0, Math.min(keep, view.length));
  while (entries.length < keep) entries.push(IN_SNAPSHOT);
  for (const e of change.append) entries.push(e);
  return { entries, length: keep + change.append.length };
}

export function logEntries(view: LogView): Entry[] {
  return view.entries.slice(0, view.length);
}

/** How many entries two logs share from their start, those before index `from` taken as shared. */
export function commonPrefix(a: LogView, b: LogView, from = 0): number {
  const max = Math.min(a.length, b.length);
  // Views of one array agree wherever both reach: the array is never overwritten.
  if (a.entries === b.entries) return max;
  let k = Math.min(from, max);
  while (k < max && (a.entries[k] === b.entries[k] || sameEntry(a.entries[k]!, b.entries[k]!))) k++;
  return k;
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.term === b.term && a.value === b.value;
}

/**
 * A history variable of the spec (a set that only grows), as the first
 * `length` items of an array that only grows: snapshots are free, as for logs.
 */
export interface History<T> {
  readonly items: T[];
  readonly length: number;
}

/** A server's variables: its logged post-state, and its log rebuilt from the changes. */
export interface ReplayServer {
  readonly state: TracedState;
  readonly log: LogView;
}

export interface GlobalState {
  readonly servers: Record<ServerId, ReplayServer>;
  /** Messages in flight by key, with their number of copies. */
  readonly bag: Map<string, { msg: Message; copies: number }>;
  /** The spec's `elected`: every [term, leader] of an election won. */
  readonly elected: History<{ term: number; leader: ServerId }>;
  /**
   * The spec's `committed`, compacted: a commit of an entry at an index
   * already recorded with the same or an earlier term adds nothing (it
   * happens after every restart of a leader, which commits the whole log
   * again). Such a record is one the safety properties read only as a weaker
   * copy of the one held (Leader Completeness asks less of it, State Machine
   * Safety compares the same entry), so both properties have the same value
   * on the compacted set.
   */
  readonly committed: History<CommittedRecord>;
  /** The spec's `stoodFor` (PreVote only): the highest term any StartElection reached, 0 before any. */
  readonly stoodFor: number;
  /** The spec's `quorumChecks` (CheckQuorum only): how many CheckQuorum events each server logged. */
  readonly quorumChecks: Readonly<Record<ServerId, number>>;
}

/** The running state of a replay: the global state, and what it needs to keep its histories compact. */
export interface Replay {
  state: GlobalState;
  /** Per `index:term:value`, the earliest term a commit of that entry was recorded in. */
  readonly committedIn: Map<string, number>;
  readonly electedKeys: Set<string>;
}

/** Init; a run with a guard on logs its variable from the start (leaderSeen false, activePeers empty). */
export function initialState(servers: readonly ServerId[], guards: Guards = NO_GUARDS): GlobalState {
  const states: Record<ServerId, ReplayServer> = {};
  for (const id of servers) {
    const peers = servers.filter((s) => s !== id);
    states[id] = {
      state: {
        term: 0,
        role: 'Follower',
        votedFor: null,
        logLength: 0,
        commitIndex: 0,
        votesResponded: [],
        votesGranted: [],
        nextIndex: Object.fromEntries(peers.map((p) => [p, 1])),
        matchIndex: Object.fromEntries(peers.map((p) => [p, 0])),
        ...(guards.preVote ? { leaderSeen: false } : {}),
        ...(guards.checkQuorum ? { activePeers: [] } : {}),
      },
      log: EMPTY_LOG,
    };
  }
  return {
    servers: states,
    bag: new Map(),
    elected: { items: [], length: 0 },
    committed: { items: [], length: 0 },
    stoodFor: 0,
    quorumChecks: Object.fromEntries(servers.map((id) => [id, 0])),
  };
}

export function startReplay(servers: readonly ServerId[], guards: Guards = NO_GUARDS): Replay {
  return { state: initialState(servers, guards), committedIn: new Map(), electedKeys: new Set() };
}

function put(bag: GlobalState['bag'], m: Message): void {
  const key = messageKey(m);
  const slot = bag.get(key);
  if (slot) slot.copies++;
  else bag.set(key, { msg: m, copies: 1 });
}

function take(bag: GlobalState['bag'], m: Message): void {
  const key = messageKey(m);
  const slot = bag.get(key);
  // A message that is not in flight: the checker rejects this event; the
  // rebuilt state only has to stay well formed.
  if (!slot) return;
  if (--slot.copies === 0) bag.delete(key);
}

function append<T>(h: History<T>, item: T): History<T> {
  // Only the running replay appends, and its view is always the newest.
  if (h.items.length !== h.length) throw new Error('internal: a history snapshot was appended to');
  h.items.push(item);
  return { items: h.items, length: h.length + 1 };
}

/** Applies one event to the running replay, as the implementation logged it. */
export function applyEvent(replay: Replay, e: UnnumberedEvent): void {
  const state = replay.state;
  let { servers, elected, committed, stoodFor, quorumChecks } = state;
  if ('state' in e) {
    const before = servers[e.node]!;
    const after: ReplayServer = { state: e.state, log: changeLog(before.log, e.logChange) };
    servers = { ...servers, [e.node]: after };
    if (e.action === 'BecomeLeader') {
      const key = `${e.state.term}:${e.node}`;
      if (!replay.electedKeys.has(key)) {
        replay.electedKeys.add(key);
        elected = append(elected, { term: e.state.term, leader: e.node });
      }
    }
    if (e.action === 'StartElection') stoodFor = Math.max(stoodFor, e.state.term);
    if (e.action === 'CheckQuorum') quorumChecks = { ...quorumChecks, [e.node]: (quorumChecks[e.node] ?? 0) + 1 };
    if (e.action === 'AdvanceCommitIndex') {
      for (let index = before.state.commitIndex + 1; index <= e.state.commitIndex; index++) {
        // A commit past the logged log is rejected by the checker; the
        // rebuilt state only has to stay well formed.
        if (index > after.log.length) break;
        const entry = after.log.entries[index - 1]!;
        const key = `${index}:${entry.term}:${entry.value}`;
        const held = replay.committedIn.get(key);
        if (held !== undefined && held <= e.state.term) continue;
        replay.committedIn.set(key, e.state.term);
        committed = append(committed, { index, entry, inTerm: e.state.term });
      }
    }
  }
  const bag = state.bag;
  if (e.action === 'DuplicateMessage') put(bag, e.msg);
  else if (e.msg && CONSUMING_ACTIONS.has(e.action)) take(bag, e.msg);
  if ('send' in e && e.send) put(bag, e.send);
  replay.state = { servers, bag, elected, committed, stoodFor, quorumChecks };
}

/** A snapshot of the running state, unaffected by later events (only the bag is copied). */
export function snapshot(s: GlobalState): GlobalState {
  return {
    servers: s.servers,
    bag: new Map([...s.bag].map(([k, v]) => [k, { ...v }])),
    elected: s.elected,
    committed: s.committed,
    stoodFor: s.stoodFor,
    quorumChecks: s.quorumChecks,
  };
}
