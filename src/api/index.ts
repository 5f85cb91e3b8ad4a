// The library API: what a user's own code and tests import from
// 'raft-tla-harness'. It is a thin face over the rooms that do the work
// (trace/, check/, audit/, history/), so that nothing is written twice and a
// user meets the same verdicts, diagnoses and errors as the commands give.
//
//   const run = new TraceRecording(['n1', 'n2', 'n3']);
//   run.record(node.step({ kind: 'electionTimeout' }));   // every Ready of every RaftNode, in order
//   const verdict = await checkTrace(run);                // in process; { checker: 'tlc' } for TLC
//   if (verdict.status !== 'accepted') console.log(verdict.explanation.join('\n'));
import { checkTraceInProcess } from '../check/in-process-checker.js';
import { writeFileAtomic } from '../files/writes.js';
import { checkTraces, type TraceInput } from '../check/trace-checker.js';
import { BadInputError } from '../errors/harness-error.js';
import { MAX_ENTRIES_PER_MESSAGE, type Ready } from '../raft/node.js';
import {
  guardParams,
  TRACE_FORMAT,
  TRACE_VERSION,
  type TraceEvent,
  type TraceHeader,
  type UnnumberedEvent,
} from '../raft/events.js';
import { NO_GUARDS, type Guards, type Message, type ServerId } from '../raft/types.js';
import { findJava, findTlcJar } from '../tlc/jar.js';
import { mergedNdjson, mergeTraceFiles } from '../trace/merge.js';
import { TraceRecorder } from '../trace/recorder.js';
import {
  formatProblem,
  validateTraceFile,
  validateTraceText,
  validateTraceValues,
  type ValidationResult,
} from '../trace/validate.js';
import { formatDiagnosis, type TraceVerdict } from '../verdict/diagnosis.js';
import { runCampaign as runOneCampaign, type CampaignConfig, type CampaignResult } from '../audit/campaign.js';

export { RaftNode, MAX_ENTRIES_PER_MESSAGE } from '../raft/node.js';
export type { Input, Ready, CommittedEntry } from '../raft/node.js';
export type { Message, ServerId, Entry, Role, ServerState, DurableState, Guards } from '../raft/types.js';
export type { TraceEvent, TraceHeader, ServerEvent, NetworkEvent, UnnumberedEvent } from '../raft/events.js';
export type { TraceVerdict, Diagnosis } from '../verdict/diagnosis.js';
export type { CampaignConfig, CampaignResult, FailureReport } from '../audit/campaign.js';
export { checkLinearizability, describeOperation } from '../history/linearizability.js';
export type { Operation, LinearizabilityReport, KeyVerdict } from '../history/linearizability.js';
export { HarnessError, BadInputError } from '../errors/harness-error.js';

/**
 * A trace being recorded from a user's own run: every Ready of every
 * RaftNode (and what the network did to messages), in the order it happened.
 * It is a trace of the harness's format, so every checker takes it.
 */
export class TraceRecording {
  private readonly recorder: TraceRecorder;
  readonly name: string;

  constructor(
    servers: readonly ServerId[],
    options: {
      readonly name?: string;
      readonly seed?: number;
      readonly params?: Record<string, unknown>;
      /** The guards the recorded RaftNodes run with (RaftNode.boot's third argument): the checkers need to know. */
      readonly guards?: Guards;
      /** The entries per AppendEntries they run with (RaftNode.boot's fourth argument; MAX_ENTRIES_PER_MESSAGE if absent). */
      readonly maxEntriesPerMessage?: number;
    } = {},
  ) {
    const header: TraceHeader = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      nodes: [...servers],
      seed: options.seed ?? 0,
      params: {
        maxEntriesPerMessage: options.maxEntriesPerMessage ?? MAX_ENTRIES_PER_MESSAGE,
        ...options.params,
        ...guardParams(options.guards ?? NO_GUARDS),
      },
    };
    this.recorder = new TraceRecorder(header);
    this.name = options.name ?? 'recording';
  }

  /** Records a step's events (a Ready of RaftNode.step, recover or any event list of the same shape). */
  record(step: Pick<Ready, 'events'> | readonly UnnumberedEvent[]): this {
    const events = 'events' in step ? step.events : step;
    for (const e of events) this.recorder.record(e);
    return this;
  }

  /** The network lost `msg`, which was in flight. */
  dropped(msg: Message): this {
    this.recorder.record({ action: 'DropMessage', msg });
    return this;
  }

  /** The network delivers `msg` one more time than it was sent. */
  duplicated(msg: Message): this {
    this.recorder.record({ action: 'DuplicateMessage', msg });
    return this;
  }

  get header(): TraceHeader {
    return this.recorder.header;
  }

  get events(): readonly TraceEvent[] {
    return this.recorder.events;
  }

  /** The trace as NDJSON: the header, then an event a line. */
  toNdjson(): string {
    return this.recorder.toNdjson();
  }

  /** Writes the trace to `file` whole or not at all, for the commands (raft-tla check FILE) or to keep. */
  writeTo(file: string): void {
    writeFileAtomic(file, this.toNdjson());
  }
}

