// Writes trace data as TLA+ constant expressions, in the shapes spec/Raft.tla
// uses: logs and entries as sequences, vote tallies as sets, nextIndex and
// matchIndex as records keyed by server, the bag as a function from message
// to copies, and a null votedFor as the model value Nil.
import type { Entry, Message, ServerId } from '../raft/types.js';
import type { TracedState, TraceEvent } from '../raft/events.js';
import { commonPrefix, type CommittedRecord, type GlobalState, type History, type LogView } from '../trace/replay.js';

/**
 * A TLA+ string literal holding `s`. TLC's lexer accepts only printable ASCII
 * inside strings (a CR, a snowman or an emoji in a client's value made the
 * whole generated module unparseable), and a value is only ever compared for
 * equality, so every other character, and the escape mark `~` itself, is
 * written as `~` and four hex digits of its UTF-16 code unit: a one-to-one
 * encoding that decodeTlaString reverses.
 */
export function tlaString(s: string): string {
  const encoded = s.replace(/[^\x20-\x7e]|["\\~]/g, (c) => `~${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (encoded.length <= STRING_PIECE) return `"${encoded}"`;
  // A long value is written as pieces joined by \o, a piece a line: TLC's
  // PlusCal scanner takes time in the square of a line's length (a 1.2 MB
  // client value on one line kept TLC reading the module for minutes).
  const pieces: string[] = [];
  for (let k = 0; k < encoded.length; k += STRING_PIECE) {
    let end = Math.min(encoded.length, k + STRING_PIECE);
    // Never split an escape (~ and four hex digits).
    const tilde = end < encoded.length ? encoded.slice(end - 4, end).indexOf('~') : -1;
    if (tilde >= 0) end -= 4 - tilde;
    pieces.push(`"${encoded.slice(k, end)}"`);
    k = end - STRING_PIECE;
  }
  return joined(pieces);
}

/** Pieces joined by \o as a balanced tree: a chain of thousands would overflow TLC's stack. */
function joined(pieces: readonly string[]): string {
  if (pieces.length === 1) return pieces[0]!;
  const half = Math.ceil(pieces.length / 2);
  return `(${joined(pieces.slice(0, half))} \\o\n  ${joined(pieces.slice(half))})`;
}

/** The longest string literal written on one line of the generated module. */
const STRING_PIECE = 128;

/** The string that tlaString encoded (strings it did not encode come back unchanged). */
export function decodeTlaString(s: string): string {
  return s.replace(/~([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The names of the fields of the generated data. None equals a variable of
 * Raft.tla: current TLC's parser warns about every record whose fields do,
 * and spent half of a check doing so (see RaftTrace.tla for their readers).
 */
const DELTA_FIELD = {
  votesResponded: 'newVotesResponded',
  votesGranted: 'newVotesGranted',
  nextIndex: 'newNextIndex',
  matchIndex: 'newMatchIndex',
} as const;

/** The message constructors the data calls, defined once at its top. */
export const MESSAGE_CONSTRUCTORS = [
  'MRVQ(s, d, t, llt, lli) == [type |-> "RequestVoteRequest", source |-> s, dest |-> d, term |-> t, lastLogTerm |-> llt, lastLogIndex |-> lli]',
  'MRVP(s, d, t, g) == [type |-> "RequestVoteResponse", source |-> s, dest |-> d, term |-> t, voteGranted |-> g]',
  'MAEQ(s, d, t, pli, plt, es, ci) == [type |-> "AppendEntriesRequest", source |-> s, dest |-> d, term |-> t, prevLogIndex |-> pli, prevLogTerm |-> plt, entries |-> es, commitIndex |-> ci]',
  'MAEP(s, d, t, ok, mi) == [type |-> "AppendEntriesResponse", source |-> s, dest |-> d, term |-> t, success |-> ok, matchIndex |-> mi]',
  'MPVQ(s, d, t, llt, lli) == [type |-> "PreVoteRequest", source |-> s, dest |-> d, term |-> t, lastLogTerm |-> llt, lastLogIndex |-> lli]',
  'MPVP(s, d, t, g) == [type |-> "PreVoteResponse", source |-> s, dest |-> d, term |-> t, voteGranted |-> g]',
  'MISQ(s, d, t, lii, lit) == [type |-> "InstallSnapshotRequest", source |-> s, dest |-> d, term |-> t, lastIncludedIndex |-> lii, lastIncludedTerm |-> lit]',
].join('\n');

function record(fields: Array<[string, string]>): string {
  return `[${fields.map(([k, v]) => `${k} |-> ${v}`).join(', ')}]`;
}

/** A record a field to a line: a chunk's start state, whose fields together outgrow a line (see items). */
function recordByLines(fields: Array<[string, string]>): string {
  return `[${fields.map(([k, v]) => `${k} |-> ${v}`).join(',\n   ')}]`;
}

/**
 * Items separated by commas, 16 to a line: TLC reads the whole module with
 * a PlusCal scanner that splits each line again for every token, so its
 * time grows with the square of a line's length (a start log of 25,000
 * entries on one line cost most of a TLC run).
 */
function items(xs: readonly string[]): string {
  if (xs.length <= 16) return xs.join(', ');
  const lines: string[] = [];
  for (let k = 0; k < xs.length; k += 16) lines.push(xs.slice(k, k + 16).join(', '));
  return lines.join(',\n  ');
}

const seq = (xs: string[]) => `<<${items(xs)}>>`;
export const set = (xs: string[]) => `{${items(xs)}}`;

function entry(e: Entry): string {
  return record([
    ['term', String(e.term)],
    ['value', tlaString(e.value)],
  ]);
}

const tlaBool = (b: boolean) => (b ? 'TRUE' : 'FALSE');
/** The guards' variables of a logged state: absent where the run had the guard off, as the spec's Init has them. */
const leaderSeenOf = (s: TracedState) => s.leaderSeen ?? false;
const activePeersOf = (s: TracedState) => s.activePeers ?? [];
/** A logged state's snapshot: absent where the run had snapshots off, as the spec's Init has it (index and term 0). */
export const snapshotIndexOf = (s: Pick<TracedState, 'snapshotIndex'>) => s.snapshotIndex ?? 0;
export const snapshotTermOf = (s: Pick<TracedState, 'snapshotTerm'>) => s.snapshotTerm ?? 0;

function server(id: ServerId | null): string {
  return id === null ? 'Nil' : tlaString(id);
}

function indexMap(m: Readonly<Record<ServerId, number>>): string {
  const peers = Object.keys(m).sort();
  // A lone server has no peers: TLA+ has no empty record, but the function on no servers is one.
  if (peers.length === 0) return '[p \\in {} |-> 0]';
  return record(peers.map((k) => [k, String(m[k])]));
}

/**
 * Writes the trace data of one TLC run. Each distinct sequence of entries is
 * named once (`Es1 == <<...>>`), so that an AppendEntries payload repeated
 * across events is written once: TLC evaluates such a definition once, and
 * its parser has less to read. The state a chunk starts from is written as a
 * change of the previous chunk's (`Lg7 == Lg3 \o <<...>>`, `Cm4 == Cm3 \cup
 * {...}`), so that a batch's module grows with its events, not with the
 * length of the logs times its chunks.
 */
export class TraceDataWriter {
  private readonly names = new Map<string, string>();
  private readonly named: string[] = [];
  private readonly startLogs = new Map<ServerId, { name: string; view: LogView; from: number }>();
  private readonly histories = new Map<
    string,
    { name: string; items: unknown[]; length: number; id: string; level: number }
  >();
  private definitionCount = 0;

  /** The definitions of the named values, to be written before any use. */
  definitions(): string {
    return this.named.join('\n');
  }

  private define(prefix: string, expression: string): string {
    const name = `${prefix}${++this.definitionCount}`;
    this.named.push(`${name} == ${expression}`);
    return name;
  }

  private log(entries: readonly Entry[]): string {
    const literal = seq(entries.map(entry));
    if (entries.length < 2) return literal;
    let name = this.names.get(literal);
    if (!name) {
      name = `Es${this.names.size + 1}`;
      this.names.set(literal, name);
      this.named.push(`${name} == ${literal}`);
    }
    return name;
  }

  /**
   * A server's log at a chunk start: the entries after its snapshot (index
   * `snapshot`), as a change of its log at the previous chunk start in this
   * batch: entries cut into the snapshot from the front, entries kept, and
   * entries appended.
   */
  private startLog(id: ServerId, view: LogView, snapshot: number): string {
    const previous = this.startLogs.get(id);
    if (
      previous &&
      previous.view.entries === view.entries &&
      previous.view.length === view.length &&
      previous.from === snapshot
    )
      return previous.name;
    const appended = (from: number) => seq(view.entries.slice(from, view.length).map(entry));
    let expression: string;
    // The entries both retain, by absolute index: previous.from + 1 .. keep.
    // (Entries both snapshots cover are never read: the comparison starts after the lower one.)
    const keep = previous ? commonPrefix(previous.view, view, Math.min(previous.from, snapshot)) : 0;
    if (!previous || keep <= snapshot || previous.from > snapshot) {
      if (view.length === snapshot) return '<< >>';
      expression = appended(snapshot);
    } else {
      const whole = snapshot === previous.from && keep === previous.view.length;
      const base = whole
        ? previous.name
        : `SubSeq(${previous.name}, ${snapshot - previous.from + 1}, ${keep - previous.from})`;
      expression = keep === view.length ? base : `${base} \\o ${appended(keep)}`;
    }
    const name = this.define('Lg', expression);
    this.startLogs.set(id, { name, view, from: snapshot });
    return name;
  }

  /**
   * A history variable at a chunk start, as the previous chunk start's value
   * and what was added since, without the records `prune` says no property
   * can read again (see committedHistory and electedHistory): its `keeps`
   * tells them, `filter(name)` writes the same choice over a defined value,
   * and `level` only grows while the run is well behaved (a level lower than
   * the last one, from a trace that breaks the spec there, writes the
   * history afresh).
   */
  private history<T>(
    key: string,
    h: History<T>,
    write: (item: T) => string,
    prune?: {
      readonly keeps: (item: T) => boolean;
      readonly filter: (name: string) => string;
      readonly level: number;
      readonly id: string;
    },
  ): string {
    const previous = this.histories.get(key);
    const id = prune?.id ?? '';
    if (previous && previous.items === h.items && previous.length === h.length && previous.id === id)
      return previous.name;
    const chained =
      previous !== undefined &&
      previous.items === h.items &&
      previous.length <= h.length &&
      (prune?.level ?? 0) >= previous.level;
    const from = chained ? previous.length : 0;
    const added = h.items.slice(from, h.length).filter((x) => !prune || prune.keeps(x));
    if (!chained && added.length === 0) return '{}';
    const base = !chained ? '' : previous.id === id ? previous.name : prune!.filter(previous.name);
    const expression =
      base && added.length > 0 ? `${base} \\cup ${set(added.map(write))}` : base || set(added.map(write));
    const name = this.define(key, expression);
    this.histories.set(key, { name, items: h.items, length: h.length, id, level: prune?.level ?? 0 });
    return name;
  }

  /**
   * The spec's `committed` at a chunk start, without the records no
   * property can read again: those at an index every server's snapshot
   * covers (below the lowest snapshot index), except at a snapshot's own
   * index (SnapshotCommitted reads it). Such a record stands for an entry no
   * log holds: Leader Completeness holds of it on every server, CommittedAt
   * is read only where some server is past its snapshot, and new commits
   * come after every leader's snapshot. Snapshots only advance, so a pruned
   * record is never needed later: the history at a chunk start stays as long
   * as the entries the servers hold, however long the run has been.
   */
  private committedHistory(
    g: GlobalState,
    servers: readonly ServerId[],
    write: (c: CommittedRecord) => string,
  ): string {
    const snapshots = servers.map((id) => snapshotIndexOf(g.servers[id]!.state));
    const below = Math.min(...snapshots);
    const kept = [...new Set(snapshots)].sort((a, b) => a - b).join(',');
    return this.history('Cm', g.committed, write, {
      keeps: (c) => c.index > below || snapshots.includes(c.index),
      filter: (name) => `{c \\in ${name} : c.index > ${below} \\/ c.index \\in {${kept}}}`,
      level: below,
      id: `${below}:${kept}`,
    });
  }

  /**
   * The spec's `elected` at a chunk start, without the elections of terms
   * below every server's current term: an election is of its server's
   * current term, and terms never decrease, so no later election can share
   * a term with them (Election Safety compares only elections of one term).
   */
  private electedHistory(
    g: GlobalState,
    servers: readonly ServerId[],
    write: (e: { term: number; leader: ServerId }) => string,
  ): string {
    const lowest = Math.min(...servers.map((id) => g.servers[id]!.state.term));
    return this.history('El', g.elected, write, {
      keeps: (e) => e.term >= lowest,
      filter: (name) => `{e \\in ${name} : e.term >= ${lowest}}`,
      level: lowest,
      id: String(lowest),
    });
  }

  /**
   * A message as a call of its constructor (see MESSAGE_CONSTRUCTORS): the
   * data then holds no record whose fields are named like the spec's
   * variables (commitIndex, matchIndex), which current TLC's parser lints
   * record by record, at a cost that grew with the batch.
   */
  message(m: Message): string {
    const head = `${tlaString(m.source)}, ${tlaString(m.dest)}, ${m.term}`;
    switch (m.type) {
      case 'RequestVoteRequest':
        return `MRVQ(${head}, ${m.lastLogTerm}, ${m.lastLogIndex})`;
      case 'RequestVoteResponse':
        return `MRVP(${head}, ${m.voteGranted ? 'TRUE' : 'FALSE'})`;
      case 'AppendEntriesRequest':
        return `MAEQ(${head}, ${m.prevLogIndex}, ${m.prevLogTerm}, ${this.log(m.entries)}, ${m.commitIndex})`;
      case 'AppendEntriesResponse':
        return `MAEP(${head}, ${m.success ? 'TRUE' : 'FALSE'}, ${m.matchIndex})`;
      case 'PreVoteRequest':
        return `MPVQ(${head}, ${m.lastLogTerm}, ${m.lastLogIndex})`;
      case 'PreVoteResponse':
        return `MPVP(${head}, ${m.voteGranted ? 'TRUE' : 'FALSE'})`;
      case 'InstallSnapshotRequest':
        return `MISQ(${head}, ${m.lastIncludedIndex}, ${m.lastIncludedTerm})`;
    }
  }

  /**
   * The logged post-state as the fields that differ from the server's logged
   * state before the event (`before`); an unchanged field is left out, and
   * the log is given as the event's change, <<entries kept, entries
   * appended>>. RaftTrace.tla rebuilds the whole post-state from the spec's
   * pre-state and this delta. That is exact: within a chunk, each pre-state
   * the spec reaches has matched the logged one.
   */
  stateDelta(
    before: TracedState,
    e: {
      readonly logChange?: { readonly keep: number; readonly append: readonly Entry[] };
      readonly state: TracedState;
    },
  ): string {
    const after = e.state;
    const fields: Array<[string, string]> = [];
    if (after.term !== before.term) fields.push(['newTerm', String(after.term)]);
    if (after.role !== before.role) fields.push(['newRole', tlaString(after.role)]);
    if (after.votedFor !== before.votedFor) fields.push(['newVotedFor', server(after.votedFor)]);
    if (e.logChange) fields.push(['newLog', `<<${e.logChange.keep}, ${this.log(e.logChange.append)}>>`]);
    // The snapshot, absent from a run without snapshots (the spec's then stays empty).
    if (snapshotIndexOf(after) !== snapshotIndexOf(before))
      fields.push(['newSnapshotIndex', String(snapshotIndexOf(after))]);
    if (snapshotTermOf(after) !== snapshotTermOf(before))
      fields.push(['newSnapshotTerm', String(snapshotTermOf(after))]);
    if (after.commitIndex !== before.commitIndex) fields.push(['newCommitIndex', String(after.commitIndex)]);
    for (const f of ['votesResponded', 'votesGranted'] as const) {
      if (after[f].join() !== before[f].join()) fields.push([DELTA_FIELD[f], set(after[f].map(tlaString))]);
    }
    for (const f of ['nextIndex', 'matchIndex'] as const) {
      if (indexMap(after[f]) !== indexMap(before[f])) fields.push([DELTA_FIELD[f], indexMap(after[f])]);
    }
    // The guards' variables, absent from a run without the guard (the spec's then never change).
    if (leaderSeenOf(after) !== leaderSeenOf(before)) fields.push(['newLeaderSeen', tlaBool(leaderSeenOf(after))]);
    if (activePeersOf(after).join() !== activePeersOf(before).join())
      fields.push(['newActivePeers', set(activePeersOf(after).map(tlaString))]);
    return fields.length === 0 ? '<< >>' : record(fields);
  }

  /**
   * An event as a record; `before` is the acting server's logged state before
   * it. With `timers` (traces of format version 3 on), a server event says
   * whether it restarted the election countdown, absent meaning it did not.
   */
  event(e: TraceEvent, before: TracedState | undefined, timers = false): string {
    const fields: Array<[string, string]> = [['action', tlaString(e.action)]];
    if ('node' in e) fields.push(['node', tlaString(e.node)]);
    if ('peer' in e && e.peer !== undefined) fields.push(['peer', tlaString(e.peer)]);
    if ('value' in e && e.value !== undefined) fields.push(['value', tlaString(e.value)]);
    if ('index' in e && e.index !== undefined) fields.push(['index', String(e.index)]);
    if (e.msg) fields.push(['msg', this.message(e.msg)]);
    if ('send' in e && e.send) fields.push(['send', this.message(e.send)]);
    if ('state' in e) fields.push(['delta', this.stateDelta(before!, e)]);
    if (timers && 'state' in e) fields.push(['timer', e.timer ? 'TRUE' : 'FALSE']);
    return record(fields);
  }

  /** The global state as the record RaftTrace's TraceInit reads. */
  globalState(g: GlobalState, servers: readonly ServerId[]): string {
    const perServer = (f: (id: ServerId) => string) => record(servers.map((id) => [id, f(id)]));
    const st = (id: ServerId) => g.servers[id]!.state;
    // A flat set of pairs: a long chain of `:>` and `@@` overflows TLC's stack.
    const bag = [...g.bag.values()].map(({ msg, copies }) => `<<${this.message(msg)}, ${copies}>>`);
    return recordByLines([
      ['startTerm', perServer((id) => String(st(id).term))],
      ['startVotedFor', perServer((id) => server(st(id).votedFor))],
      ['startLog', perServer((id) => this.startLog(id, g.servers[id]!.log, snapshotIndexOf(st(id))))],
      ['startSnapshotIndex', perServer((id) => String(snapshotIndexOf(st(id))))],
      ['startSnapshotTerm', perServer((id) => String(snapshotTermOf(st(id))))],
      ['startRole', perServer((id) => tlaString(st(id).role))],
      ['startCommitIndex', perServer((id) => String(st(id).commitIndex))],
      ['startVotesResponded', perServer((id) => set(st(id).votesResponded.map(tlaString)))],
      ['startVotesGranted', perServer((id) => set(st(id).votesGranted.map(tlaString)))],
      ['startNextIndex', perServer((id) => indexMap(st(id).nextIndex))],
      ['startMatchIndex', perServer((id) => indexMap(st(id).matchIndex))],
      ['startLeaderSeen', perServer((id) => tlaBool(leaderSeenOf(st(id))))],
      ['startActivePeers', perServer((id) => set(activePeersOf(st(id)).map(tlaString)))],
      ['startMessages', bag.length === 0 ? 'EmptyBag' : `BagOfPairs(${set(bag)})`],
      [
        'startElected',
        this.electedHistory(g, servers, (e) =>
          record([
            ['term', String(e.term)],
            ['leader', tlaString(e.leader)],
          ]),
        ),
      ],
      [
        'startCommitted',
        this.committedHistory(g, servers, (c) =>
          record([
            ['index', String(c.index)],
            ['entry', entry(c.entry)],
            ['inTerm', String(c.inTerm)],
          ]),
        ),
      ],
      ['startStoodFor', String(g.stoodFor)],
      ['startQuorumChecks', perServer((id) => String(g.quorumChecks[id] ?? 0))],
    ]);
  }
}
