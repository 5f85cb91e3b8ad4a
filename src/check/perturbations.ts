// Single-point perturbations of a trace, for the differential fuzzer that
// holds TLC's checker and the in-process one in agreement (differential.ts):
// each changes one thing (a post-state field, a field of the message sent
// or consumed, an event deleted, duplicated or swapped with the next, the
// acting server, the destination of a send, the trace cut short, or an
// election-timer restart recorded or left out where it was not), and
// events are renumbered so that the trace keeps its numbering. A third of
// them are placed at chunk boundaries (the fuzzer asks for every third), where TLC's checker starts a chunk
// from a state rebuilt from the events before it. Randomness comes from the
// seeded generator only: one seed, one list of perturbations.
import type { Entry, Message } from '../raft/types.js';
import { Rng } from '../random/rng.js';

export const PERTURBATION_KINDS = [
  'post-state',
  'sent-message',
  'consumed-message',
  'delete',
  'duplicate',
  'swap',
  'actor',
  'retarget',
  'truncate',
  'timer',
] as const;

export type PerturbationKind = (typeof PERTURBATION_KINDS)[number];

export interface Perturbation {
  readonly kind: PerturbationKind;
  /** The event changed (from 1), or the last event kept by a truncation. */
  readonly event: number;
  /** Whether it was placed at a chunk boundary (the last event of a chunk or the first of the next). */
  readonly atBoundary: boolean;
  /** What was changed, for the fuzzer's report. */
  readonly what: string;
  /** The perturbed trace. */
  readonly text: string;
}

type Json = Record<string, unknown>;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.intBetween(0, xs.length - 1)]!;

/** A number moved by one, up or down, never below `min`. */
function nudge(rng: Rng, n: number, min = 0): number {
  return n <= min || rng.intBetween(0, 1) === 0 ? n + 1 : n - 1;
}

/** One field of a message changed (not its type, source or destination). */
function perturbMessage(rng: Rng, m: Message): { msg: Message; what: string } {
  const out = clone(m) as unknown as Json;
  const fields = Object.keys(out).filter((f) => f !== 'type' && f !== 'source' && f !== 'dest');
  const f = pick(rng, fields);
  const v = out[f];
  if (typeof v === 'number') out[f] = nudge(rng, v, f === 'term' ? 1 : 0);
  else if (typeof v === 'boolean') out[f] = !v;
  else if (Array.isArray(v)) {
    const entries = v as Entry[];
    if (entries.length > 0 && rng.intBetween(0, 1) === 0) out[f] = entries.slice(0, -1);
    else out[f] = [...entries, { term: m.term, value: `fuzz-${rng.intBetween(0, 999)}` }];
  }
  return { msg: out as unknown as Message, what: `${f}: ${JSON.stringify(v)} -> ${JSON.stringify(out[f])}` };
}

/** The fields of a logged post-state a perturbation may change: the guards' and the snapshot's where the run had them on. */
function stateFields(state: Json): string[] {
  const fields = ['term', 'role', 'votedFor', 'commitIndex', 'votesResponded', 'votesGranted', 'nextIndex'];
  fields.push('matchIndex', 'log');
  if ('leaderSeen' in state) fields.push('leaderSeen');
  if ('activePeers' in state) fields.push('activePeers');
  if ('snapshotIndex' in state) fields.push('snapshotIndex', 'snapshotTerm');
  return fields;
}

/** The roles a server of the run may have: PreCandidate only with PreVote on. */
const roles = (state: Json) => ['Follower', ...('leaderSeen' in state ? ['PreCandidate'] : []), 'Candidate', 'Leader'];