/** What a check reads: a trace file, a trace's NDJSON text, or a recording. */
export type TraceSource =
  string | { readonly file: string } | { readonly ndjson: string; readonly name?: string } | TraceRecording;

export interface ValidationOutcome {
  readonly ok: boolean;
  readonly events: number;
  /** Each problem as one line, `file:line: field: what is wrong`. */
  readonly problems: readonly string[];
}

function validated(source: TraceSource): { name: string; result: ValidationResult<Iterable<TraceEvent>> } {
  if (source instanceof TraceRecording) {
    const { header, events, name } = source;
    // Values that are not plain JSON (undefined, a class instance) are checked as the text they would be written as.
    return { name, result: validateTraceValues(name, header, events) ?? validateTraceText(name, source.toNdjson()) };
  }
  if (typeof source === 'string' || 'file' in source) {
    const file = typeof source === 'string' ? source : source.file;
    return { name: file, result: validateTraceFile(file) };
  }
  const name = source.name ?? 'trace';
  return { name, result: validateTraceText(name, source.ndjson) };
}

/** Checks a trace against the trace schema only (format, fields, message shapes). */
export function validateTrace(source: TraceSource): ValidationOutcome {
  const { result } = validated(source);
  return result.ok
    ? { ok: true, events: result.trace.eventCount, problems: [] }
    : { ok: false, events: 0, problems: result.problems.map(formatProblem) };
}

export interface CheckTraceOptions {
  /** Who judges: the in-process transcription of spec/Raft.tla (default: fast, no Java) or TLC itself. */
  readonly checker?: 'in-process' | 'tlc';
  /** TLC's time limit per run, in ms. */
  readonly timeoutMs?: number;
}

/** A verdict with its explanation: the lines the commands print for it (empty for an accepted trace). */
export type CheckedTrace = TraceVerdict & { readonly explanation: readonly string[] };

function explained(v: TraceVerdict): CheckedTrace {
  const explanation =
    v.status === 'rejected' ? formatDiagnosis(v.file, v.diagnosis) : v.status === 'error' ? [v.message] : [];
  return { ...v, explanation };
}

/**
 * Schema-checks a trace, then checks every event against spec/Raft.tla. A
 * trace that breaks the schema is an 'error' verdict naming the file, line
 * and field; a trace the spec does not allow is 'rejected', with the event,
 * the variable or the false condition, and the likely cause.
 */
export async function checkTrace(source: TraceSource, options: CheckTraceOptions = {}): Promise<CheckedTrace> {
  const { name, result } = validated(source);
  if (!result.ok) {
    const message = result.problems.map(formatProblem).join('\n');
    return explained({ file: name, events: 0, status: 'error', message });
  }
  const input: TraceInput = { file: name, ...result.trace };
  if ((options.checker ?? 'in-process') === 'in-process') return explained(checkTraceInProcess(input));
  const report = await checkTraces([input], {
    java: findJava(),
    jar: await findTlcJar(),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return explained(report.verdicts[0]!);
}

export interface MergedTrace {
  readonly header: TraceHeader;
  readonly events: readonly TraceEvent[];
  /** Messages sent and never received (lost to a crash, a dropped connection or the run's end). */
  readonly unreceived: number;
  /** The merged trace as NDJSON, for a file or for checkTrace({ ndjson }). */
  readonly ndjson: string;
}

/**
 * Merges per-process traces of one real run (each written with message ids
 * and vector clocks, as src/server/ writes them) into one trace in an order
 * consistent with happens-before. Throws a HarnessError naming the file and
 * line when they cannot be merged.
 */
export function mergeTraces(files: readonly string[]): MergedTrace {
  const merged = mergeTraceFiles(files);
  return { header: merged.header, events: merged.events, unreceived: merged.unreceived, ndjson: mergedNdjson(merged) };
}

/**
 * Runs an adversarial campaign of seeded schedules (loss, duplication,
 * reordering, partitions, crashes) against the harness's Raft with every
 * oracle, and shrinks what fails. Defaults: 200 schedules or 60 s, no TLC.
 */
export async function runCampaign(options: Partial<CampaignConfig> = {}): Promise<CampaignResult> {
  const config: CampaignConfig = {
    label: 'campaign',
    maxSchedules: 200,
    maxSeconds: 60,
    shrinkSeconds: 30,
    firstSeed: 1,
    failuresDir: 'traces/campaigns',
    coverage: false,
    tlc: false,
    ...options,
  };
  if (config.maxSchedules < 1) throw new BadInputError(`maxSchedules must be at least 1, got ${config.maxSchedules}`);
  return runOneCampaign(config);
}
