// Checks a trace file before anything trusts it: every line parses, the header
// and each event match the JSON Schema (enforced with ajv), events are
// numbered 1, 2, 3..., every server named is a member of the cluster the
// header declares, and each log change fits the log the earlier events built.
// Problems come back as `file:line: field: what is wrong`. Both format
// versions are read; events come out in version 2 (log changes).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Entry } from '../raft/types.js';
import { linesOf, readLines, type Line } from '../files/lines.js';
import {
  SNAPSHOT_ACTIONS,
  traceGuards,
  traceSnapshots,
  type TracedState,
  type TraceEvent,
  type TraceHeader,
} from '../raft/events.js';
import { HarnessError } from '../errors/harness-error.js';

export interface TraceProblem {
  readonly file: string;
  /** 1-based line number in the file; 0 when the problem is the file as a whole. */
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export function formatProblem(p: TraceProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

export interface ValidTrace<E extends Iterable<TraceEvent> = readonly TraceEvent[]> {
  readonly header: TraceHeader;
  readonly eventCount: number;
  /** The events, each in format version 2 (a version 1 trace's whole logs become log changes). */
  readonly events: E;
}

export type ValidationResult<E extends Iterable<TraceEvent> = readonly TraceEvent[]> =
  | { readonly ok: true; readonly trace: ValidTrace<E> }
  | { readonly ok: false; readonly problems: readonly TraceProblem[] };

interface Validators {
  readonly header: ValidateFunction;
  readonly event: ValidateFunction;
  readonly eventV1: ValidateFunction;
}

interface TraceSchemas {
  readonly ajv: Ajv;
  /** The $id of trace.schema.json (format 2), for `$ref`s to its definitions. */
  readonly v2: string;
  readonly v1: string;
}

let schemas: TraceSchemas | null = null;
let compiled: Validators | null = null;

/** One Ajv holding both trace schemas, for the trace validator and for anything checked against their definitions (a transport frame's message). */
export function traceSchemas(): TraceSchemas {
  if (!schemas) {
    const ajv = new Ajv({ discriminator: true, allErrors: false, strict: true, verbose: true });
    const load = (name: string) => {
      const schema = JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8'));
      ajv.addSchema(schema);
      return schema.$id as string;
    };
    schemas = { ajv, v2: load('./trace.schema.json'), v1: load('./trace-v1.schema.json') };
  }
  return schemas;
}

function validators(): Validators {
  if (!compiled) {
    const { ajv, v2, v1 } = traceSchemas();
    compiled = {
      header: ajv.getSchema(`${v2}#/definitions/header`)!,
      event: ajv.getSchema(`${v2}#/definitions/event`)!,
      eventV1: ajv.getSchema(`${v1}#/definitions/event`)!,
    };
  }
  return compiled;
}

/** `/state/log/0/term` becomes `state.log[0].term`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function describeError(e: ErrorObject): { field: string; message: string } {
  let field = fieldPath(e.instancePath);
  const join = (name: string) => (field ? `${field}.${name}` : name);
  switch (e.keyword) {
    case 'required':
      return { field: join(e.params.missingProperty as string), message: 'missing' };
    case 'additionalProperties':
      return { field: join(e.params.additionalProperty as string), message: 'unexpected field' };
    case 'discriminator': {
      const tag = e.params.tag as string;
      field = join(tag);
      if (e.params.error === 'tag') return { field, message: 'missing or not a string' };
      return { field, message: `unknown value ${JSON.stringify(e.params.tagValue)}` };
    }
    case 'const':
      return { field, message: `${JSON.stringify(e.data)} where ${JSON.stringify(e.params.allowedValue)} is required` };
    case 'maximum':
      return { field, message: `${JSON.stringify(e.data)} is too large: TLC's integers stop at ${e.params.limit}` };
    case 'enum':
      return {
        field,
        message: `${JSON.stringify(e.data)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return { field, message: e.message ?? e.keyword };
  }
}

/** Picks the error that says most: the deepest one, which oneOf/discriminator noise hides behind. */
function bestError(errors: readonly ErrorObject[]): ErrorObject {
  return errors.reduce((best, e) => (e.instancePath.length > best.instancePath.length ? e : best), errors[0]!);
}

const MAX_PROBLEMS = 20;

/**
 * Reads a trace line by line, keeping only what later lines are checked
 * against: the header's servers and each server's log length (and, for a
 * version 1 trace, each server's log, to turn whole logs into changes).
 */
class TraceLineReader {
  readonly problems: TraceProblem[] = [];
  header: TraceHeader | null = null;
  events = 0;
  private readonly members = new Set<string>();
  private readonly logLength = new Map<string, number>();
  private readonly v1Logs = new Map<string, readonly Entry[]>();
  private stopped = false;
  /** Blank lines so far, and the later events numbered as if they were not there (reported once, as a count). */
  private blankLines = 0;
  private shiftedEvents = 0;

  constructor(private readonly file: string) {}

  get done(): boolean {
    return this.stopped || this.problems.length >= MAX_PROBLEMS;
  }

  private report(line: number, field: string, message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ file: this.file, line, field, message });
  }

