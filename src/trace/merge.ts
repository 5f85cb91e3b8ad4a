// Merges the traces of a real cluster's processes (one file per server, see
// src/server/process-trace.ts, and the network proxy's, src/nemesis/proxy.ts)
// into one trace: a total order of all events
// consistent with happens-before. Each file's own order is kept (a restart
// follows the crash before it, since a server appends to one file across
// incarnations), and a message is received only after the event that sent
// it, paired by the message ids the processes wrote; a message the proxy
// duplicated may be received once more after the duplicate, and one it
// dropped is dropped after it was sent (and duplicated). Among the events that
// may come next, the one with the smallest vector clock sum goes first (ties:
// the earlier file), so the same files always give the same merge.
//
// The result is an ordinary trace file, which make check validates with TLC;
// each event names the file and line it came from in `origin`. A receive
// whose send is in no file, a cycle, a message id sent twice, files of
// different clusters, or a file that does not validate is a MergeError in one
// line naming the file and line: the run counts as failed, never as merged.
import type { ServerEvent, TraceEvent, TraceHeader } from '../raft/events.js';
import {
  guardParams,
  snapshotParams,
  SNAPSHOT_TRACE_VERSION,
  TRACE_FORMAT,
  TRACE_VERSION,
  traceGuards,
} from '../raft/events.js';
import { formatProblem, validateTraceFile } from './validate.js';
import { TraceFileWriter } from './recorder.js';
import { HarnessError } from '../errors/harness-error.js';

export class MergeError extends HarnessError {}

interface Source {
  readonly file: string;
  readonly header: TraceHeader;
  /** Each event with its line in the file. */
  readonly events: ReadonlyArray<{ readonly line: number; readonly event: TraceEvent }>;
}

export interface Merged {
  readonly header: TraceHeader;
  readonly events: TraceEvent[];
  /** Messages sent and never received (lost to a crash, a dropped connection or the run's end). */
  readonly unreceived: number;
  /** Each file merged, with its number of events. */
  readonly files: ReadonlyArray<{ readonly file: string; readonly events: number }>;
}

function readSource(file: string): Source {
  // A part may hold no events: a proxy that dropped and duplicated nothing, a server that took no step.
  const v = validateTraceFile(file, undefined, true);
  if (!v.ok) throw new MergeError(formatProblem(v.problems[0]!));
  const events: Array<{ line: number; event: TraceEvent }> = [];
  let line = 1;
  for (const event of v.trace.events) events.push({ line: ++line, event });
  return { file, header: v.trace.header, events };
}

function sameCluster(a: Source, b: Source): string | null {
  if (JSON.stringify(a.header.nodes) !== JSON.stringify(b.header.nodes))
    return `its servers [${b.header.nodes.join(', ')}] differ from ${a.file}'s [${a.header.nodes.join(', ')}]`;
  const m = (s: Source) => s.header.params.maxEntriesPerMessage;
  if (m(a) !== m(b)) return `its maxEntriesPerMessage ${String(m(b))} differs from ${a.file}'s ${String(m(a))}`;
  const g = (s: Source) => JSON.stringify(guardParams(traceGuards(s.header)));
  if (!isProxy(a) && !isProxy(b) && g(a) !== g(b)) return `its guards ${g(b)} differ from ${a.file}'s ${g(a)}`;
  const snap = (s: Source) => JSON.stringify(snapshotParams(Number(s.header.params.snapshotEvery ?? 0)));
  if (snap(a) !== snap(b)) return `its snapshot policy ${snap(b)} differs from ${a.file}'s ${snap(a)}`;
  return null;
}

/** The merged trace's header: the first part's, with the servers' guards (a proxy's part knows none). */
function mergedHeader(sources: readonly Source[]): TraceHeader {
  const first = sources[0]!.header;
  const guards = traceGuards((sources.find((s) => !isProxy(s)) ?? sources[0]!).header);
  const { preVote: _p, checkQuorum: _c, ...params } = first.params;
  return {
    format: TRACE_FORMAT,
    version: first.params.snapshots ? SNAPSHOT_TRACE_VERSION : TRACE_VERSION,
    nodes: first.nodes,
    seed: first.seed,
    params: { ...params, source: 'merge', files: sources.map((s) => s.file), ...guardParams(guards) },
  };
}

