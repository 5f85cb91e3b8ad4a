// A trace as an ITF trace (the Informal Trace Format of Apalache and Quint,
// ADR-015): one state of spec/Raft.tla's variables before the first event
// and one after each event, so that the tools that read ITF (Quint's ITF
// reader and test drivers, Apalache's trace viewers) can load a run of the
// implementation as a behaviour of the spec. (The Rust itf crate 0.4 parses
// each value but will not decode maps keyed by records, as `messages` is.)
//
// Values follow ADR-015: integers as {"#bigint": "..."}, sets as
// {"#set": [...]}, functions (the per-server variables, the message bag) as
// {"#map": [[key, value], ...]}, records as JSON objects, sequences as JSON
// arrays. The spec's model value Nil (votedFor of a server that has not
// voted) is the string "Nil". Sets and maps are written in a fixed order, so
// that the same trace gives the same bytes.
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Entry, Message, ServerId } from '../raft/types.js';
import { ensureDir } from '../files/output-path.js';
import { traceGuards, type TraceEvent, type TraceHeader } from '../raft/events.js';
import { applyEvent, logEntries, messageKey, startReplay, type Replay } from './replay.js';

export const ITF_VARS = [
  'currentTerm',
  'votedFor',
  'log',
  'snapshotIndex',
  'snapshotTerm',
  'role',
  'commitIndex',
  'votesResponded',
  'votesGranted',
  'nextIndex',
  'matchIndex',
  'leaderSeen',
  'activePeers',
  'messages',
  'elected',
  'committed',
  'stoodFor',
  'quorumChecks',
] as const;

export const ITF_FORMAT_DESCRIPTION = 'https://apalache-mc.org/docs/adr/015adr-trace.html';

type Itf = boolean | string | Itf[] | { readonly [k: string]: Itf };

const int = (n: number): Itf => ({ '#bigint': String(n) });

/** Items with their sort keys, in key order: sets and maps come out the same every time. */
function byKey<T>(keyed: Array<readonly [string, T]>): T[] {
  return keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, v]) => v);
}

const set = (items: Itf[]): Itf => ({ '#set': byKey(items.map((v) => [JSON.stringify(v), v] as const)) });

const entry = (e: Entry): Itf => ({ term: int(e.term), value: e.value });

/** A message as the spec's record of its type: its integers as integers, its entries as a sequence. */
function message(m: Message): Itf {
  const out: Record<string, Itf> = {};
  for (const [k, v] of Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (typeof v === 'number') out[k] = int(v);
    else if (k === 'entries') out[k] = (v as Entry[]).map(entry);
    else out[k] = v as Itf;
  }
  return out;
}

/**
 * The spec's `committed` as Raft.tla keeps it: the replay's is compacted
 * (see GlobalState.committed), so the export keeps its own, with its ITF
 * value rebuilt only when a record is added, not for every state.
 */
class CommittedHistory {
  private readonly records = new Map<string, Itf>();
  value: Itf = { '#set': [] };

  add(record: Itf): void {
    const key = JSON.stringify(record);
    if (this.records.has(key)) return;
    this.records.set(key, record);
    this.value = { '#set': byKey([...this.records]) };
  }
}

/** A state's #meta: its index, and strings only beside it (see the trace's #meta). */
type StateMeta = { readonly index: number } & Readonly<Record<string, string | number>>;