  /** The event on this line, or null (the header, or a line with a problem). */
  read(lineNo: number, { text: raw, ended }: Line): TraceEvent | null {
    if (!ended) {
      this.report(lineNo, '', 'truncated last line (the file does not end with a newline)');
      this.stopped = true;
      return null;
    }
    if (lineNo === 1 && raw.startsWith('\uFEFF')) {
      this.report(lineNo, '', 'the file starts with a UTF-8 byte order mark; a trace is NDJSON without one');
      this.stopped = true;
      return null;
    }
    if (lineNo > 1 && raw.trim() === '') {
      this.report(lineNo, '', 'blank line: a trace holds one JSON value on every line');
      this.blankLines++;
      return null;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      this.report(lineNo, '', `${lineNo === 1 ? 'header: ' : ''}not valid JSON (${(err as Error).message})`);
      // Events are read against the header (its servers); without one there is nothing to check them against.
      if (lineNo === 1) this.stopped = true;
      return null;
    }
    return this.readValue(lineNo, value);
  }

  /** The event a line holds once parsed (see read). */
  readValue(lineNo: number, value: unknown): TraceEvent | null {
    const v = validators();
    if (lineNo === 1) {
      if (!v.header(value)) {
        const { field, message } = describeError(bestError(v.header.errors!));
        this.report(lineNo, field, `header: ${message}`);
        this.stopped = true;
        return null;
      }
      this.header = value as TraceHeader;
      for (const id of this.header.nodes) {
        this.members.add(id);
        this.logLength.set(id, 0);
        this.v1Logs.set(id, []);
      }
      return null;
    }
    const v1 = this.header!.version === 1;
    if (
      !v1 &&
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { state?: unknown }).state === 'object' &&
      (value as { state: object }).state !== null &&
      'log' in (value as { state: object }).state
    ) {
      this.report(
        lineNo,
        'state.log',
        `a whole log is trace format version 1, but the header says version ${this.header!.version} (log changes, state.logLength)`,
      );
      return null;
    }
    const validate = v1 ? v.eventV1 : v.event;
    if (!validate(value)) {
      const { field, message } = describeError(bestError(validate.errors!));
      this.report(lineNo, field, message);
      return null;
    }
    const event = v1 ? this.upgrade(value as EventV1) : (value as TraceEvent);
    const before = this.problems.length;
    // Line L holds event L-1: numbering by position keeps one bad line from shifting the rest.
    if (event.i !== lineNo - 1) {
      // One blank line must not bring one problem per later line: those numbered as if it were not there are counted.
      if (this.blankLines > 0 && event.i === lineNo - 1 - this.blankLines) this.shiftedEvents++;
      else this.report(lineNo, 'i', `event number ${event.i} on line ${lineNo}, where ${lineNo - 1} was due`);
    }
    // (The usual case, every server a member, is found without listing them.)
    if (!allMembers(event, this.members)) {
      for (const [field, id] of serversNamed(event)) {
        if (!this.members.has(id))
          this.report(lineNo, field, `server ${JSON.stringify(id)} is not in the header's nodes`);
      }
    }
    if (this.problems.length > before) return null;
    const misplaced = [
      ...roleProblems(event, this.header!.nodes, this.members),
      ...guardProblems(event, this.header!),
      ...snapshotProblems(event, this.header!),
    ];
    for (const [field, message] of misplaced) this.report(lineNo, field, message);
    if ('state' in event) this.checkLogLength(lineNo, event);
    if (this.problems.length > before) return null;
    this.events++;
    return event;
  }

  /** The event's log change fits the log the earlier events built, and its logLength is what the change leaves. */
  private checkLogLength(lineNo: number, event: Extract<TraceEvent, { state: unknown }>): void {
    const length = this.logLength.get(event.node)!;
    const change = event.logChange;
    // A snapshot installed over a log it does not match keeps nothing after the snapshot's index, however short the log was.
    const discarded =
      event.action === 'HandleInstallSnapshotRequest' &&
      change &&
      change.keep === event.state.snapshotIndex &&
      change.append.length === 0;
    if (change && change.keep < (event.state.snapshotIndex ?? 0)) {
      this.report(
        lineNo,
        'logChange.keep',
        `${change.keep} is inside the post-state's snapshot (snapshotIndex ${event.state.snapshotIndex}): a change keeps at least the entries the snapshot covers`,
      );
    } else if (change && change.keep > length && !discarded) {
      this.report(
        lineNo,
        'logChange.keep',
        `${change.keep}, but the log of ${event.node} held ${length} entries before this event`,
      );
    } else {
      const rebuilt = change ? change.keep + change.append.length : length;
      if (event.state.logLength !== rebuilt) {
        const message =
          event.action === 'Restart' && !change
            ? restartMismatch(event.node, event.state.logLength, rebuilt)
            : `${event.state.logLength}, but the log of ${event.node} rebuilt from the events holds ${rebuilt} entries`;
        this.report(lineNo, 'state.logLength', message);
      }
      this.logLength.set(event.node, event.state.logLength);
    }
  }

  /** A version 1 event, whose state holds the whole log, as a version 2 event. */
  private upgrade(e: EventV1): TraceEvent {
    if (!('state' in e)) return e as TraceEvent;
    const { term, role, votedFor, log, ...rest0 } = e.state;
    const state = { term, role, votedFor, logLength: log.length, ...rest0 };
    const old = this.v1Logs.get(e.node)!;
    let keep = 0;
    const max = Math.min(old.length, log.length);
    while (keep < max && old[keep]!.term === log[keep]!.term && old[keep]!.value === log[keep]!.value) keep++;
    this.v1Logs.set(e.node, log);
    this.logLength.set(e.node, old.length);
    const { state: _, ...rest } = e;
    const changed = keep !== old.length || keep !== log.length;
    return { ...rest, ...(changed ? { logChange: { keep, append: log.slice(keep) } } : {}), state } as TraceEvent;
  }

  /** `headerOnlyOk`: a trace with no events is whole (a process that took no step), not a problem. */
  finish(headerOnlyOk = false): void {
    if (this.shiftedEvents > 0) {
      this.report(
        0,
        '',
        `and ${this.shiftedEvents} later event(s) numbered as if the blank line(s) were not there (remove the blank lines)`,
      );
    }
    if (!headerOnlyOk && this.header && this.events === 0 && this.problems.length === 0)
      this.report(0, '', 'the trace has a header but no events');
  }
}

