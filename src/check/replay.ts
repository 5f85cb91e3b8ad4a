// Rebuilds the global state of a run from its trace alone: every server's
// variables (from the post-states the events carry) and the bag of messages in
// flight (from what each event consumes and sends). Chunked validation starts
// each chunk from the state rebuilt at its boundary.
import type { Entry, Message, ServerId, ServerState } from '../raft/types.js';
import type { TraceEvent } from '../trace/events.js';

/** The actions that remove the message they read from the network. */
export const CONSUMING_ACTIONS: ReadonlySet<string> = new Set([
  'HandleRequestVoteRequest',
  'HandleRequestVoteResponse',
  'HandleAppendEntriesRequest',
  'HandleAppendEntriesResponse',
  'DropStaleResponse',
  'DropMessage',
]);

/** A message's identity in the bag: its fields in a fixed order, whatever order they were logged in. */
export function messageKey(m: Message): string {
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

export interface GlobalState {
  readonly servers: Record<ServerId, ServerState>;
  /** Messages in flight by key, with their number of copies. */
  readonly bag: Map<string, { msg: Message; copies: number }>;
  /** The spec's `elected`: every [term, leader] of an election won, keyed `term:leader`. */
  readonly elected: Map<string, { term: number; leader: ServerId }>;
  /**
   * The spec's `committed`, compacted: for each index and entry, the record
   * with the earliest term it was committed in. A later commit of the same
   * entry at the same index (after a restart) adds a record that the safety
   * properties read only as a weaker copy of this one (Leader Completeness
   * asks less of it, State Machine Safety compares the same entry), so both
   * properties have the same value on the compacted set.
   */
  readonly committed: Map<string, CommittedRecord>;
}

export function initialState(servers: readonly ServerId[]): GlobalState {
  const states: Record<ServerId, ServerState> = {};
  for (const id of servers) {
    const peers = servers.filter((s) => s !== id);
    states[id] = {
      term: 0,
      role: 'Follower',
      votedFor: null,
      log: [],
      commitIndex: 0,
      votesResponded: [],
      votesGranted: [],
      nextIndex: Object.fromEntries(peers.map((p) => [p, 1])),
      matchIndex: Object.fromEntries(peers.map((p) => [p, 0])),
    };
  }
  return { servers: states, bag: new Map(), elected: new Map(), committed: new Map() };
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

/** Applies one event to the state, in place, as the implementation logged it. */
export function applyEvent(state: GlobalState, e: TraceEvent): void {
  if ('state' in e) {
    recordHistory(state, e.action, e.node, state.servers[e.node]!, e.state);
    state.servers[e.node] = e.state;
  }
  if (e.action === 'DuplicateMessage') put(state.bag, e.msg);
  else if (e.msg && CONSUMING_ACTIONS.has(e.action)) take(state.bag, e.msg);
  if ('send' in e && e.send) put(state.bag, e.send);
}

/** The history the spec's BecomeLeader and AdvanceCommitIndex add, from the logged states. */
function recordHistory(state: GlobalState, action: string, node: ServerId, before: ServerState, after: ServerState): void {
  if (action === 'BecomeLeader') state.elected.set(`${after.term}:${node}`, { term: after.term, leader: node });
  if (action !== 'AdvanceCommitIndex') return;
  for (let index = before.commitIndex + 1; index <= after.commitIndex; index++) {
    const entry = after.log[index - 1];
    // A commit past the logged log is rejected by the checker; the rebuilt
    // state only has to stay well formed.
    if (!entry) break;
    const key = `${index}:${entry.term}:${entry.value}`;
    const held = state.committed.get(key);
    if (!held || held.inTerm > after.term) state.committed.set(key, { index, entry, inTerm: after.term });
  }
}

export function cloneState(s: GlobalState): GlobalState {
  return {
    servers: { ...s.servers },
    bag: new Map([...s.bag].map(([k, v]) => [k, { ...v }])),
    elected: new Map(s.elected),
    committed: new Map(s.committed),
  };
}
