// Checks traces against spec/Raft.tla with TLC (through spec/RaftTrace.tla).
//
// Each trace is cut into chunks of consecutive events; each chunk starts from
// the global state rebuilt at its boundary. Chunks are packed into batches, one
// TLC run per batch, and batches run in parallel. A chunk's verdict depends on
// its own events only, so a trace's verdict never depends on its batch-mates.
// A trace is accepted only if TLC reported every one of its chunks accepted.
import { copyFileSync } from 'node:fs';
import { FileWriteError, writeNamedFile } from '../files/writes.js';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Message, ServerId, ServerState } from '../raft/types.js';
import type { TracedState, TraceEvent, TraceHeader } from '../raft/events.js';
import { REPO_ROOT } from '../files/repo-root.js';
import type { JavaRuntime, TlcJar } from '../tlc/jar.js';
import { describeOutcome, runTlc } from '../tlc/run.js';
import type { TlcOutcome } from '../tlc/tool-output.js';
import { readTlaValueAt, type Json } from '../tlc/tla-value.js';
import { applyEvent, changeLog, logEntries, snapshot, startReplay, type GlobalState } from '../trace/replay.js';
import { TraceReadError } from '../trace/validate.js';
import { decodeTlaString, MESSAGE_CONSTRUCTORS, set, tlaString, TraceDataWriter } from './tla-emit.js';
import { describeEvent, diagnosisOf, type Diagnosis, type Guard, type TraceVerdict } from '../verdict/diagnosis.js';
import { makeTempDir, removeTempDir } from '../files/cleanup.js';
import { ensureDir } from '../files/output-path.js';

export interface TraceInput {
  readonly file: string;
  readonly header: TraceHeader;
  /**
   * The events, iterated once per check: a trace file's are read from disk
   * as the check needs them (see validateTraceFile), so that a trace of any
   * length is checked in bounded memory.
   */
  readonly events: Iterable<TraceEvent>;
  /** How many events `events` yields; an array's length when left out. */
  readonly eventCount?: number;
}

export interface CheckOptions {
  readonly java: JavaRuntime;
  readonly jar: TlcJar;
  /** Events per chunk. */
  readonly chunkSize?: number;
  /** Upper bound on events per TLC run. */
  readonly eventsPerBatch?: number;
  /** TLC runs at once; defaults to the number of cores. */
  readonly parallel?: number;
  readonly timeoutMs?: number;
  /** Cluster sizes the checker accepts. */
  readonly clusterSizes?: readonly number[];
  readonly onBatchDone?: (done: number, total: number) => void;
  /** The folder holding Raft.tla and RaftTrace.tla; defaults to the bundled spec/. */
  readonly specDir?: string;
  /**
   * Evaluate every safety property whole after each event, rather than the
   * conjuncts the event can change (same verdicts, slower; for cross-checks).
   */
  readonly wholeInvariants?: boolean;
  /**
   * Keep, for each rejected trace, the modules and config of the chunk that
   * decided it in a folder of its own under this one, with a command that
   * re-runs TLC on them by hand (CheckReport.kept).
   */
  readonly keepDir?: string;
}

/** The failing chunk of a rejected trace, kept for TLC by hand. */
export interface KeptCase {
  readonly file: string;
  readonly dir: string;
  /** One line for a shell: runs TLC on the kept modules, as the checker did. */
  readonly command: string;
}

export interface CheckReport {
  readonly verdicts: readonly TraceVerdict[];
  readonly tlcRuns: number;
  /**
   * TLC runs repeated without a chunk whose data made TLC fail (an evaluation
   * error), so that its batch-mates still get their verdicts.
   */
  readonly retries: number;
  /** Sum of the TLC runs' durations (they overlap when run in parallel). */
  readonly tlcMs: number;
  readonly wallMs: number;
  /**
   * Per trace, in the order given: its share of the TLC runs that checked it,
   * in seconds (a run's time split among its chunks by their events).
   */
  readonly traceSeconds: readonly number[];
  readonly kept: readonly KeptCase[];
}

interface Chunk {
  readonly id: number;
  readonly trace: number;
  /** Index in the trace's events of the chunk's first event. */
  readonly start: number;
  readonly events: TraceEvent[];
  /** For each event of a server, that server's logged state before it. */
  readonly befores: Array<TracedState | undefined>;
  readonly init: GlobalState;
}