/** One field of an event's logged post-state (or its log change) changed. */
function perturbState(rng: Rng, e: Json, nodes: readonly string[]): string {
  const state = e.state as Json;
  const node = e.node as string;
  const peers = nodes.filter((n) => n !== node);
  const f = pick(rng, stateFields(state));
  const before = JSON.stringify(f === 'log' ? (e.logChange ?? null) : state[f]);
  switch (f) {
    case 'term':
      state.term = nudge(rng, state.term as number);
      break;
    case 'role':
      state.role = pick(
        rng,
        roles(state).filter((r) => r !== state.role),
      );
      break;
    case 'leaderSeen':
      state.leaderSeen = !state.leaderSeen;
      break;
    case 'votedFor':
      state.votedFor = pick(
        rng,
        [null, ...nodes].filter((v) => v !== state.votedFor),
      );
      break;
    case 'commitIndex':
    case 'snapshotIndex':
    case 'snapshotTerm':
      state[f] = nudge(rng, state[f] as number);
      break;
    case 'votesResponded':
    case 'votesGranted':
    case 'activePeers': {
      const set = state[f] as string[];
      const who = pick(rng, f === 'activePeers' ? peers : nodes);
      state[f] = set.includes(who) ? set.filter((x) => x !== who) : [...set, who].sort();
      break;
    }
    case 'nextIndex':
    case 'matchIndex': {
      const map = state[f] as Record<string, number>;
      const p = pick(rng, peers);
      map[p] = nudge(rng, map[p]!, f === 'nextIndex' ? 1 : 0);
      break;
    }
    case 'log': {
      // An appended entry changed, or one more entry kept (or appended): the
      // logged length follows, so that the trace stays well formed.
      const change = (e.logChange as { keep: number; append: Entry[] } | undefined) ?? {
        keep: state.logLength as number,
        append: [],
      };
      if (change.append.length > 0 && rng.intBetween(0, 1) === 0) {
        const k = rng.intBetween(0, change.append.length - 1);
        const x = change.append[k]!;
        change.append[k] =
          rng.intBetween(0, 1) === 0 ? { ...x, term: nudge(rng, x.term, 1) } : { ...x, value: `${x.value}~` };
      } else if (change.keep > 0 && rng.intBetween(0, 1) === 0) {
        change.keep--;
      } else {
        change.append.push({ term: state.term as number, value: `fuzz-${rng.intBetween(0, 999)}` });
      }
      e.logChange = change;
      state.logLength = change.keep + change.append.length;
      return `logChange: ${before} -> ${JSON.stringify(change)}`;
    }
  }
  return `state.${f}: ${before} -> ${JSON.stringify(state[f])}`;
}

/** Where the perturbation goes: anywhere, or next to a chunk boundary if asked and the trace has one. */
function placement(
  rng: Rng,
  n: number,
  chunkSize: number,
  atBoundary: boolean,
  fits: (k: number) => boolean,
): { k: number; atBoundary: boolean } | null {
  const nearBoundary = (k: number) => k % chunkSize === chunkSize - 1 || (k > 0 && k % chunkSize === 0);
  const fitting: number[] = [];
  for (let k = 0; k < n; k++) if (fits(k)) fitting.push(k);
  if (fitting.length === 0) return null;
  const near = fitting.filter(nearBoundary);
  const k = atBoundary && near.length > 0 ? pick(rng, near) : pick(rng, fitting);
  return { k, atBoundary: nearBoundary(k) };
}

/** Whether event k of the trace can take a perturbation of this kind. */
function fits(kind: PerturbationKind, events: readonly Json[], k: number): boolean {
  switch (kind) {
    case 'post-state':
    case 'actor':
    case 'timer':
      return 'state' in events[k]!;
    case 'sent-message':
    case 'retarget':
      return 'send' in events[k]!;
    case 'consumed-message':
      return 'msg' in events[k]!;
    case 'swap':
    case 'truncate':
      return k + 1 < events.length;
    case 'delete':
    case 'duplicate':
      return true;
  }
}

