// Holds the two checkers of spec/Raft.tla in agreement: TLC's (the judge,
// trace-checker.ts) and the in-process one (in-process-checker.ts). Their
// verdicts on a trace agree when both accept it, both find it impossible to
// check, or both reject it at the same event, in the same way (the same
// differing variables with the same values, the same false conditions, the
// same broken properties). Any disagreement is a bug in one of them.
import type { Rng } from '../random/rng.js';
import { generateSchedule, runSchedule } from '../sim/schedule.js';
import { validateTraceText } from '../trace/validate.js';
import { checkTraceInProcess } from './in-process-checker.js';
import { perturb, PERTURBATION_KINDS, type Perturbation, type PerturbationKind } from './perturbations.js';
import { checkTraces, type CheckOptions, type TraceInput } from './trace-checker.js';
import { formatDiagnosis, type TraceVerdict } from '../verdict/diagnosis.js';

/** Values TLC prints as sets come in its own order; both sides are compared with their sets sorted. */
function normalized(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(normalized);
    return items.every((x) => typeof x === 'string') ? [...items].sort() : items;
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, normalized((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** What a verdict says, in the terms both checkers share. */
function essence(v: TraceVerdict): unknown {
  if (v.status === 'accepted') return { status: 'accepted' };
  if (v.status === 'error') return { status: 'error' };
  const d = v.diagnosis;
  return normalized({
    status: 'rejected',
    line: d.line,
    kind: d.kind,
    differences: d.differences,
    falseConditions: d.falseConditions,
    brokenProperties: d.brokenProperties,
  });
}

/** One line per verdict, for printing both side by side. */
export function describeVerdict(v: TraceVerdict): string {
  if (v.status === 'accepted') return 'accepted';
  if (v.status === 'error') return `error: ${v.message}`;
  return formatDiagnosis(v.file, v.diagnosis).join('\n    ');
}

/** Null when the two verdicts agree; else both, for a person to read. */
export function disagreement(tlc: TraceVerdict, inProcess: TraceVerdict): string | null {
  if (JSON.stringify(essence(tlc)) === JSON.stringify(essence(inProcess))) return null;
  return `TLC: ${describeVerdict(tlc)}\n  in-process: ${describeVerdict(inProcess)}`;
}

export interface FuzzOptions {
  /** How many perturbed traces to check. */
  readonly count: number;
  readonly rng: Rng;
  /** The first seed of the schedules whose traces are perturbed. */
  readonly firstSeed: number;
  /** How many base traces (the perturbations are spread over them). */
  readonly bases: number;
  /** Steps of the base schedules, e.g. { minSteps: 40, maxSteps: 120 }. */
  readonly schedule?: { readonly minSteps?: number; readonly maxSteps?: number };
  /** TLC's options; its chunk size sets where the chunk boundaries are. */
  readonly tlc: CheckOptions & { readonly chunkSize: number };
}

export interface KindRow {
  readonly kind: PerturbationKind;
  /** Perturbed traces made, and how many of them the trace validator refused (neither checker sees those). */
  readonly made: number;
  readonly malformed: number;
  readonly atBoundary: number;
  readonly rejected: number;
  readonly accepted: number;
  readonly errors: number;
  readonly disagreements: number;
}

export interface FuzzReport {
  readonly rows: readonly KindRow[];
  /** Perturbed traces both checkers judged. */
  readonly checked: number;
  /** Base traces, and those that either checker did not accept (there must be none). */
  readonly bases: number;
  readonly basesRejected: readonly string[];
  readonly disagreements: ReadonlyArray<{
    readonly perturbation: Omit<Perturbation, 'text'>;
    readonly base: number;
    readonly text: string;
    readonly detail: string;
  }>;
  readonly events: number;
  readonly tlcMs: number;
  readonly inProcessMs: number;
}

/** The base traces: simulated runs of the correct implementation, which both checkers must accept. */
export function baseTraces(
  first: number,
  count: number,
  schedule: FuzzOptions['schedule'] = {},
): Array<{ seed: number; text: string; events: number }> {
  const out: Array<{ seed: number; text: string; events: number }> = [];
  for (let seed = first; out.length < count; seed++) {
    // Every other base runs with PreVote and CheckQuorum on, and every third
    // takes a snapshot every 2 entries, so that their events are perturbed too.
    const guards = seed % 2 === 0 ? { preVote: true, checkQuorum: true } : undefined;
    const snapshots = seed % 3 === 0 ? { snapshotEvery: 2 } : {};
    const run = runSchedule(generateSchedule(seed, { ...schedule, ...(guards ? { guards } : {}), ...snapshots }));
    if (run.events > 0) out.push({ seed, text: run.trace, events: run.events });
  }
  return out;
}

/**
 * Makes `count` perturbed traces (the kinds in turn), checks each with both
 * checkers, and tabulates the verdicts per kind.
 */
export async function fuzzCheckers(options: FuzzOptions): Promise<FuzzReport> {
  const bases = baseTraces(options.firstSeed, options.bases, options.schedule);
  const made: Array<{ p: Perturbation; base: number; input: TraceInput | null }> = [];
  for (let n = 0, tries = 0; n < options.count && tries < options.count * 10; tries++) {
    const kind = PERTURBATION_KINDS[n % PERTURBATION_KINDS.length]!;
    // Every third next to a chunk boundary, in a trace long enough to have one.
    const atBoundary = Math.floor(n / PERTURBATION_KINDS.length) % 3 === 0;
    const eligible = atBoundary ? bases.filter((b) => b.events > options.tlc.chunkSize) : bases;
    const from = eligible.length > 0 ? eligible : bases;
    const base = from[options.rng.intBetween(0, from.length - 1)]!;
    const p = perturb(base.text, kind, options.rng, options.tlc.chunkSize, atBoundary);
    if (!p) continue;
    n++;
    const v = validateTraceText(`perturbed-${n}.ndjson`, p.text);
    made.push({ p, base: base.seed, input: v.ok ? { file: `perturbed-${n}.ndjson`, ...v.trace } : null });
  }
  // The base traces themselves go first: both checkers must accept them.
  const baseInputs = bases.map((b) => {
    const v = validateTraceText(`base-seed-${b.seed}.ndjson`, b.text);
    if (!v.ok) throw new Error(`the simulator wrote a malformed trace for seed ${b.seed}`);
    return { file: `base-seed-${b.seed}.ndjson`, ...v.trace };
  });
  const inputs = [...baseInputs, ...made.filter((m) => m.input).map((m) => m.input!)];
  const started = performance.now();
  const mine = inputs.map((t) => checkTraceInProcess(t));
  const inProcessMs = performance.now() - started;
  const tlc = await checkTraces(inputs, options.tlc);
  const rows = new Map<
    PerturbationKind,
    {
      made: number;
      malformed: number;
      atBoundary: number;
      rejected: number;
      accepted: number;
      errors: number;
      disagreements: number;
    }
  >();
  for (const kind of PERTURBATION_KINDS)
    rows.set(kind, { made: 0, malformed: 0, atBoundary: 0, rejected: 0, accepted: 0, errors: 0, disagreements: 0 });
  const disagreements: Array<FuzzReport['disagreements'][number]> = [];
  const basesRejected: string[] = [];
  baseInputs.forEach((t, k) => {
    if (tlc.verdicts[k]!.status !== 'accepted' || mine[k]!.status !== 'accepted') {
      basesRejected.push(
        `${t.file}: TLC ${describeVerdict(tlc.verdicts[k]!)}; in-process ${describeVerdict(mine[k]!)}`,
      );
    }
  });
  let j = baseInputs.length;
  for (const m of made) {
    const row = rows.get(m.p.kind)!;
    row.made++;
    if (m.p.atBoundary) row.atBoundary++;
    if (!m.input) {
      row.malformed++;
      continue;
    }
    const a = tlc.verdicts[j]!;
    const b = mine[j]!;
    j++;
    const detail = disagreement(a, b);
    if (detail) {
      row.disagreements++;
      const { text, ...perturbation } = m.p;
      disagreements.push({ perturbation, base: m.base, text, detail });
    } else if (a.status === 'accepted') row.accepted++;
    else if (a.status === 'rejected') row.rejected++;
    else row.errors++;
  }
  return {
    rows: [...rows].map(([kind, r]) => ({ kind, ...r })),
    checked: inputs.length - baseInputs.length,
    bases: baseInputs.length,
    basesRejected,
    disagreements,
    events: inputs.reduce((n, t) => n + (t.events as readonly unknown[]).length, 0),
    tlcMs: tlc.wallMs,
    inProcessMs,
  };
}

/** The per-kind table, as printed by `make fuzz-checkers`. */
export function formatFuzzTable(report: FuzzReport): string[] {
  const head = [
    'kind',
    'made',
    'malformed',
    'at a chunk boundary',
    'both rejected',
    'both accepted',
    'both errors',
    'disagreements',
  ];
  const rows = report.rows.map((r) =>
    [r.kind, r.made, r.malformed, r.atBoundary, r.rejected, r.accepted, r.errors, r.disagreements].map(String),
  );
  const total = (f: keyof KindRow) => String(report.rows.reduce((n, r) => n + (r[f] as number), 0));
  rows.push([
    'all',
    total('made'),
    total('malformed'),
    total('atBoundary'),
    total('rejected'),
    total('accepted'),
    total('errors'),
    total('disagreements'),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join('  ');
  return [line(head), ...rows.map(line)];
}