type ChunkVerdict =
  | { kind: 'accepted' }
  | { kind: 'diverged'; k: number; post: Json; sent: Json; taken: Json }
  | { kind: 'disabled'; k: number; guards: Json }
  | { kind: 'unsafe'; k: number; properties: Json };

/** Any cluster the spec can take as n1..nK: RaftTrace.tla names no server, and every size of one to nine is tested. */
export const DEFAULT_CLUSTER_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/** The implementation's bound on entries per AppendEntries, which the spec must share. */
function maxEntries(header: TraceHeader): number | null {
  const v = header.params.maxEntriesPerMessage;
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : null;
}

/** Why a trace cannot be checked at all, or null. */
export function clusterProblem(header: TraceHeader, sizes: readonly number[]): string | null {
  if (maxEntries(header) === null)
    return 'the header lacks params.maxEntriesPerMessage (a positive integer), which the spec needs';
  const n = header.nodes.length;
  const expected = Array.from({ length: n }, (_, k) => `n${k + 1}`);
  if (!sizes.includes(n) || header.nodes.some((id, k) => id !== expected[k])) {
    const contiguous = sizes.every((n, k) => k === 0 || n === sizes[k - 1]! + 1);
    const which = sizes.length > 2 && contiguous ? `${sizes[0]} to ${sizes.at(-1)}` : sizes.join(' or ');
    return `the trace's cluster is ${header.nodes.join(', ')}; the checker is configured for clusters n1..nK of ${which} servers`;
  }
  return null;
}

function batchModule(
  chunks: readonly Chunk[],
  servers: readonly ServerId[],
  wholeInvariants: boolean,
  about?: string,
): string {
  const values = new Set<string>();
  for (const c of chunks) for (const e of c.events) if (e.action === 'ClientRequest') values.add(e.value!);
  const writer = new TraceDataWriter();
  const body = chunks
    .map((c) => {
      const events = c.events.map((e, j) => writer.event(e, c.befores[j]));
      return `  [id |-> ${c.id},\n   init |-> ${writer.globalState(c.init, servers)},\n   events |-> <<\n    ${events.join(',\n    ')}>>]`;
    })
    .join(',\n');
  return [
    '---- MODULE TraceData ----',
    '\\* Generated by raft-tla-harness: trace chunks for spec/RaftTrace.tla.',
    ...(about ? [`\\* ${about}`] : []),
    'EXTENDS Raft',
    `TraceServer == {${servers.map(tlaString).join(', ')}}`,
    `TraceValue == ${set([...values].sort().map(tlaString))}`,
    `WholeInvariants == ${wholeInvariants ? 'TRUE' : 'FALSE'}`,
    MESSAGE_CONSTRUCTORS,
    writer.definitions(),
    `Chunks == <<\n${body}>>`,
    '====',
    '',
  ].join('\n');
}

function batchConfig(maxEntriesPerMessage: number): string {
  return `INIT TraceInit
NEXT TraceNext
VIEW TraceView
CONSTANTS
    Server <- TraceServer
    Value <- TraceValue
    Nil = Nil
    MaxEntriesPerMessage = ${maxEntriesPerMessage}
`;
}

/** PrintT pretty-prints long values over several lines, with a space after `<<`. */
const VERDICT_MARK = /<<\s*"raft-trace-verdict"/g;

/** A value TLC printed, with the client values tlaString encoded decoded again. */
function decodeStrings(v: Json): Json {
  if (typeof v === 'string') return decodeTlaString(v);
  if (Array.isArray(v)) return v.map(decodeStrings);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [decodeTlaString(k), decodeStrings(x)]));
  return v;
}

/** The verdicts PrintT wrote into TLC's output, by chunk id. */
export function parseVerdicts(output: string): Map<number, ChunkVerdict> {
  const verdicts = new Map<number, ChunkVerdict>();
  for (const match of output.matchAll(VERDICT_MARK)) {
    const v = decodeStrings(readTlaValueAt(output, match.index!).value) as Json[];
    const id = v[1] as number;
    const kind = v[2] as string;
    if (kind === 'accepted') verdicts.set(id, { kind });
    else if (kind === 'diverged') verdicts.set(id, { kind, k: v[3] as number, post: v[4]!, sent: v[5]!, taken: v[6]! });
    else if (kind === 'disabled') verdicts.set(id, { kind, k: v[3] as number, guards: v[4]! });
    else if (kind === 'unsafe') verdicts.set(id, { kind, k: v[3] as number, properties: v[4]! });
  }
  return verdicts;
}

