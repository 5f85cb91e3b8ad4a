// The data behind a space-time diagram of one trace: the events of a window
// of it, which message each one received and from which send, and the state
// every server had when the window opens. The page (assets/report.js) draws
// it and folds the events onto the start state to show the state at any
// event the reader clicks, so the data stays linear in the window's length.
import type { Entry, Message, ServerId } from '../raft/types.js';
import { traceGuards, type TracedState, type TraceEvent, type TraceHeader } from '../raft/events.js';
import { applyEvent, CONSUMING_ACTIONS, logEntries, messageKey, startReplay } from '../trace/replay.js';

/** A message between two events: from its send to the event that took it off the network. */
export interface Arrow {
  /** Index in the window's events of the send, or -1 when it was sent before the window. */
  readonly from: number;
  /** Index of the receiving (or dropping) event, or -1 when still in flight at the window's end. */
  readonly to: number;
  readonly source: ServerId;
  readonly dest: ServerId;
  readonly type: string;
  /**
   * `delivered`: a server consumed it; `dropped`: the network lost it;
   * `duplicate`: a server consumed a copy the network made (`via` is the
   * DuplicateMessage event); `in-flight`: nobody took it within the window.
   */
  readonly fate: 'delivered' | 'dropped' | 'duplicate' | 'in-flight';
  readonly via?: number;
}

/** What the diagram highlights and explains at its failing event. */
export interface FailingEvent {
  /** Index in the window's events. */
  readonly index: number;
  /** A short title: "the spec allows X, but not the state logged", "X is not enabled in the spec here", "breaks ElectionSafety", or an oracle's own words. */
  readonly title: string;
  /** The gist, for the label beside the failing event: the first difference, condition or property. */
  readonly callout?: string;
  /** The diagnosis as the terminal prints it. */
  readonly lines: readonly string[];
  readonly differences?: ReadonlyArray<{ readonly path: string; readonly logged: unknown; readonly spec: unknown }>;
  readonly falseConditions?: ReadonlyArray<{
    readonly condition: string;
    readonly values: ReadonlyArray<readonly [string, unknown]>;
  }>;
  readonly brokenProperties?: readonly string[];
  /** A command to re-run TLC on the failing chunk by hand, when its modules were kept. */
  readonly rerun?: string;
}

export interface ServerSnapshot {
  readonly state: TracedState;
  readonly log: readonly Entry[];
}

export interface DiagramData {
  readonly id: string;
  readonly title: string;
  readonly nodes: readonly ServerId[];
  /** Each server's variables, and the messages in flight, before the window's first event. */
  readonly start: Readonly<Record<ServerId, ServerSnapshot>>;
  readonly startMessages: ReadonlyArray<{ readonly msg: Message; readonly copies: number }>;
  readonly events: readonly TraceEvent[];
  readonly arrows: readonly Arrow[];
  readonly failing: FailingEvent | null;
  /** Why the window does not show the whole trace, when it does not. */
  readonly windowNote: string | null;
}

/** How many events a diagram embeds at most: a window this size stays quick to draw and to load. */
export const DEFAULT_WINDOW = 4000;

export interface DiagramOptions {
  readonly id: string;
  readonly title: string;
  /** Position (from 0) in `events` of the event to highlight, if any. */
  readonly failingPosition?: number;
  readonly failing?: Omit<FailingEvent, 'index'>;
  readonly window?: number;
}

/**
 * The window of events to draw: the whole trace when it fits, otherwise one
 * that ends a little after the failing event (or at the trace's end), since
 * what led to a failure is what a reader looks for.
 */
export function windowOf(total: number, size: number, failing: number | undefined): { first: number; end: number } {
  if (total <= size) return { first: 0, end: total };
  const anchor = failing ?? total - 1;
  const after = Math.min(Math.floor(size / 10), total - 1 - anchor);
  const end = anchor + after + 1;
  return { first: Math.max(0, end - size), end };
}

/** Where a message is on the network: by its id where the trace has ids (real clusters), else by its fields. */
function sentKey(e: TraceEvent): string | null {
  if (!('send' in e) || !e.send) return null;
  return 'sendId' in e && e.sendId ? `id:${e.sendId}` : messageKey(e.send);
}

