// Rebuilds the global state of a run from its trace alone: every server's
// variables (from the post-states the events carry) and the bag of messages in
// flight (from what each event consumes and sends). Chunked validation starts
// each chunk from the state rebuilt at its boundary.
import type { Message, ServerId, ServerState } from '../raft/types.js';
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

export interface GlobalState {
  readonly servers: Record<ServerId, ServerState>;
  /** Messages in flight by key, with their number of copies. */
  readonly bag: Map<string, { msg: Message; copies: number }>;
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
  return { servers: states, bag: new Map() };
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
  if ('state' in e) state.servers[e.node] = e.state;
  if (e.action === 'DuplicateMessage') put(state.bag, e.msg);
  else if (e.msg && CONSUMING_ACTIONS.has(e.action)) take(state.bag, e.msg);
  if ('send' in e && e.send) put(state.bag, e.send);
}

export function cloneState(s: GlobalState): GlobalState {
  return {
    servers: { ...s.servers },
    bag: new Map([...s.bag].map(([k, v]) => [k, { ...v }])),
  };
}
