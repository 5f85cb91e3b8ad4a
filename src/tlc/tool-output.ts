// Reads TLC's `-tool` output: every report is framed as
//   @!@!@STARTMSG <code>:<class> @!@!@ ... @!@!@ENDMSG <code> @!@!@
// and the code says what it is (the constants of tlc2.output.EC). The parser
// never interprets TLC's prose where a code exists; the one exception is the
// parser's (SANY's) error text, which TLC prints unframed.
import { parseTlaState, type Json } from './tla-value.js';

/** Message codes of tlc2.output.EC used here (stable across TLC releases). */
export const TLC_CODE = {
  GENERAL: 1000,
  SYSTEM_OUT_OF_MEMORY: 1001,
  SYSTEM_STACK_OVERFLOW: 1005,
  INVARIANT_VIOLATED_INITIAL: 2107,
  PROPERTY_VIOLATED_INITIAL: 2108,
  INVARIANT_VIOLATED_BEHAVIOR: 2110,
  ACTION_PROPERTY_VIOLATED_BEHAVIOR: 2112,
  DEADLOCK_REACHED: 2114,
  TEMPORAL_PROPERTY_VIOLATED: 2116,
  BEHAVIOR_UP_TO_THIS_POINT: 2121,
  PARSING_FAILED2: 2171,
  STARTING: 2185,
  FINISHED: 2186,
  SUCCESS: 2193,
  SEARCH_DEPTH: 2194,
  STATS: 2199,
  PROGRESS_STATS: 2200,
  /** Progress of a random simulation (behaviours are not stored: no distinct count). */
  PROGRESS_SIMULATION: 2209,
  STATE_PRINT1: 2216,
  STATE_PRINT2: 2217,
  STATE_PRINT3: 2218,
  SANY_END: 2219,
  SANY_START: 2220,
  VERSION: 2262,
  PARSING_FAILED: 3002,
} as const;

/** Message classes (the number after the colon). */
const CLASS_ERROR = 1;

export interface TlcMessage {
  readonly code: number;
  readonly cls: number;
  readonly text: string;
}

export interface TlcState {
  /** Position in the behaviour, from 1. */
  readonly number: number;
  /** What TLC says led to it: `Initial predicate`, or the action's name and location. */
  readonly action: string;
  readonly variables: Record<string, Json>;
}

export type TlcOutcome =
  | { readonly kind: 'success' }
  | {
      readonly kind: 'violation';
      readonly property: string;
      readonly propertyKind: 'invariant' | 'action property' | 'temporal property';
      readonly trace: readonly TlcState[];
    }
  | { readonly kind: 'deadlock'; readonly trace: readonly TlcState[] }
  | {
      readonly kind: 'parse-error';
      readonly file: string | null;
      readonly line: number | null;
      readonly message: string;
    }
  | { readonly kind: 'error'; readonly code: number; readonly message: string; readonly trace: readonly TlcState[] }
  | { readonly kind: 'crash'; readonly message: string }
  | { readonly kind: 'timeout'; readonly seconds: number };

export interface TlcStats {
  readonly version: string | null;
  readonly statesGenerated: number | null;
  readonly distinctStates: number | null;
  readonly depth: number | null;
}

export interface ParsedToolOutput {
  readonly messages: readonly TlcMessage[];
  /** Text TLC printed outside any message frame (SANY's output among it). */
  readonly unframed: string;
  readonly stats: TlcStats;
  /** The outcome the messages report, or null if TLC ended without reporting one. */
  readonly outcome: TlcOutcome | null;
}

const START = /^@!@!@STARTMSG (\d+):(\d+) @!@!@$/;
const END = /^@!@!@ENDMSG (\d+) @!@!@$/;

export function splitMessages(output: string): { messages: TlcMessage[]; unframed: string } {
  const messages: TlcMessage[] = [];
  const unframed: string[] = [];
  let open: { code: number; cls: number; lines: string[] } | null = null;
  for (const line of output.split(/\r?\n/)) {
    const s = START.exec(line);
    if (s) {
      open = { code: Number(s[1]), cls: Number(s[2]), lines: [] };
      continue;
    }
    if (open && END.test(line)) {
      messages.push({ code: open.code, cls: open.cls, text: open.lines.join('\n').trim() });
      open = null;
      continue;
    }
    (open ? open.lines : unframed).push(line);
  }
  if (open) messages.push({ code: open.code, cls: open.cls, text: open.lines.join('\n').trim() });
  return { messages, unframed: unframed.join('\n') };
}

function parseState(text: string): TlcState {
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  const m = /^(\d+): <(.*)>\s*$/.exec(head.trim());
  return {
    number: m ? Number(m[1]) : 0,
    action: m ? m[2]! : head.trim(),
    variables: parseTlaState(nl < 0 ? '' : text.slice(nl + 1)),
  };
}

const num = (s: string) => Number(s.replace(/,/g, ''));