function readKey(e: TraceEvent): string {
  return e.msgId ? `id:${e.msgId}` : messageKey(e.msg!);
}

/** A copy of a message on the network: the event that sent it, and the duplication that made this copy. */
interface Copy {
  readonly from: number;
  readonly via?: number;
  readonly msg: Message;
  arrow?: number;
}

/**
 * Pairs every consumption with a send: copies of equal messages are taken in
 * the order they were put on the network (which copy a server got cannot be
 * told from the trace, and the picture is the same either way).
 */
export function pairMessages(
  events: readonly TraceEvent[],
  inFlightAtStart: ReadonlyArray<{ msg: Message; copies: number }> = [],
): Arrow[] {
  const arrows: Arrow[] = [];
  const network = new Map<string, Copy[]>();
  const put = (key: string, copy: Copy) => {
    const q = network.get(key);
    if (q) q.push(copy);
    else network.set(key, [copy]);
  };
  for (const { msg, copies } of inFlightAtStart)
    for (let c = 0; c < copies; c++) put(messageKey(msg), { from: -1, msg });
  events.forEach((e, k) => {
    if (e.action === 'DuplicateMessage') {
      const key = readKey(e);
      put(key, { from: network.get(key)?.[0]?.from ?? -1, via: k, msg: e.msg });
    } else if (e.msg && CONSUMING_ACTIONS.has(e.action)) {
      const key = readKey(e);
      const q = network.get(key);
      const copy = q?.shift();
      if (q && q.length === 0) network.delete(key);
      arrows.push({
        from: copy?.from ?? -1,
        to: k,
        source: e.msg.source,
        dest: e.msg.dest,
        type: e.msg.type,
        fate: e.action === 'DropMessage' ? 'dropped' : copy?.via !== undefined ? 'duplicate' : 'delivered',
        ...(copy?.via !== undefined ? { via: copy.via } : {}),
      });
    }
    const key = sentKey(e);
    if (key) put(key, { from: k, msg: (e as { send: Message }).send });
  });
  for (const q of network.values()) {
    for (const c of q) {
      if (c.from < 0 && c.via === undefined) continue;
      arrows.push({
        from: c.from,
        to: -1,
        source: c.msg.source,
        dest: c.msg.dest,
        type: c.msg.type,
        fate: 'in-flight',
        ...(c.via !== undefined ? { via: c.via } : {}),
      });
    }
  }
  return arrows;
}

/**
 * The diagram of a trace, read once: the events before the window only
 * rebuild its start state, so a trace of any length costs the window's memory.
 */
export function diagramOf(
  header: TraceHeader,
  events: Iterable<TraceEvent>,
  total: number,
  options: DiagramOptions,
): DiagramData {
  const size = options.window ?? DEFAULT_WINDOW;
  const { first, end } = windowOf(total, size, options.failingPosition);
  const replay = startReplay(header.nodes, traceGuards(header));
  const window: TraceEvent[] = [];
  let position = 0;
  for (const e of events) {
    if (position >= end) break;
    if (position < first) applyEvent(replay, e);
    else window.push(e);
    position++;
  }
  const start: Record<ServerId, ServerSnapshot> = {};
  for (const id of header.nodes) {
    const s = replay.state.servers[id]!;
    start[id] = { state: s.state, log: logEntries(s.log) };
  }
  const startMessages = [...replay.state.bag.values()].map(({ msg, copies }) => ({ msg, copies }));
  const failing =
    options.failingPosition !== undefined && options.failing && options.failingPosition < end
      ? { ...options.failing, index: options.failingPosition - first }
      : null;
  const windowNote =
    first > 0 || end < total
      ? `Showing events ${first + 1} to ${first + window.length} of ${total}: the diagram starts from the state rebuilt after event ${first}.`
      : null;
  return {
    id: options.id,
    title: options.title,
    nodes: header.nodes,
    start,
    startMessages,
    events: window,
    arrows: pairMessages(window, startMessages),
    failing,
    windowNote,
  };
}