/** An event of format version 1: its state carries the whole log. */
type EventV1 = Omit<TraceEvent, 'state'> & {
  readonly node: string;
  readonly state: Omit<TracedState, 'logLength'> & { readonly log: readonly Entry[] };
};

function readAll(
  file: string,
  lines: Iterable<Line>,
  keep: boolean,
  onLines?: (lines: number) => void,
  headerOnlyOk = false,
): { reader: TraceLineReader; events: TraceEvent[]; empty: boolean } {
  const reader = new TraceLineReader(file);
  const events: TraceEvent[] = [];
  let lineNo = 0;
  for (const line of lines) {
    lineNo++;
    if (onLines && lineNo % 100_000 === 0) onLines(lineNo);
    const e = reader.read(lineNo, line);
    if (e && keep) events.push(e);
    if (reader.done) break;
  }
  reader.finish(headerOnlyOk);
  return { reader, events, empty: lineNo === 0 };
}

const EMPTY_FILE = 'empty file: a trace starts with a header line';

export function validateTraceText(file: string, text: string): ValidationResult {
  const { reader, events, empty } = readAll(file, linesOf(text), true);
  if (empty) return { ok: false, problems: [{ file, line: 0, field: '', message: EMPTY_FILE }] };
  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  return { ok: true, trace: { header: reader.header!, eventCount: events.length, events } };
}

