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
import type { Guards, Message, ServerId, ServerState } from '../raft/types.js';
import { recordsTimers, traceGuards, type TracedState, type TraceEvent, type TraceHeader } from '../raft/events.js';
import { REPO_ROOT } from '../files/repo-root.js';
import type { JavaRuntime, TlcJar } from '../tlc/jar.js';
import { describeOutcome, runTlc } from '../tlc/run.js';
import type { TlcOutcome } from '../tlc/tool-output.js';
import { readTlaValueAt, type Json } from '../tlc/tla-value.js';
import { applyEvent, changeLog, logEntries, snapshot, startReplay, type GlobalState } from '../trace/replay.js';
import { TraceReadError } from '../trace/validate.js';
import { afterFailure, planBatches, type ClusterPlan } from './batch-plan.js';
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
  /** Each TLC run, in the order they ended: the trace and first event (from 0) of its first chunk, its events, its time, its JVM's peak memory. */
  readonly runs: readonly TlcRunTiming[];
}

export interface TlcRunTiming {
  readonly trace: number;
  readonly from: number;
  readonly events: number;
  readonly ms: number;
  /** The JVM's peak resident memory in bytes, or null where it could not be read. */
  readonly peakRssBytes: number | null;
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
  /** The trace records election-timer restarts (format version 3 on). */
  readonly timers: boolean;
}

type ChunkVerdict =
  | { kind: 'accepted' }
  | { kind: 'diverged'; k: number; post: Json; sent: Json; taken: Json; timer: Json }
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
      const events = c.events.map((e, j) => writer.event(e, c.befores[j], c.timers));
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