function stateOf(
  replay: Replay,
  nodes: readonly ServerId[],
  committed: CommittedHistory,
  meta: StateMeta,
): Record<string, unknown> {
  const servers = replay.state.servers;
  const perServer = (f: (id: ServerId) => Itf): Itf => ({ '#map': nodes.map((id) => [id, f(id)]) });
  const peerMap = (m: Readonly<Record<string, number>>): Itf => ({
    '#map': Object.keys(m)
      .sort()
      .map((p) => [p, int(m[p]!)]),
  });
  const bag = byKey(
    [...replay.state.bag.values()].map(({ msg, copies }) => [messageKey(msg), [message(msg), int(copies)]] as const),
  );
  const { items, length } = replay.state.elected;
  const snapshotOf = (id: ServerId) => servers[id]!.state.snapshotIndex ?? 0;
  return {
    '#meta': meta,
    currentTerm: perServer((id) => int(servers[id]!.state.term)),
    votedFor: perServer((id) => servers[id]!.state.votedFor ?? 'Nil'),
    // The entries after the snapshot; index and term 0 where the run had snapshots off (as the spec's Init).
    log: perServer((id) => logEntries(servers[id]!.log).slice(snapshotOf(id)).map(entry)),
    snapshotIndex: perServer((id) => int(snapshotOf(id))),
    snapshotTerm: perServer((id) => int(servers[id]!.state.snapshotTerm ?? 0)),
    role: perServer((id) => servers[id]!.state.role),
    commitIndex: perServer((id) => int(servers[id]!.state.commitIndex)),
    votesResponded: perServer((id) => set([...servers[id]!.state.votesResponded])),
    votesGranted: perServer((id) => set([...servers[id]!.state.votesGranted])),
    nextIndex: perServer((id) => peerMap(servers[id]!.state.nextIndex)),
    matchIndex: perServer((id) => peerMap(servers[id]!.state.matchIndex)),
    // The guards' variables, false and empty where the run had the guard off (as the spec's Init).
    leaderSeen: perServer((id) => servers[id]!.state.leaderSeen ?? false),
    activePeers: perServer((id) => set([...(servers[id]!.state.activePeers ?? [])])),
    messages: { '#map': bag.map((pair) => [...pair]) },
    // The replay's `elected` is the spec's: each [term, leader] once.
    elected: set(items.slice(0, length).map((e) => ({ term: int(e.term), leader: e.leader }))),
    committed: committed.value,
    stoodFor: int(replay.state.stoodFor),
    quorumChecks: perServer((id) => int(replay.state.quorumChecks[id] ?? 0)),
  };
}

export interface ItfSource {
  /** The trace file, named in the ITF trace's metadata. */
  readonly file: string;
  readonly header: TraceHeader;
  readonly events: Iterable<TraceEvent>;
}

/** A short description of an event, as spec action and parameters (the checker's wording). */
export type DescribeEvent = (e: TraceEvent) => string;

/**
 * The ITF trace, piece by piece: the opening with its metadata, then each
 * state, then the close. Pieces join into one JSON document; a state is
 * built only when asked for, so a long trace streams to disk.
 */
export function* itfPieces(source: ItfSource, describe: DescribeEvent): Generator<string> {
  const { header } = source;
  // Every field beyond the ones ADR-015 names is a string: readers such as
  // the itf crate refuse anything else in #meta.
  const meta = {
    format: 'ITF',
    'format-description': ITF_FORMAT_DESCRIPTION,
    source: source.file,
    description:
      `The run recorded in ${source.file} (servers ${header.nodes.join(', ')}, seed ${header.seed}) as a behaviour of spec/Raft.tla: ` +
      'state 0 is Init, state k the state after event k. votedFor holds the string "Nil" for the model value Nil. ' +
      'Written by raft-tla-harness (tools/export-itf.ts).',
  };
  yield `{"#meta":${JSON.stringify(meta)},"vars":${JSON.stringify(ITF_VARS)},"states":[\n`;
  const replay = startReplay(header.nodes, traceGuards(header));
  const committed = new CommittedHistory();
  yield JSON.stringify(stateOf(replay, header.nodes, committed, { index: 0, action: 'Init' }));
  let index = 0;
  for (const e of source.events) {
    index++;
    const before = 'node' in e ? replay.state.servers[e.node]!.state.commitIndex : 0;
    applyEvent(replay, e);
    if (e.action === 'AdvanceCommitIndex') {
      const log = replay.state.servers[e.node]!.log;
      for (let k = before + 1; k <= Math.min(e.state.commitIndex, log.length); k++) {
        committed.add({ index: int(k), entry: entry(log.entries[k - 1]!), inTerm: int(e.state.term) });
      }
    }
    yield `,\n${JSON.stringify(stateOf(replay, header.nodes, committed, { index, action: describe(e), origin: e.origin ?? `${source.file}:${index + 1}` }))}`;
  }
  yield '\n]}\n';
}

/** Writes the ITF trace so that it appears whole or not at all. */
export function writeItf(path: string, source: ItfSource, describe: DescribeEvent): void {
  ensureDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const piece of itfPieces(source, describe)) writeSync(fd, piece);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}