/** How one TLC run over a batch ended. */
interface BatchResult {
  readonly verdicts: Map<number, ChunkVerdict>;
  /** Why TLC did not finish the batch, or null. */
  readonly failure: string | null;
  /**
   * The failure came from evaluating the batch's data (an evaluation or parse
   * error), not from TLC's budget or health: without the offending chunk the
   * rest can be checked.
   */
  readonly dataError: boolean;
  /** The chunk TLC was checking when it failed, and the event it was at (from 1), if it said. */
  readonly culprit: { readonly id: number; readonly event: number } | null;
  readonly ms: number;
}

/** Copies the spec's two modules into a TLC folder; a failure (a full disk) names the file. */
function copySpec(specDir: string, dir: string): void {
  for (const module of ['Raft.tla', 'RaftTrace.tla']) {
    try {
      copyFileSync(join(specDir, module), join(dir, module));
    } catch (err) {
      throw new FileWriteError(join(dir, module), err);
    }
  }
}

async function checkBatch(
  chunks: readonly Chunk[],
  servers: readonly ServerId[],
  maxEntriesPerMessage: number,
  options: CheckOptions,
): Promise<BatchResult> {
  const dir = makeTempDir('raft-trace-batch-');
  const specDir = options.specDir ?? join(REPO_ROOT, 'spec');
  try {
    copySpec(specDir, dir);
    writeNamedFile(join(dir, 'TraceData.tla'), batchModule(chunks, servers, options.wholeInvariants ?? false));
    writeNamedFile(join(dir, 'RaftTrace.cfg'), batchConfig(maxEntriesPerMessage));
    const result = await runTlc({
      spec: join(dir, 'RaftTrace.tla'),
      workers: 1,
      checkDeadlock: false,
      timeoutMs: options.timeoutMs ?? 600_000,
      java: options.java,
      jar: options.jar,
    });
    const verdicts = parseVerdicts(result.output);
    const o = result.outcome;
    const failure = o.kind === 'success' ? null : `TLC failed: ${describeOutcome(o)}`;
    const dataError = o.kind === 'error' || o.kind === 'parse-error';
    return { verdicts, failure, dataError, culprit: culpritOf(o, chunks), ms: result.durationMs };
  } finally {
    removeTempDir(dir);
  }
}

/**
 * The chunk whose step TLC was evaluating when it stopped with an error: the
 * last state of the behaviour TLC prints holds RaftTrace's `chunk` (a
 * position in the batch) and `k` (events matched so far).
 */
function culpritOf(o: TlcOutcome, chunks: readonly Chunk[]): BatchResult['culprit'] {
  if (o.kind !== 'error' || o.trace.length === 0) return null;
  const last = o.trace[o.trace.length - 1]!.variables;
  const position = last.chunk;
  const k = last.k;
  if (typeof position !== 'number' || typeof k !== 'number') return null;
  const chunk = chunks[position - 1];
  return chunk ? { id: chunk.id, event: k + 1 } : null;
}

/** A batch waiting for TLC: chunks of one cluster. */
interface Job {
  readonly servers: ServerId[];
  readonly maxEntries: number;
  readonly chunks: Chunk[];
}

/** What became of a chunk: its verdict, or why it could not be checked. */
type ChunkOutcome = { readonly verdict: ChunkVerdict } | { readonly failure: string };

