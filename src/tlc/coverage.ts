// Which actions and branches of spec/Raft.tla a TLC run took, from TLC's own
// coverage report (`-coverage`): in tool mode each evaluated expression comes
// as a framed message `line L, col C to line L2, col C2 of module M: COUNT`
// (codes 2221, and 2775 with a cost after the count).
//
// An action was taken when its last conjunct was evaluated: TLC evaluates a
// conjunction from left to right and stops at the first false conjunct, so
// the last one is reached only in steps where all the others held. A branch
// is marked in Raft.tla with a comment `(*B: name *)` right before the
// expression that only that branch evaluates (the effect of a disjunct whose
// condition held, or the arm of an IF); it was taken when TLC evaluated that
// expression.
import { readFileSync } from 'node:fs';
import { splitMessages, type TlcMessage } from './tool-output.js';

const COVERAGE_START = 2201;
const COVERAGE_END = 2202;
const COVERAGE_ENTRY = [2221, 2775];

interface Position {
  readonly line: number;
  readonly col: number;
}

/** Evaluation counts of the expressions of one module, by start position `line:col`. */
export type ExpressionCounts = Map<string, number>;

const ENTRY = /^\s*\|*line (\d+), col (\d+) to line \d+, col \d+ of module (\w+): (\d+)(?::\d+)?\s*$/;

/**
 * The counts of the last coverage report in TLC's messages (TLC reports
 * coverage periodically and once at the end), for expressions of `module`.
 * An expression reached through several callers is reported once per caller:
 * the counts are added up. Null when the output has no coverage report.
 */
export function expressionCounts(messages: readonly TlcMessage[], module: string): ExpressionCounts | null {
  let start = -1;
  for (let k = messages.length - 1; k >= 0; k--) {
    if (messages[k]!.code === COVERAGE_START) {
      start = k;
      break;
    }
  }
  if (start < 0) return null;
  const counts: ExpressionCounts = new Map();
  for (let k = start + 1; k < messages.length && messages[k]!.code !== COVERAGE_END; k++) {
    const m = messages[k]!;
    if (!COVERAGE_ENTRY.includes(m.code)) continue;
    const e = ENTRY.exec(m.text);
    if (!e || e[3] !== module) continue;
    const key = `${e[1]}:${e[2]}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(e[4]));
  }
  return counts;
}

export interface Probe {
  readonly kind: 'action' | 'branch';
  /** `Timeout`, or `HandleRequestVoteRequest: vote granted`. */
  readonly name: string;
  readonly at: Position;
}

/** The first character of the expression that follows `index` in `lines` (skipping blanks). */
function nextToken(lines: readonly string[], line: number, col: number): Position {
  for (let l = line; l < lines.length; l++) {
    const text = lines[l]!;
    for (let c = l === line ? col : 0; c < text.length; c++) {
      if (text[c] !== ' ') return { line: l + 1, col: c + 1 };
    }
  }
  throw new Error(`no expression follows line ${line + 1} of the spec`);
}

/**
 * The probes of a spec's text: one per action named in `actions` (at its last
 * top-level conjunct) and one per `(*B: ... *)` marker (named after the
 * action whose definition holds it, or the helper's name).
 */
export function specProbes(text: string, actions: readonly string[]): Probe[] {
  const lines = text.split('\n');
  const definitionAt = (l: number) => /^([A-Z]\w*)(\(.*\))?\s*==/.exec(lines[l]!)?.[1];
  const probes: Probe[] = [];
  for (const action of actions) {
    const first = lines.findIndex((_, l) => definitionAt(l) === action);
    if (first < 0) throw new Error(`the spec defines no action ${action}`);
    let last = -1;
    for (let l = first + 1; l < lines.length && (lines[l]!.startsWith(' ') || lines[l] === ''); l++) {
      if (lines[l] === '') break;
      if (/^ {4}\/\\ /.test(lines[l]!)) last = l;
    }
    if (last < 0) throw new Error(`action ${action} of the spec is not a conjunction list`);
    probes.push({ kind: 'action', name: action, at: nextToken(lines, last, 7) });
  }
  let owner = '';
  lines.forEach((line, l) => {
    owner = definitionAt(l) ?? owner;
    for (const m of line.matchAll(/\(\*B: ([^*]+?) \*\)/g)) {
      probes.push({ kind: 'branch', name: `${owner}: ${m[1]}`, at: nextToken(lines, l, m.index! + m[0].length) });
    }
  });
  return probes;
}

export interface CoverageRow {
  readonly kind: 'action' | 'branch';
  readonly name: string;
  /** How many times TLC evaluated the probe; 0 means never taken. */
  readonly count: number;
  /** The model's bounds rule this action or branch out by design (e.g. a model without faults). */
  readonly excluded: boolean;
}

export interface SpecCoverage {
  readonly rows: readonly CoverageRow[];
  readonly notTaken: readonly string[];
}

/**
 * Every probe's count. TLC leaves out of its report an expression it never
 * evaluated, so a probe it does not report counts 0: not taken. (A probe put
 * where TLC never reports anything therefore fails every model loudly; it
 * cannot pass silently.) `excludes` names actions and branches the model rules
 * out by design.
 */
export function specCoverage(
  counts: ExpressionCounts,
  probes: readonly Probe[],
  excludes: readonly string[] = [],
): SpecCoverage {
  const rows = probes.map((p) => ({
    kind: p.kind,
    name: p.name,
    count: counts.get(`${p.at.line}:${p.at.col}`) ?? 0,
    excluded: excludes.includes(p.name),
  }));
  return { rows, notTaken: rows.filter((r) => r.count === 0 && !r.excluded).map((r) => `${r.kind} ${r.name}`) };
}

/** The coverage of Raft.tla (at `specPath`) in a TLC run's output, or null without a report. */
export function raftCoverage(
  output: string,
  specPath: string,
  actions: readonly string[],
  excludes: readonly string[] = [],
): SpecCoverage | null {
  const counts = expressionCounts(splitMessages(output).messages, 'Raft');
  if (!counts) return null;
  return specCoverage(counts, specProbes(readFileSync(specPath, 'utf8'), actions), excludes);
}

/** The coverage as aligned lines for a terminal. */
export function formatCoverage(c: SpecCoverage): string[] {
  const width = Math.max(...c.rows.map((r) => r.name.length));
  const excluded = c.rows.filter((r) => r.excluded).length;
  const out = [
    `coverage of spec/Raft.tla: ${c.rows.filter((r) => r.kind === 'action').length} actions and ${c.rows.filter((r) => r.kind === 'branch').length} branches, ${c.notTaken.length === 0 ? `every one taken${excluded ? ` but the ${excluded} this model excludes` : ''}` : `${c.notTaken.length} NOT TAKEN`} (times taken, as TLC counts evaluations)`,
  ];
  for (const r of c.rows) {
    const count = r.count > 0 ? r.count.toLocaleString('en-US') : r.excluded ? 'excluded by the model' : 'NOT TAKEN';
    out.push(`  ${r.kind}  ${r.name.padEnd(width)}  ${count}`);
  }
  return out;
}