/** Another server acts in event `e` (changed in place), the one after `before`: its id takes the old one's place in the logged maps. */
function changeActor(rng: Rng, e: Json, before: readonly Json[], nodes: readonly string[]): string {
  const from = e.node as string;
  const to = pick(
    rng,
    nodes.filter((x) => x !== from),
  );
  const state = e.state as Json;
  for (const f of ['nextIndex', 'matchIndex']) {
    const map = state[f] as Record<string, number>;
    const swapped: Record<string, number> = {};
    for (const [p, v] of Object.entries(map)) swapped[p === to ? from : p] = v;
    state[f] = Object.fromEntries(Object.entries(swapped).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  // The event stays well formed: the message it reads was for the new
  // actor, the one it sends is from it, and a peer it named stays a peer.
  e.node = to;
  if (e.msg) e.msg = { ...(e.msg as Json), dest: to };
  if (e.send) e.send = { ...(e.send as Json), source: to };
  if (e.peer === to) {
    e.peer = from;
    if (e.send) (e.send as Json).dest = from;
  }
  // Its logged log length is the new actor's, as the trace had it so far.
  let length = 0;
  for (const x of before) if (x.node === to) length = (x.state as Json).logLength as number;
  const change = e.logChange as { keep: number; append: Entry[] } | undefined;
  if (change) change.keep = Math.min(change.keep, length);
  state.logLength = change ? change.keep + change.append.length : length;
  return `actor ${from} -> ${to}`;
}

/** The message event `e` sends (changed in place) goes to another server, neither its source nor its old destination. */
function retarget(rng: Rng, e: Json, nodes: readonly string[]): string {
  const send = e.send as Json;
  const to = pick(
    rng,
    nodes.filter((x) => x !== send.dest && x !== send.source),
  );
  const what = `send.dest ${String(send.dest)} -> ${to}`;
  send.dest = to;
  if (e.peer !== undefined && !e.msg) e.peer = to;
  return what;
}

/**
 * A perturbation of the given kind of a trace (NDJSON text, header first),
 * next to a chunk boundary if `atBoundary` (chunks of `chunkSize` events),
 * or null if the trace has no event it applies to.
 */
export function perturb(
  text: string,
  kind: PerturbationKind,
  rng: Rng,
  chunkSize: number,
  atBoundary = false,
): Perturbation | null {
  const lines = text.split('\n').filter((l) => l !== '');
  const header = JSON.parse(lines[0]!) as { nodes: string[] };
  const nodes = header.nodes;
  const events = lines.slice(1).map((l) => JSON.parse(l) as Json);
  const n = events.length;
  const where = placement(rng, n, chunkSize, atBoundary, (k) => fits(kind, events, k));
  if (!where) return null;
  const { k } = where;
  let out = [...events];
  const e = clone(events[k]!);
  let what: string;
  switch (kind) {
    case 'post-state':
      what = perturbState(rng, e, nodes);
      out[k] = e;
      break;
    case 'sent-message':
    case 'consumed-message': {
      const field = kind === 'sent-message' ? 'send' : 'msg';
      const r = perturbMessage(rng, e[field] as Message);
      e[field] = r.msg;
      out[k] = e;
      what = `${field}.${r.what}`;
      break;
    }
    case 'delete':
      out.splice(k, 1);
      what = `deleted ${e.action}`;
      break;
    case 'duplicate':
      out.splice(k, 0, e);
      what = `duplicated ${e.action}`;
      break;
    case 'swap':
      out[k] = events[k + 1]!;
      out[k + 1] = events[k]!;
      what = `swapped ${e.action} with the next ${events[k + 1]!.action}`;
      break;
    case 'actor':
      what = changeActor(rng, e, events.slice(0, k), nodes);
      out[k] = e;
      break;
    case 'retarget':
      what = retarget(rng, e, nodes);
      out[k] = e;
      break;
    case 'truncate':
      out = out.slice(0, k + 1);
      what = `cut after event ${k + 1} of ${n}`;
      break;
    case 'timer':
      if (e.timer) delete e.timer;
      else e.timer = true;
      out[k] = e;
      what = `timer ${e.timer ? 'restarted' : 'not restarted'} on ${String(e.action)}`;
      break;
  }
  const renumbered = out.map((x, j) => JSON.stringify({ ...x, i: j + 1 }));
  return { kind, event: k + 1, atBoundary: where.atBoundary, what, text: [lines[0]!, ...renumbered].join('\n') + '\n' };
}
