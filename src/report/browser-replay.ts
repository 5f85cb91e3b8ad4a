// The replay the report page runs when a reader picks an event: the page's
// script is given src/trace/replay.ts itself, bundled into the page when the
// page is built (page.ts), so the page folds a window's events into every
// server's state exactly as the checkers do, not by a fold of its own.
// Runs in the browser: it imports nothing but the replay.
import type { TracedState } from '../raft/events.js';
import type { Entry, Message, ServerId } from '../raft/types.js';
import { applyEvent, logEntries, messageKey, snapshot, type GlobalState, type Replay } from '../trace/replay.js';
import type { DiagramData } from './space-time.js';

/** Every server's variables and log (the entries after its snapshot), and the messages in flight, as the page shows them. */
export interface World {
  readonly servers: Record<ServerId, { readonly state: TracedState; readonly log: Entry[] }>;
  readonly bag: Map<string, { msg: Message; copies: number }>;
}

type Window = Pick<DiagramData, 'nodes' | 'start' | 'startMessages' | 'events'>;

/** The replay at the window's start: the diagram's start state, with fresh bag slots so that counting leaves the data as it was. */
function startOf(d: Window): Replay {
  const servers: GlobalState['servers'] = {};
  for (const id of d.nodes) {
    const s = d.start[id]!;
    servers[id] = { state: s.state, log: { entries: [...s.log], length: s.log.length } };
  }
  const bag: GlobalState['bag'] = new Map();
  for (const { msg, copies } of d.startMessages) bag.set(messageKey(msg), { msg, copies });
  // The page shows no history variable: each starts empty (and apart: histories only grow in place).
  const state = {
    servers,
    bag,
    elected: { items: [], length: 0 },
    committed: { items: [], length: 0 },
    stoodFor: 0,
    quorumChecks: {},
  };
  return { state, committedIn: new Map(), electedKeys: new Set() };
}

function worldOf(s: GlobalState): World {
  const servers: World['servers'] = {};
  // The log after the snapshot (state.snapshotIndex says where it starts), as the spec holds it.
  for (const [id, v] of Object.entries(s.servers))
    servers[id] = { state: v.state, log: logEntries(v.log).slice(v.state.snapshotIndex ?? 0) };
  return { servers, bag: s.bag };
}

/** The world before event k of the window and after it (k from 0). */
export function worldsAround(d: Window, k: number): { before: World; after: World } {
  const replay = startOf(d);
  for (let j = 0; j < k; j++) applyEvent(replay, d.events[j]!);
  const before = worldOf(snapshot(replay.state));
  applyEvent(replay, d.events[k]!);
  return { before, after: worldOf(replay.state) };
}