/** The file and line of a SANY error, and its message. */
export function parseSanyError(unframed: string): { file: string | null; line: number | null; message: string } {
  const text = unframed
    .split('\n')
    .filter((l) => !/^(Parsing file|Semantic processing of module)/.test(l))
    .join('\n');
  const semantic = /line (\d+), col (\d+) to line \d+, col \d+ of module (\w+)\s*\n\s*\n([^\n]+)/.exec(text);
  if (semantic) {
    return { file: `${semantic[3]}.tla`, line: Number(semantic[1]), message: semantic[4]!.trim() };
  }
  const syntax = /Encountered "([^"]*)" at line (\d+), column (\d+)/.exec(text);
  const module = /Could not parse module (\w+) from file (\S+)/.exec(text) ?? /In module (\w+)/.exec(text);
  if (syntax) {
    return {
      file: module ? (module[2] ?? `${module[1]}.tla`) : null,
      line: Number(syntax[2]),
      message: `syntax error at column ${syntax[3]}: unexpected "${syntax[1]}"`,
    };
  }
  const missing = /Cannot find source file for module (\w+)/.exec(text);
  if (missing) return { file: null, line: null, message: `cannot find module ${missing[1]}` };
  const first = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !/^\*\*\*|^Fatal errors/.test(l));
  return { file: module ? `${module[1]}.tla` : null, line: null, message: first ?? 'the spec could not be parsed' };
}

export function parseToolOutput(output: string): ParsedToolOutput {
  const { messages, unframed } = splitMessages(output);
  let version: string | null = null;
  let statesGenerated: number | null = null;
  let distinctStates: number | null = null;
  let depth: number | null = null;
  const states: TlcState[] = [];
  let outcome: TlcOutcome | null = null;
  let pending: { property: string; propertyKind: 'invariant' | 'action property' | 'temporal property' } | null = null;
  let deadlock = false;
  let error: { code: number; message: string } | null = null;

  for (const msg of messages) {
    switch (msg.code) {
      case TLC_CODE.VERSION:
        version = /TLC2 Version (\S+)/.exec(msg.text)?.[1] ?? msg.text;
        break;
      case TLC_CODE.STATS: {
        const m = /([\d,]+) states generated, ([\d,]+) distinct states found/.exec(msg.text);
        if (m) {
          statesGenerated = num(m[1]!);
          distinctStates = num(m[2]!);
        }
        break;
      }
      case TLC_CODE.PROGRESS_SIMULATION: {
        // A simulation stopped at its time budget prints no final statistics.
        const m = /([\d,]+) states generated/.exec(msg.text);
        if (m) statesGenerated = num(m[1]!);
        break;
      }
      case TLC_CODE.SEARCH_DEPTH: {
        const m = /is (\d+)/.exec(msg.text);
        if (m) depth = Number(m[1]);
        break;
      }
      case TLC_CODE.STATE_PRINT1:
      case TLC_CODE.STATE_PRINT2:
      case TLC_CODE.STATE_PRINT3:
        states.push(parseState(msg.text));
        break;
      case TLC_CODE.SUCCESS:
        outcome = outcome ?? { kind: 'success' };
        break;
      case TLC_CODE.INVARIANT_VIOLATED_INITIAL:
      case TLC_CODE.INVARIANT_VIOLATED_BEHAVIOR:
        pending = {
          property: /Invariant (\S+) is violated/.exec(msg.text)?.[1] ?? msg.text,
          propertyKind: 'invariant',
        };
        break;
      case TLC_CODE.ACTION_PROPERTY_VIOLATED_BEHAVIOR:
        pending = {
          property: /Action property (\S+) is violated/.exec(msg.text)?.[1] ?? msg.text,
          propertyKind: 'action property',
        };
        break;
      case TLC_CODE.PROPERTY_VIOLATED_INITIAL:
      case TLC_CODE.TEMPORAL_PROPERTY_VIOLATED:
        pending = {
          property: /(?:property|Property) (\S+)/.exec(msg.text)?.[1] ?? msg.text,
          propertyKind: 'temporal property',
        };
        break;
      case TLC_CODE.DEADLOCK_REACHED:
        deadlock = true;
        break;
      case TLC_CODE.PARSING_FAILED:
      case TLC_CODE.PARSING_FAILED2:
        outcome = { kind: 'parse-error', ...parseSanyError(unframed + '\n' + msg.text) };
        break;
      default:
        if (msg.cls === CLASS_ERROR && msg.code !== TLC_CODE.BEHAVIOR_UP_TO_THIS_POINT && !error) {
          error = { code: msg.code, message: msg.text.replace(/\s+/g, ' ').trim() };
        }
    }
  }
  if (!outcome || outcome.kind === 'success') {
    if (pending) outcome = { kind: 'violation', ...pending, trace: states };
    else if (deadlock) outcome = { kind: 'deadlock', trace: states };
    else if (error) outcome = { kind: 'error', ...error, trace: states };
  }
  return { messages, unframed, stats: { version, statesGenerated, distinctStates, depth }, outcome };
}