/** Why one id can be sent twice, in the user's terms: a server numbered a restart it had made before. */
function reuse(id: string): string {
  const [server, incarnation] = id.split(':');
  return `: ${server} started incarnation ${incarnation} twice, so its write-ahead log lost the record of that start (state it had relied on was lost at a crash)`;
}

/** A network proxy's trace: it holds no server's events, and does not know the servers' guards. */
const isProxy = (s: Source) => s.header.params.source === 'proxy';

function clockSum(e: TraceEvent): number {
  const clock = e.clock;
  if (!clock) return 0;
  let sum = 0;
  for (const n of Object.values(clock)) sum += n;
  return sum;
}

export function mergeTraceFiles(files: readonly string[]): Merged {
  if (files.length === 0) throw new MergeError('name at least one trace file to merge');
  const sources = files.map(readSource);
  for (const s of sources.slice(1)) {
    const why = sameCluster(sources[0]!, s);
    if (why) throw new MergeError(`${s.file}: not from the same cluster: ${why}`);
  }
  // Where each message was sent, so that a receive can wait for it.
  const sentAt = new Map<string, string>();
  for (const s of sources) {
    for (const { line, event } of s.events) {
      const id = (event as ServerEvent).sendId;
      if (!id) continue;
      const before = sentAt.get(id);
      if (before) throw new MergeError(`${s.file}:${line}: message ${id} was already sent at ${before}${reuse(id)}`);
      sentAt.set(id, `${s.file}:${line}`);
    }
  }
  // How many copies of each message are in flight: a send makes one, the
  // proxy's DuplicateMessage another; a receive (or the proxy's DropMessage)
  // takes one, except UpdateTerm, which reads the message and leaves it.
  const copies = new Map<string, number>();
  // A duplicate needs a copy to duplicate, so no receive may take the last
  // copy of a message while a duplicate of it is still to come: the proxy
  // duplicates a message as it passes, before any copy reaches its receiver.
  const duplicatesToCome = new Map<string, number>();
  for (const s of sources) {
    for (const { event } of s.events)
      if (event.action === 'DuplicateMessage' && event.msgId)
        duplicatesToCome.set(event.msgId, (duplicatesToCome.get(event.msgId) ?? 0) + 1);
  }
  const next = sources.map(() => 0);
  const events: TraceEvent[] = [];
  const total = sources.reduce((n, s) => n + s.events.length, 0);
  // A part may hold no events, but not every part: a merge of nothing would check nothing.
  if (total === 0)
    throw new MergeError(`none of the ${sources.length} trace(s) holds an event: there is nothing to merge`);
  while (events.length < total) {
    let pick = -1;
    let best = Infinity;
    for (let k = 0; k < sources.length; k++) {
      const head = sources[k]!.events[next[k]!];
      if (!head) continue;
      // msgId: the message a server's receive reads, or the one the proxy duplicates or drops.
      const read = head.event.msgId;
      if (read) {
        const have = copies.get(read) ?? 0;
        if (have === 0) continue;
        const takesCopy = head.event.action !== 'DuplicateMessage' && head.event.action !== 'UpdateTerm';
        if (takesCopy && have === 1 && duplicatesToCome.get(read)) continue;
      }
      const sum = clockSum(head.event);
      if (sum < best) {
        best = sum;
        pick = k;
      }
    }
    if (pick < 0) throw new MergeError(stuck(sources, next, sentAt));
    const { line, event } = sources[pick]!.events[next[pick]!++]!;
    const read = event.msgId;
    if (read && event.action !== 'UpdateTerm' && event.action !== 'DuplicateMessage')
      copies.set(read, copies.get(read)! - 1);
    if (event.action === 'DuplicateMessage' && read) duplicatesToCome.set(read, duplicatesToCome.get(read)! - 1);
    const made = event.action === 'DuplicateMessage' ? event.msgId : (event as ServerEvent).sendId;
    if (made) copies.set(made, (copies.get(made) ?? 0) + 1);
    const { i: _i, ...rest } = event;
    events.push({ i: events.length + 1, ...rest, origin: `${sources[pick]!.file}:${line}` } as TraceEvent);
  }
  let unreceived = 0;
  for (const n of copies.values()) unreceived += n;
  return {
    header: mergedHeader(sources),
    events,
    unreceived,
    files: sources.map((s) => ({ file: s.file, events: s.events.length })),
  };
}