/**
 * Whether a value is plain JSON data: objects and arrays of strings,
 * booleans, null and finite numbers, no undefined. Such a value reads back
 * from its JSON text as itself, so validating it is validating its text.
 */
function isPlainJson(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (const x of v) if (!isPlainJson(x)) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      for (const k in v) if (!isPlainJson((v as Record<string, unknown>)[k])) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * Validates a trace held as values (a simulated run's, as recorded), with
 * the same checks and the same problems as validateTraceText on its NDJSON
 * text, without writing and parsing that text; null when some value is not
 * plain JSON (its text could read back differently): validate the text.
 */
export function validateTraceValues(
  file: string,
  header: unknown,
  events: readonly unknown[],
): ValidationResult | null {
  if (!isPlainJson(header)) return null;
  for (const e of events) if (!isPlainJson(e)) return null;
  const reader = new TraceLineReader(file);
  const kept: TraceEvent[] = [];
  reader.readValue(1, header);
  for (let k = 0; k < events.length && !reader.done; k++) {
    const e = reader.readValue(k + 2, events[k]);
    if (e) kept.push(e);
  }
  reader.finish();
  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  return { ok: true, trace: { header: reader.header!, eventCount: kept.length, events: kept } };
}

/** A trace file's problems, as one line, when it changed between its validation and a later reading. */
export class TraceReadError extends HarnessError {}

function cannotRead(file: string, err: unknown): TraceProblem {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : `cannot be read (${code ?? (err as Error).message})`;
  return { file, line: 0, field: '', message: why };
}

/**
 * Validates a trace file in one streaming pass, holding no events. The
 * events come back as an iterable that reads the file again each time it is
 * iterated, checking every line again (a file changed meanwhile throws a
 * TraceReadError), so that a trace of any length is checked in bounded memory.
 * `onLines` hears every 100,000 lines how far the first pass got. A trace
 * with a header and no events is refused (it would check nothing) unless
 * `headerOnlyOk`: one part of a cluster's traces, e.g. a proxy that dropped
 * nothing, may hold no events.
 */
export function validateTraceFile(
  file: string,
  onLines?: (lines: number) => void,
  headerOnlyOk = false,
): ValidationResult<Iterable<TraceEvent>> {
  let result: ReturnType<typeof readAll>;
  try {
    result = readAll(file, readLines(file), false, onLines, headerOnlyOk);
  } catch (err) {
    return { ok: false, problems: [cannotRead(file, err)] };
  }
  const { reader, empty } = result;
  if (empty) return { ok: false, problems: [{ file, line: 0, field: '', message: EMPTY_FILE }] };
  if (reader.problems.length > 0) return { ok: false, problems: reader.problems };
  const events: Iterable<TraceEvent> = {
    *[Symbol.iterator]() {
      const again = new TraceLineReader(file);
      let lineNo = 0;
      for (const line of readLines(file)) {
        lineNo++;
        const e = again.read(lineNo, line);
        if (again.problems.length > 0)
          throw new TraceReadError(`${formatProblem(again.problems[0]!)} (the file changed after it was validated)`);
        if (e) yield e;
      }
    },
  };
  return { ok: true, trace: { header: reader.header!, eventCount: reader.events, events } };
}

/** Whether every server an event mentions is a member (serversNamed, without the list). */
function allMembers(e: TraceEvent, members: ReadonlySet<string>): boolean {
  if ('node' in e && !members.has(e.node)) return false;
  if ('peer' in e && e.peer !== undefined && !members.has(e.peer)) return false;
  if (e.msg && !(members.has(e.msg.source) && members.has(e.msg.dest))) return false;
  if ('send' in e && e.send && !(members.has(e.send.source) && members.has(e.send.dest))) return false;
  if ('state' in e) {
    const s = e.state;
    if (s.votedFor !== null && !members.has(s.votedFor)) return false;
    for (const id of s.votesResponded) if (!members.has(id)) return false;
    for (const id of s.votesGranted) if (!members.has(id)) return false;
    for (const id in s.nextIndex) if (!members.has(id)) return false;
    for (const id in s.matchIndex) if (!members.has(id)) return false;
    for (const id of s.activePeers ?? []) if (!members.has(id)) return false;
  }
  return true;
}

/** Every server id an event mentions, with the field that holds it. */
function serversNamed(e: TraceEvent): Array<[string, string]> {
  const named: Array<[string, string]> = [];
  if ('node' in e) named.push(['node', e.node]);
  if ('peer' in e && e.peer !== undefined) named.push(['peer', e.peer]);
  for (const key of ['msg', 'send'] as const) {
    const m = (e as { msg?: { source: string; dest: string }; send?: { source: string; dest: string } })[key];
    if (m) named.push([`${key}.source`, m.source], [`${key}.dest`, m.dest]);
  }
  if ('state' in e) {
    const s = e.state;
    if (s.votedFor !== null) named.push(['state.votedFor', s.votedFor]);
    s.votesResponded.forEach((id, k) => named.push([`state.votesResponded[${k}]`, id]));
    s.votesGranted.forEach((id, k) => named.push([`state.votesGranted[${k}]`, id]));
    for (const id of Object.keys(s.nextIndex)) named.push([`state.nextIndex.${id}`, id]);
    for (const id of Object.keys(s.matchIndex)) named.push([`state.matchIndex.${id}`, id]);
    (s.activePeers ?? []).forEach((id, k) => named.push([`state.activePeers[${k}]`, id]));
  }
  return named;
}

/**
 * What an event holds of the availability guards must be what its header
 * says ran: nothing before format version 4, and from it, the pre-vote's
 * events, role, messages and leaderSeen exactly when params.preVote, the
 * check's event and activePeers exactly when params.checkQuorum.
 */
function guardProblems(e: TraceEvent, header: TraceHeader): Array<[string, string]> {
  const g = traceGuards(header);
  const why = (guard: string) =>
    header.version < 4
      ? `is format version 4 (the availability guards), but the header says version ${header.version}`
      : `belongs to ${guard}, but the header's params do not say ${guard}: true`;
  const problems: Array<[string, string]> = [];
  // (A network's event may carry a pre-vote from version 4 on: a proxy's trace does not know the servers' guards.)
  const preVoteOnly =
    PRE_VOTE_ACTIONS.has(e.action) ||
    (e.msg?.type.startsWith('PreVote') === true && ('node' in e || header.version < 4)) ||
    ('send' in e && e.send?.type.startsWith('PreVote') === true);
  if (preVoteOnly && !g.preVote) problems.push(['action', `${e.action} ${why('preVote')}`]);
  if (e.action === 'CheckQuorum' && !g.checkQuorum) problems.push(['action', `CheckQuorum ${why('checkQuorum')}`]);
  if (!('state' in e)) return problems;
  const s = e.state;
  if (s.role === 'PreCandidate' && !g.preVote) problems.push(['state.role', `PreCandidate ${why('preVote')}`]);
  if ((s.leaderSeen !== undefined) !== g.preVote)
    problems.push(['state.leaderSeen', g.preVote ? 'missing: the run had preVote on' : why('preVote')]);
  if ((s.activePeers !== undefined) !== g.checkQuorum)
    problems.push(['state.activePeers', g.checkQuorum ? 'missing: the run had checkQuorum on' : why('checkQuorum')]);
  return problems;
}

/**
 * What an event holds of snapshots must be what its header says the run
 * could do: nothing before format version 5, and from it, the snapshot
 * events, the InstallSnapshotRequest message and the state fields
 * snapshotIndex and snapshotTerm exactly when params.snapshots.
 */
function snapshotProblems(e: TraceEvent, header: TraceHeader): Array<[string, string]> {
  if (traceSnapshots(header)) {
    if (!('state' in e)) return [];
    const s = e.state;
    const missing: Array<[string, string]> = [];
    for (const f of ['snapshotIndex', 'snapshotTerm'] as const)
      if (s[f] === undefined) missing.push([`state.${f}`, 'missing: the run had snapshots on']);
    if (s.snapshotIndex !== undefined && s.snapshotIndex > s.logLength)
      missing.push(['state.snapshotIndex', `${s.snapshotIndex} is beyond the log's last index ${s.logLength}`]);
    if (e.action === 'TakeSnapshot' && e.index !== s.snapshotIndex)
      missing.push(['index', `${e.index}, but the post-state's snapshotIndex is ${s.snapshotIndex}`]);
    return missing;
  }
  const why =
    header.version < 5
      ? `is format version 5 (snapshots), but the header says version ${header.version}`
      : "belongs to snapshots, but the header's params do not say snapshots: true";
  const problems: Array<[string, string]> = [];
  if (SNAPSHOT_ACTIONS.has(e.action)) problems.push(['action', `${e.action} ${why}`]);
  else if (e.msg?.type === 'InstallSnapshotRequest') problems.push(['msg.type', `InstallSnapshotRequest ${why}`]);
  if ('state' in e)
    for (const f of ['snapshotIndex', 'snapshotTerm'] as const)
      if (e.state[f] !== undefined) problems.push([`state.${f}`, why]);
  return problems;
}

const PRE_VOTE_ACTIONS: ReadonlySet<string> = new Set([
  'RequestPreVote',
  'HandlePreVoteRequest',
  'HandlePreVoteResponse',
  'StartElection',
]);

/** Fields that must agree with the acting server: it reads messages sent to it and sends messages from itself. */
function roleProblems(e: TraceEvent, nodes: readonly string[], members: ReadonlySet<string>): Array<[string, string]> {
  if (!('node' in e)) return [];
  const problems: Array<[string, string]> = [];
  const node = e.node;
  if (e.msg && e.msg.dest !== node) problems.push(['msg.dest', `must be the acting server ${node}`]);
  if (e.send && e.send.source !== node) problems.push(['send.source', `must be the acting server ${node}`]);
  if (e.peer !== undefined) {
    const expected = e.msg ? e.msg.source : e.send?.dest;
    if (expected !== undefined && e.peer !== expected) {
      problems.push(['peer', `must be ${e.msg ? 'msg.source' : 'send.dest'} (${expected})`]);
    }
  }
  for (const field of ['nextIndex', 'matchIndex'] as const) {
    // One key per peer: as many keys as peers, each a member other than the node (keys are distinct).
    let count = 0;
    let ok = true;
    for (const id in e.state[field]) {
      count++;
      if (id === node || !members.has(id)) ok = false;
    }
    if (!ok || count !== members.size - 1) {
      const peers = nodes.filter((id) => id !== node).join(',');
      problems.push([`state.${field}`, `must have one entry per peer of ${node} (${peers || 'none'})`]);
    }
  }
  return problems;
}

/**
 * A restart that recovered a log of another length than the one the events
 * before it had written: a durability failure of the server's storage (its
 * write-ahead log lost entries, or brought back ones never written), said in
 * those terms rather than as a count that disagrees.
 */
export function restartMismatch(node: string, recovered: number, durable: number): string {
  const range = (from: number, to: number) => (from === to ? `entry ${from}` : `entries ${from} to ${to}`);
  const head = `${recovered}: ${node}'s restart recovered ${recovered} entries, but the events before it wrote ${durable}`;
  if (recovered < durable) return `${head}: ${range(recovered + 1, durable)} lost at restart`;
  return `${head}: ${range(durable + 1, recovered)} appeared at restart, never written`;
}
