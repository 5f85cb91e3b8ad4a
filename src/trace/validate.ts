// Checks a trace file before anything trusts it: every line parses, the header
// and each event match the JSON Schema (enforced with ajv), events are
// numbered 1, 2, 3..., and every server named is a member of the cluster the
// header declares. Problems come back as `file:line: field: what is wrong`.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TraceEvent, TraceHeader } from './events.js';

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

export interface ValidTrace {
  readonly header: TraceHeader;
  readonly events: readonly TraceEvent[];
}

export type ValidationResult =
  | { readonly ok: true; readonly trace: ValidTrace }
  | { readonly ok: false; readonly problems: readonly TraceProblem[] };

interface Validators {
  readonly header: ValidateFunction;
  readonly event: ValidateFunction;
}

let compiled: Validators | null = null;

function validators(): Validators {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(new URL('./trace.schema.json', import.meta.url), 'utf8'));
    const ajv = new Ajv({ discriminator: true, allErrors: false, strict: true, verbose: true });
    ajv.addSchema(schema);
    const id = schema.$id as string;
    compiled = {
      header: ajv.getSchema(`${id}#/definitions/header`)!,
      event: ajv.getSchema(`${id}#/definitions/event`)!,
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
      return { field, message: `${JSON.stringify(e.data)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { field, message: e.message ?? e.keyword };
  }
}

/** Picks the error that says most: the deepest one, which oneOf/discriminator noise hides behind. */
function bestError(errors: readonly ErrorObject[]): ErrorObject {
  return errors.reduce((best, e) => (e.instancePath.length > best.instancePath.length ? e : best), errors[0]!);
}

const MAX_PROBLEMS = 20;

export function validateTraceText(file: string, text: string): ValidationResult {
  const problems: TraceProblem[] = [];
  const report = (line: number, field: string, message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ file, line, field, message });
  };
  if (text.length === 0) {
    return { ok: false, problems: [{ file, line: 0, field: '', message: 'empty file: a trace starts with a header line' }] };
  }
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  const v = validators();
  let header: TraceHeader | null = null;
  const members = new Set<string>();
  const events: TraceEvent[] = [];

  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const raw = lines[n]!;
    if (!endsWithNewline && n === lines.length - 1) {
      report(lineNo, '', 'truncated last line (the file does not end with a newline)');
      break;
    }
    if (n === 0 && raw.startsWith('\uFEFF')) {
      report(lineNo, '', 'the file starts with a UTF-8 byte order mark; a trace is NDJSON without one');
      break;
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      report(lineNo, '', `${n === 0 ? 'header: ' : ''}not valid JSON (${(err as Error).message})`);
      // Events are read against the header (its servers); without one there is nothing to check them against.
      if (n === 0) break;
      continue;
    }
    if (n === 0) {
      if (!v.header(value)) {
        const { field, message } = describeError(bestError(v.header.errors!));
        report(lineNo, field, `header: ${message}`);
        break;
      }
      header = value as TraceHeader;
      for (const id of header.nodes) members.add(id);
      continue;
    }
    if (!v.event(value)) {
      const { field, message } = describeError(bestError(v.event.errors!));
      report(lineNo, field, message);
      continue;
    }
    const event = value as TraceEvent;
    // Line L holds event L-1: numbering by position keeps one bad line from shifting the rest.
    if (event.i !== lineNo - 1) report(lineNo, 'i', `event number ${event.i} on line ${lineNo}, where ${lineNo - 1} was due`);
    for (const [field, id] of serversNamed(event)) {
      if (!members.has(id)) report(lineNo, field, `server ${JSON.stringify(id)} is not in the header's nodes`);
    }
    for (const [field, message] of roleProblems(event, header!.nodes)) report(lineNo, field, message);
    events.push(event);
  }
  if (header && events.length === 0 && problems.length === 0) {
    report(0, '', 'the trace has a header but no events');
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, trace: { header: header!, events } };
}

export function validateTraceFile(file: string): ValidationResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? (err as Error).message})`;
    return { ok: false, problems: [{ file, line: 0, field: '', message: why }] };
  }
  return validateTraceText(file, text);
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
  }
  return named;
}

/** Fields that must agree with the acting server: it reads messages sent to it and sends messages from itself. */
function roleProblems(e: TraceEvent, nodes: readonly string[]): Array<[string, string]> {
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
  const peers = nodes.filter((id) => id !== node).join(',');
  for (const field of ['nextIndex', 'matchIndex'] as const) {
    const keys = Object.keys(e.state[field]).sort().join(',');
    if (keys !== [...peers.split(',')].filter(Boolean).sort().join(',')) {
      problems.push([`state.${field}`, `must have one entry per peer of ${node} (${peers || 'none'})`]);
    }
  }
  return problems;
}