/** Why no file's next event can come next: a message whose send exists nowhere, or a cycle. */
function stuck(sources: readonly Source[], next: readonly number[], sentAt: ReadonlyMap<string, string>): string {
  for (let k = 0; k < sources.length; k++) {
    const head = sources[k]!.events[next[k]!];
    const msgId = head?.event.msgId;
    if (msgId && !sentAt.has(msgId)) {
      const verb =
        head.event.action === 'DropMessage'
          ? 'drops'
          : head.event.action === 'DuplicateMessage'
            ? 'duplicates'
            : 'receives';
      return `${sources[k]!.file}:${head.line}: event ${head.event.i} (${head.event.action}) ${verb} message ${msgId}, whose send is in none of the files${lostSendHint(sources, msgId)}`;
    }
  }
  const waiting = sources
    .map((s, k) => ({ s, head: s.events[next[k]!] }))
    .filter((x) => x.head)
    .map(
      (x) =>
        `${x.s.file}:${x.head!.line} waits for ${x.head!.event.msgId} (sent at ${sentAt.get(x.head!.event.msgId!)})`,
    );
  return `the events cannot be ordered (a cycle, or more receives of a message than copies of it): ${waiting.join('; ')}`;
}

/** Writes the merged trace to `path` line by line (atomically: a temp file renamed), whatever its size. */
export function writeMergedTrace(path: string, m: Merged): void {
  const out = new TraceFileWriter(path);
  out.writeLine(JSON.stringify(m.header));
  for (const e of m.events) out.writeLine(JSON.stringify(e));
  out.commit();
}

/**
 * Why a message's send is in no file. When the sender's trace holds earlier
 * sends of the same incarnation but none this late, either a later
 * incarnation follows (its restart cut events back to what its write-ahead
 * log kept, so the log lost steps whose messages had already left) or none
 * does (the trace simply ends there: still being written by a running
 * server, or cut by a kill that nothing restarted).
 */
function lostSendHint(sources: readonly Source[], msgId: string): string {
  const [sender, incarnation, counter] = msgId.split(':');
  let last = 0;
  let file = '';
  let laterIncarnation = false;
  for (const s of sources) {
    for (const { event } of s.events) {
      const id = (event as ServerEvent).sendId;
      if (!id?.startsWith(`${sender}:`)) continue;
      const [, inc, n] = id.split(':');
      if (Number(inc) > Number(incarnation)) laterIncarnation = true;
      if (inc !== incarnation) continue;
      last = Math.max(last, Number(n));
      file = s.file;
    }
  }
  if (!file || last >= Number(counter)) return '';
  const where = `${file} ends ${sender}'s incarnation ${incarnation} at send ${last}`;
  if (laterIncarnation)
    return ` (${where}: its restart cut its trace back to what its write-ahead log had kept, so that log lost steps whose messages had already left)`;
  return ` (${where} and holds no later incarnation: the trace was still being written (is the cluster still running? merge after cluster down), or ${sender} was killed and not restarted before its trace reached the disk)`;
}

export function mergedNdjson(m: Merged): string {
  return [JSON.stringify(m.header), ...m.events.map((e) => JSON.stringify(e))].join('\n') + '\n';
}