function batchConfig(maxEntriesPerMessage: number, guards: Guards): string {
  return `INIT TraceInit
NEXT TraceNext
VIEW TraceView
CONSTANTS
    Server <- TraceServer
    Value <- TraceValue
    Nil = Nil
    MaxEntriesPerMessage = ${maxEntriesPerMessage}
    UsePreVote = ${guards.preVote ? 'TRUE' : 'FALSE'}
    UseCheckQuorum = ${guards.checkQuorum ? 'TRUE' : 'FALSE'}
    UseSnapshots = TRUE
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
    else if (kind === 'diverged')
      verdicts.set(id, {
        kind,
        k: v[3] as number,
        post: v[4]!,
        sent: v[5]!,
        taken: v[6]!,
        timer: v[7] ?? 'unrecorded',
      });
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
  readonly peakRssBytes: number | null;
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
  guards: Guards,
  options: CheckOptions,
): Promise<BatchResult> {
  const dir = makeTempDir('raft-trace-batch-');
  const specDir = options.specDir ?? join(REPO_ROOT, 'spec');
  try {
    copySpec(specDir, dir);
    writeNamedFile(join(dir, 'TraceData.tla'), batchModule(chunks, servers, options.wholeInvariants ?? false));
    writeNamedFile(join(dir, 'RaftTrace.cfg'), batchConfig(maxEntriesPerMessage, guards));
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
    const culprit = culpritOf(o, chunks);
    return { verdicts, failure, dataError, culprit, ms: result.durationMs, peakRssBytes: result.peakRssBytes };
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
  readonly guards: Guards;
  readonly chunks: Chunk[];
}

/** What became of a chunk: its verdict, or why it could not be checked. */
type ChunkOutcome = { readonly verdict: ChunkVerdict } | { readonly failure: string };

/** What a check has learnt so far, shared by its steps. */
interface Ledger {
  /** Why a trace cannot be checked, or could not be read to its end. */
  readonly problems: Map<number, string>;
  /** The chunks of each trace, in order, by id. */
  readonly chunkIds: Map<number, number[]>;
  readonly outcomes: Map<number, ChunkOutcome>;
  /** The chunks that were not accepted: their events are needed for the diagnosis. A chunk's events are kept only while it matters. */
  readonly kept: Map<number, Chunk>;
  /** Each trace's share of TLC's time, in ms. */
  readonly traceMs: number[];
  readonly runs: TlcRunTiming[];
  lastId: number;
  tlcRuns: number;
  retries: number;
  tlcMs: number;
}

const countOf = (t: TraceInput) => t.eventCount ?? (Array.isArray(t.events) ? t.events.length : 0);

export async function checkTraces(traces: readonly TraceInput[], options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  const chunkSize = options.chunkSize ?? 250;
  const parallel = options.parallel ?? cpus().length;
  const sizes = options.clusterSizes ?? DEFAULT_CLUSTER_SIZES;
  const plan = planBatches(
    traces.map((t) => ({ file: t.file, header: t.header, eventCount: countOf(t) })),
    {
      chunkSize,
      eventsPerBatch: options.eventsPerBatch ?? 15_000,
      parallel,
      clusterProblem: (h) => clusterProblem(h, sizes),
    },
  );
  const ledger: Ledger = {
    problems: plan.problems,
    chunkIds: new Map(),
    outcomes: new Map(),
    kept: new Map(),
    traceMs: traces.map(() => 0),
    runs: [],
    lastId: 0,
    tlcRuns: 0,
    retries: 0,
    tlcMs: 0,
  };
  const queue = new JobQueue(readBatches(plan.clusters, traces, chunkSize, ledger), ledger);
  queue.total = plan.clusters.reduce((n, p) => n + p.count, 0);
  let done = 0;
  const worker = async () => {
    for (let job = queue.next(); job; job = queue.next()) {
      const r = await checkBatch(job.chunks, job.servers, job.maxEntries, job.guards, options);
      settle(ledger, queue, job, r);
      options.onBatchDone?.(++done, queue.total);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  const verdicts = traces.map((t, index) => traceVerdict(ledger, t, index));
  return {
    verdicts,
    tlcRuns: ledger.tlcRuns,
    retries: ledger.retries,
    tlcMs: ledger.tlcMs,
    wallMs: performance.now() - started,
    traceSeconds: ledger.traceMs.map((ms) => ms / 1000),
    kept: options.keepDir ? keepRejected(ledger, traces, verdicts, options) : [],
    runs: ledger.runs,
  };
}

/**
 * Reads the traces as TLC needs them: a batch is cut when it holds its
 * cluster's share of events, and only the batches being checked are in
 * memory.
 */
function* readBatches(
  plans: readonly ClusterPlan[],
  traces: readonly TraceInput[],
  chunkSize: number,
  ledger: Ledger,
): Generator<Job> {
  for (const plan of plans) {
    let batch: Chunk[] = [];
    let batchEvents = 0;
    for (const index of plan.members) {
      for (const chunk of readChunks(traces[index]!, index, plan.servers, chunkSize, ledger)) {
        batch.push(chunk);
        batchEvents += chunk.events.length;
        if (batchEvents >= plan.target) {
          yield { servers: plan.servers, maxEntries: plan.maxEntries, guards: plan.guards, chunks: batch };
          batch = [];
          batchEvents = 0;
        }
      }
    }
    if (batch.length > 0)
      yield { servers: plan.servers, maxEntries: plan.maxEntries, guards: plan.guards, chunks: batch };
  }
}

/** One trace's chunks, each starting from the state replayed up to it; a trace that cannot be read to its end is a problem, and yields no more. */
function* readChunks(
  trace: TraceInput,
  index: number,
  servers: ServerId[],
  chunkSize: number,
  ledger: Ledger,
): Generator<Chunk> {
  const replay = startReplay(servers, traceGuards(trace.header));
  const mine: number[] = [];
  ledger.chunkIds.set(index, mine);
  let chunk: Chunk | null = null;
  let position = 0;
  try {
    for (const e of trace.events) {
      chunk ??= {
        id: ++ledger.lastId,
        trace: index,
        start: position,
        events: [],
        befores: [],
        init: snapshot(replay.state),
        timers: recordsTimers(trace.header),
      };
      chunk.befores.push('node' in e ? replay.state.servers[e.node]!.state : undefined);
      chunk.events.push(e);
      applyEvent(replay, e);
      position++;
      if (chunk.events.length === chunkSize) {
        mine.push(chunk.id);
        const full: Chunk = chunk;
        chunk = null;
        yield full;
      }
    }
  } catch (err) {
    if (!(err instanceof TraceReadError)) throw err;
    ledger.problems.set(index, err.message);
    chunk = null;
  }
  if (chunk) {
    mine.push(chunk.id);
    yield chunk;
  }
}

/**
 * The batches still to run: first those to run again without a chunk whose
 * data made TLC fail (so that one bad trace never costs the others their
 * verdicts), then the next batch read. Chunks after a trace's first
 * rejection are not run again: the trace is decided.
 */
class JobQueue {
  private readonly again: Job[] = [];
  /** How many TLC runs the check takes, as far as known. */
  total = 0;

  constructor(
    private readonly source: Generator<Job>,
    private readonly ledger: Ledger,
  ) {}

  retry(job: Job): void {
    this.again.push(job);
    this.total++;
  }

  next(): Job | null {
    while (this.again.length > 0) {
      const job = this.again.shift()!;
      const chunks = job.chunks.filter((c) => !decidedBefore(this.ledger, c));
      if (chunks.length > 0) {
        this.ledger.retries++;
        return { ...job, chunks };
      }
      this.total--;
    }
    const n = this.source.next();
    return n.done ? null : n.value;
  }
}

/** Whether a chunk before this one in its trace already decides the trace. */
function decidedBefore(ledger: Ledger, c: Chunk): boolean {
  return ledger.chunkIds.get(c.trace)!.some((id) => {
    if (id >= c.id) return false;
    const o = ledger.outcomes.get(id);
    return o !== undefined && ('failure' in o || o.verdict.kind !== 'accepted');
  });
}

/** Books one TLC run: its time, its chunks' verdicts, and for the chunks it left open, what afterFailure decides. */
function settle(ledger: Ledger, queue: JobQueue, job: Job, r: BatchResult): void {
  ledger.tlcRuns++;
  ledger.tlcMs += r.ms;
  const batchEvents = job.chunks.reduce((n, c) => n + c.events.length, 0);
  const first = job.chunks[0];
  if (first) {
    const { ms, peakRssBytes } = r;
    ledger.runs.push({ trace: first.trace, from: first.start, events: batchEvents, ms, peakRssBytes });
  }
  for (const c of job.chunks) ledger.traceMs[c.trace]! += (r.ms * c.events.length) / Math.max(1, batchEvents);
  for (const c of job.chunks) {
    const v = r.verdicts.get(c.id);
    if (!v) continue;
    ledger.outcomes.set(c.id, { verdict: v });
    if (v.kind !== 'accepted') ledger.kept.set(c.id, c);
  }
  const open = job.chunks.filter((c) => !ledger.outcomes.has(c.id));
  const failure = r.failure ?? 'TLC finished without a verdict for this part of the trace';
  const culprit = r.culprit && open.find((c) => c.id === r.culprit!.id);
  const next = afterFailure(
    open,
    failure,
    r.dataError,
    culprit ? { chunk: culprit, why: culpritWhy(culprit, r.culprit!.event, failure) } : null,
  );
  for (const [c, why] of next.failed) {
    ledger.outcomes.set(c.id, { failure: why });
    ledger.kept.set(c.id, c);
  }
  for (const chunks of next.retries) queue.retry({ ...job, chunks });
}

function culpritWhy(chunk: Chunk, event: number, failure: string): string {
  const e = chunk.events[event - 1];
  return `:${chunk.start + event + 1}: TLC could not evaluate ${e ? describeEvent(e) : 'this event'}: ${failure}`;
}

/** A trace's verdict: the first chunk that is not accepted decides (later chunks start from a state the implementation claimed, which no longer means anything). */
function traceVerdict(ledger: Ledger, t: TraceInput, index: number): TraceVerdict {
  const events = countOf(t);
  const problem = ledger.problems.get(index);
  if (problem) return { file: t.file, events, status: 'error', message: problem };
  for (const id of ledger.chunkIds.get(index)!) {
    const o = ledger.outcomes.get(id);
    if (!o) {
      const message = `${t.file}: not checked: TLC gave no verdict for part of the trace`;
      return { file: t.file, events, status: 'error', message };
    }
    if ('failure' in o) return { file: t.file, events, status: 'error', message: `${t.file}${o.failure}` };
    if (o.verdict.kind !== 'accepted') {
      return { file: t.file, events, status: 'rejected', diagnosis: diagnose(ledger.kept.get(id)!, o.verdict) };
    }
  }
  return { file: t.file, events, status: 'accepted' };
}

function keepRejected(
  ledger: Ledger,
  traces: readonly TraceInput[],
  verdicts: readonly TraceVerdict[],
  options: CheckOptions,
): KeptCase[] {
  const cases: KeptCase[] = [];
  traces.forEach((t, index) => {
    const id = (ledger.chunkIds.get(index) ?? []).find((c) => {
      const o = ledger.outcomes.get(c);
      return o !== undefined && 'verdict' in o && o.verdict.kind !== 'accepted';
    });
    if (verdicts[index]!.status === 'rejected' && id !== undefined) {
      cases.push(keepChunk(t, cases, ledger.kept.get(id)!, options));
    }
  });
  return cases;
}

/** A word as a POSIX shell reads it: quoted unless it is plain. */
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
  writeNamedFile(join(dir, 'RaftTrace.cfg'), batchConfig(maxEntries(t.header)!, traceGuards(t.header)));
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
    // As the in-process checker shows them: only when set.
    ...(p.leaderSeen === true ? { leaderSeen: true } : {}),
    ...((p.activePeers as string[]).length > 0 ? { activePeers: [...(p.activePeers as string[])].sort() } : {}),
    ...((p.snapshotIndex as number) > 0 ? { snapshotIndex: p.snapshotIndex as number } : {}),
    ...((p.snapshotTerm as number) > 0 ? { snapshotTerm: p.snapshotTerm as number } : {}),
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
  let snapshotBefore = chunk.init.servers[event.node]!.state.snapshotIndex ?? 0;
  for (const e of chunk.events.slice(0, k)) {
    if (!('node' in e) || e.node !== event.node) continue;
    if (e !== event) snapshotBefore = e.state.snapshotIndex ?? 0;
    log = changeLog(log, e.logChange);
  }
  const { logLength: _, ...rest } = event.state;
  // The log after the snapshot, as RaftTrace's LoggedPost rebuilds it (empty for a snapshot moved back).
  const snapshot = event.state.snapshotIndex ?? 0;
  return { ...rest, log: snapshot < snapshotBefore ? [] : logEntries(log).slice(snapshot) };
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
    ...(typeof v.timer === 'boolean' ? { specTimer: v.timer } : {}),
  });
}