export async function checkTraces(traces: readonly TraceInput[], options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const chunkSize = options.chunkSize ?? 250;
  const eventsPerBatch = options.eventsPerBatch ?? 15_000;
  const parallel = options.parallel ?? cpus().length;
  const sizes = options.clusterSizes ?? DEFAULT_CLUSTER_SIZES;
  const countOf = (t: TraceInput) => t.eventCount ?? (Array.isArray(t.events) ? t.events.length : 0);

  /** Why a trace cannot be checked, or could not be read to its end. */
  const problems = new Map<number, string>();
  const clusters = new Map<string, number[]>();
  traces.forEach((t, index) => {
    const problem = countOf(t) === 0 ? 'the trace has no events' : clusterProblem(t.header, sizes);
    if (problem) {
      problems.set(index, `${t.file}: ${problem}`);
      return;
    }
    const key = `${maxEntries(t.header)}:${t.header.nodes.join(',')}`;
    clusters.set(key, [...(clusters.get(key) ?? []), index]);
  });

  // How many TLC runs each cluster's traces get, known before any is read.
  const plans = [...clusters].map(([key, members]) => {
    const [limit, nodes] = key.split(':') as [string, string];
    const events = members.reduce((n, k) => n + countOf(traces[k]!), 0);
    const chunks = members.reduce((n, k) => n + Math.ceil(countOf(traces[k]!) / chunkSize), 0);
    // Small workloads go in one run: a second JVM would cost more than it
    // saves. Otherwise a whole number of rounds, so that every TLC slot
    // stays busy until the end.
    const rounds = events < 2000 ? 1 : parallel;
    const count = Math.min(chunks, Math.ceil(Math.ceil(events / eventsPerBatch) / rounds) * rounds);
    return { servers: nodes.split(','), maxEntries: Number(limit), members, target: Math.ceil(events / count), count };
  });

  /** The chunks of each trace, in order, by id; a chunk's events are kept only while it matters. */
  const chunkIds = new Map<number, number[]>();
  const outcomes = new Map<number, ChunkOutcome>();
  /** The chunks that were not accepted: their events are needed for the diagnosis. */
  const kept = new Map<number, Chunk>();
  let ids = 0;

  // Reads the traces as TLC needs them: a batch is cut when it holds its
  // share of the cluster's events, and only the batches being checked are
  // in memory.
  function* batches(): Generator<Job> {
    for (const plan of plans) {
      let batch: Chunk[] = [];
      let batchEvents = 0;
      const cut = function* (final: boolean): Generator<Job> {
        if (batch.length > 0 && (final || batchEvents >= plan.target)) {
          yield { servers: plan.servers, maxEntries: plan.maxEntries, chunks: batch };
          batch = [];
          batchEvents = 0;
        }
      };
      for (const index of plan.members) {
        const trace = traces[index]!;
        const replay = startReplay(plan.servers);
        const mine: number[] = [];
        chunkIds.set(index, mine);
        let chunk: Chunk | null = null;
        const close = function* (): Generator<Job> {
          mine.push(chunk!.id);
          batch.push(chunk!);
          batchEvents += chunk!.events.length;
          chunk = null;
          yield* cut(false);
        };
        let position = 0;
        try {
          for (const e of trace.events) {
            if (!chunk)
              chunk = {
                id: ++ids,
                trace: index,
                start: position,
                events: [],
                befores: [],
                init: snapshot(replay.state),
              };
            chunk.befores.push('node' in e ? replay.state.servers[e.node]!.state : undefined);
            chunk.events.push(e);
            applyEvent(replay, e);
            position++;
            if (chunk.events.length === chunkSize) yield* close();
          }
        } catch (err) {
          if (!(err instanceof TraceReadError)) throw err;
          problems.set(index, err.message);
          chunk = null;
        }
        if (chunk) yield* close();
      }
      yield* cut(true);
    }
  }

  /** Whether a chunk before this one in its trace already decides the trace. */
  const decidedBefore = (c: Chunk) =>
    chunkIds.get(c.trace)!.some((id) => {
      if (id >= c.id) return false;
      const o = outcomes.get(id);
      return o !== undefined && ('failure' in o || o.verdict.kind !== 'accepted');
    });

  const traceMs: number[] = traces.map(() => 0);
  let tlcRuns = 0;
  let retries = 0;
  let tlcMs = 0;
  let done = 0;
  let total = plans.reduce((n, p) => n + p.count, 0);
  const source = batches();
  // Batches that TLC could not finish because of one chunk's data, to run
  // again without that chunk (found from TLC's error trace, or by halving
  // the batch when TLC does not say), so that one bad trace never costs the
  // others their verdicts. Chunks after a trace's first rejection are not
  // run again: the trace is decided.
  const again: Job[] = [];
  const nextJob = (): Job | null => {
    while (again.length > 0) {
      const job = again.shift()!;
      const chunks = job.chunks.filter((c) => !decidedBefore(c));
      if (chunks.length > 0) {
        retries++;
        return { ...job, chunks };
      }
      total--;
    }
    const n = source.next();
    return n.done ? null : n.value;
  };

  const settle = (job: Job, r: BatchResult) => {
    tlcRuns++;
    tlcMs += r.ms;
    const batchEvents = job.chunks.reduce((n, c) => n + c.events.length, 0);
    for (const c of job.chunks)
      traceMs[c.trace] = (traceMs[c.trace] ?? 0) + (r.ms * c.events.length) / Math.max(1, batchEvents);
    for (const c of job.chunks) {
      const v = r.verdicts.get(c.id);
      if (v) {
        outcomes.set(c.id, { verdict: v });
        if (v.kind !== 'accepted') kept.set(c.id, c);
      }
    }
    const open = job.chunks.filter((c) => !outcomes.has(c.id));
    if (open.length === 0) return;
    const failure = r.failure ?? 'TLC finished without a verdict for this part of the trace';
    const fail = (c: Chunk, why: string) => {
      outcomes.set(c.id, { failure: why });
      kept.set(c.id, c);
    };
    if (!r.dataError) {
      for (const c of open) fail(c, `: not checked: ${failure}`);
      return;
    }
    const culprit = r.culprit && open.find((c) => c.id === r.culprit!.id);
    const retry = (chunks: Chunk[]) => {
      again.push({ ...job, chunks });
      total++;
    };
    if (culprit) {
      const line = culprit.start + r.culprit!.event + 1;
      const event = culprit.events[r.culprit!.event - 1];
      fail(culprit, `:${line}: TLC could not evaluate ${event ? describeEvent(event) : 'this event'}: ${failure}`);
      const rest = open.filter((c) => c !== culprit);
      if (rest.length > 0) retry(rest);
    } else if (open.length === 1) {
      fail(open[0]!, `: not checked: ${failure}`);
    } else {
      const half = Math.ceil(open.length / 2);
      retry(open.slice(0, half));
      retry(open.slice(half));
    }
  };

  const worker = async () => {
    for (let job = nextJob(); job; job = nextJob()) {
      const r = await checkBatch(job.chunks, job.servers, job.maxEntries, options);
      settle(job, r);
      options.onBatchDone?.(++done, total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));

  const verdicts: TraceVerdict[] = traces.map((t, index) => {
    const events = countOf(t);
    const problem = problems.get(index);
    if (problem) return { file: t.file, events, status: 'error', message: problem };
    // The first chunk that is not accepted decides; later chunks start from a
    // state the implementation claimed, which no longer means anything.
    for (const id of chunkIds.get(index)!) {
      const o = outcomes.get(id);
      if (!o)
        return {
          file: t.file,
          events,
          status: 'error',
          message: `${t.file}: not checked: TLC gave no verdict for part of the trace`,
        };
      if ('failure' in o) return { file: t.file, events, status: 'error', message: `${t.file}${o.failure}` };
      if (o.verdict.kind !== 'accepted')
        return { file: t.file, events, status: 'rejected', diagnosis: diagnose(kept.get(id)!, o.verdict) };
    }
    return { file: t.file, events, status: 'accepted' };
  });
  const keptCases: KeptCase[] = [];
  if (options.keepDir) {
    traces.forEach((t, index) => {
      const id = (chunkIds.get(index) ?? []).find((c) => {
        const o = outcomes.get(c);
        return o !== undefined && 'verdict' in o && o.verdict.kind !== 'accepted';
      });
      if (verdicts[index]!.status === 'rejected' && id !== undefined)
        keptCases.push(keepChunk(t, keptCases, kept.get(id)!, options));
    });
  }
  return {
    verdicts,
    tlcRuns,
    retries,
    tlcMs,
    wallMs: performance.now() - started,
    traceSeconds: traceMs.map((ms) => ms / 1000),
    kept: keptCases,
  };
}

/** A shell word: the text as it is, whatever it holds. */
const shellWord = (w: string) => (/^[\w./:@%+=-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * Writes the chunk that decided a rejected trace as TLC read it (the spec's
 * two modules, the chunk's TraceData.tla and RaftTrace.cfg) into a folder of
 * its own, so that a spec author can open RaftTrace.tla in the TLA+ tools or
 * run TLC on it by hand. Alone in its module the chunk gets the same verdict:
 * a chunk's verdict depends on its own events only.
 */
function keepChunk(t: TraceInput, earlier: readonly KeptCase[], chunk: Chunk, options: CheckOptions): KeptCase {
  const root = resolve(options.keepDir!);
  const base = basename(t.file).replace(/\.ndjson$/, '') || 'trace';
  let dir = join(root, base);
  for (let n = 2; earlier.some((k) => k.dir === dir); n++) dir = join(root, `${base}-${n}`);
  ensureDir(dir);
  const specDir = options.specDir ?? join(REPO_ROOT, 'spec');
  copySpec(specDir, dir);
  const first = chunk.start + 1;
  const last = chunk.start + chunk.events.length;
  const about = `The chunk of ${t.file} that TLC rejected: events ${first} to ${last} (lines ${first + 1} to ${last + 1}).`;
  writeNamedFile(
    join(dir, 'TraceData.tla'),
    batchModule([chunk], t.header.nodes, options.wholeInvariants ?? false, about),
  );
  writeNamedFile(join(dir, 'RaftTrace.cfg'), batchConfig(maxEntries(t.header)!));
  const command =
    `cd ${shellWord(dir)} && ${shellWord(options.java.path)} -cp ${shellWord(options.jar.path)} tlc2.TLC ` +
    '-config RaftTrace.cfg -deadlock -workers 1 RaftTrace.tla';
  writeNamedFile(
    join(dir, 'README.txt'),
    `${about}\nRaftTrace.tla does not fail on a rejected event: it prints the chunk's verdict, <<"raft-trace-verdict", id, kind, k, ...>>\n` +
      `(k counts events from the chunk's first), and TLC then reports that it found no error.\n` +
      `Re-run TLC on it:\n  ${command}\nor open RaftTrace.tla (with RaftTrace.cfg beside it) in the TLA+ tools.\n`,
  );
  return { file: t.file, dir, command };
}

/** TLC's rendering of a server's post-state, back in the trace's terms. */
function specState(post: Json): ServerState {
  const p = post as Record<string, Json>;
  return {
    term: p.term as number,
    role: p.role as ServerState['role'],
    votedFor: p.votedFor === 'Nil' ? null : (p.votedFor as string),
    log: p.log as unknown as ServerState['log'],
    commitIndex: p.commitIndex as number,
    votesResponded: [...(p.votesResponded as string[])].sort(),
    votesGranted: [...(p.votesGranted as string[])].sort(),
    nextIndex: p.nextIndex as Record<string, number>,
    matchIndex: p.matchIndex as Record<string, number>,
  };
}

/** The whole post-state event k (from 1) of the chunk logged: its state, with its server's log rebuilt. */
function loggedPost(chunk: Chunk, k: number): ServerState {
  const event = chunk.events[k - 1]! as Extract<TraceEvent, { state: unknown }>;
  // A private copy: the chunk's start state shares its arrays with later chunks.
  let log = {
    entries: logEntries(chunk.init.servers[event.node]!.log),
    length: chunk.init.servers[event.node]!.log.length,
  };
  for (const e of chunk.events.slice(0, k)) if ('node' in e && e.node === event.node) log = changeLog(log, e.logChange);
  const { logLength: _, ...rest } = event.state;
  return { ...rest, log: logEntries(log) };
}

function diagnose(chunk: Chunk, v: Exclude<ChunkVerdict, { kind: 'accepted' }>): Diagnosis {
  const event = chunk.events[v.k - 1]!;
  const line = chunk.start + v.k + 1;
  if (v.kind === 'unsafe') return diagnosisOf(event, line, { kind: 'unsafe', properties: v.properties as string[] });
  if (v.kind === 'disabled')
    return diagnosisOf(event, line, { kind: 'disabled', guards: v.guards as unknown as Guard[] });
  return diagnosisOf(event, line, {
    kind: 'diverged',
    loggedPost: 'state' in event ? loggedPost(chunk, v.k) : null,
    specPost: 'state' in event ? specState(v.post) : null,
    sent: v.sent as unknown as Message[],
    taken: v.taken as unknown as Message[],
  });
}
