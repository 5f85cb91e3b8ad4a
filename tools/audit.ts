// The conformance audit: for each injected bug of src/audit/catalogues/mutants.json,
// run the adversarial campaign against the implementation with that bug until
// the harness flags it or the budget runs out, shrink what it found to a
// 1-minimal counterexample, and record how it was caught; then run the
// correct implementation under the same campaign, which must produce no
// failure, and report spec action coverage. Campaigns screen and shrink with
// the in-process checker of spec/Raft.tla; TLC judges every counterexample
// and a sample of accepted traces, and must agree (src/audit/campaign.ts).
// Campaigns run --parallel at a time (default: one per core); the correct
// implementation's schedules are shared out among them.
//   npx tsx tools/audit.ts [--mutants all|ID,NAME,...] [--schedules N] [--seconds S]
//                          [--shrink-seconds S] [--correct-schedules N] [--parallel P] [--out DIR]
// Writes DIR/audit.json, DIR/audit.md and DIR/audit.html (default traces/audit/;
// the page draws each counterexample as a space-time diagram), and each
// shrunk counterexample (schedule, trace, diagnosis) under DIR/failures/. Exits 1 if a
// listed mutant escapes, the correct implementation fails, or a campaign errs;
// 2 on wrong usage. --json prints one JSON document on stdout ({"command",
// "exitCode", "result"}: audit.json's content) and the lines above on stderr.
// --help prints this text.
import { join, relative } from 'node:path';
import { campaignInCopy } from '../src/audit/spawn.js';
import { unexercised, BRANCHES, CLIENT_ROWS, WINDOW_ROWS } from '../src/audit/coverage.js';
import { loadMutants, mutantProblem, type Mutant } from '../src/audit/mutants.js';
import { describeProgress, mergeProgress, type CampaignResult } from '../src/audit/campaign.js';
import { auditOk, auditOutcome } from '../src/audit/outcome.js';
import { describeSimAvailability, summarizeAvailability } from '../src/sim/availability.js';
import { oracleName } from '../src/verdict/oracles.js';
import type { Coverage } from '../src/audit/coverage.js';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { disagreement } from '../src/check/differential.js';
import { checkTraceInProcess } from '../src/check/in-process-checker.js';
import { checkTraces, type TraceInput } from '../src/check/trace-checker.js';
import { makeTempDir, removeTempDir } from '../src/files/cleanup.js';
import type { TlcJar } from '../src/tlc/jar.js';
import { formatProblem, validateTraceText } from '../src/trace/validate.js';
import { heartbeat } from '../src/cli/progress.js';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { clip } from '../src/cli/clip.js';
import { findJava, findTlcJar } from '../src/tlc/jar.js';
import { writeFileAtomic } from '../src/files/writes.js';
import { auditReportHtml } from '../src/report/audit-report.js';
import { runTool } from '../src/cli/run-tool.js';
import { humanOut, paintVerdict, reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

interface Row {
  readonly mutant: Mutant | null;
  readonly result: CampaignResult;
}

function pickMutants(spec: string | undefined): Mutant[] {
  const all = loadMutants();
  if (!spec || spec === 'all') return all;
  return spec.split(',').map((key) => {
    const m = all.find((x) => String(x.id) === key.trim() || x.name === key.trim());
    if (!m)
      throw new UsageError(
        `no mutant ${JSON.stringify(key)}; the catalogue has ${all.map((x) => `${x.id} ${x.name}`).join(', ')}`,
      );
    return m;
  });
}

/** `tlcSays`: whether TLC's judgement is in (the summary after the audit), or still to come (as campaigns finish). */
function outcome(row: Row, tlcSays = true): string {
  const r = row.result;
  if (r.error) return `ERROR: ${r.error}`;
  const f = r.failure;
  if (!row.mutant) return f ? `FALSE POSITIVE: ${f.oracle} ${f.what}` : `no failure in ${r.schedules} schedules`;
  if (!f) return `ESCAPED after ${r.schedules} schedules`;
  const minimal = f.shrunk.minimal ? '1-minimal' : 'shrinking stopped at its deadline';
  const phase =
    f.shrunk.scheduleEvents < f.shrunk.events ? ` (${f.shrunk.scheduleEvents} before the progress phase)` : '';
  return (
    `caught by ${oracleName(f.oracle)} (${clip(f.what, 90)}) after ${r.schedules} schedule(s); shrunk to ${f.shrunk.events} events${phase}, ` +
    `${f.shrunk.steps} steps, ${f.shrunk.nodes} servers, ${minimal}${tlcSays ? `; ${f.confirmedByTlc ? 'TLC agrees' : 'TLC has not judged it'}` : ''}`
  );
}

function ok(row: Row): boolean {
  return auditOk(outcomeOf(row));
}

const outcomeOf = (row: Row) => auditOutcome(row.mutant !== null, row.result);

function replayCommand(row: Row): string {
  const f = row.result.failure!;
  return `npx tsx tools/replay.ts ${relative(process.cwd(), join(f.dir, 'schedule.json'))}${row.mutant ? ` --mutant ${row.mutant.name}` : ''}`;
}

function markdown(rows: Row[], seconds: number, budget: string): string {
  const out: string[] = [
    '# Conformance audit',
    '',
    `Budget per mutant: ${budget}. Whole audit: ${seconds.toFixed(0)} s.`,
    '',
  ];
  out.push(
    '| # | mutant | bug | result | oracle | what was flagged | schedules | shrunk events | steps | servers | 1-minimal | TLC agrees | time (s) |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const r = row.result;
    const f = r.failure;
    const o = outcomeOf(row);
    const status = o === 'escaped' || o === 'failed' ? o.toUpperCase() : o;
    out.push(
      `| ${row.mutant?.id ?? '-'} | ${row.mutant?.name ?? 'correct implementation'} | ${row.mutant?.bug ?? 'none'} | ${status} | ${f ? oracleName(f.oracle) : '-'} | ${f ? clip(f.what, 120).replace(/\|/g, '\\|') : (r.error ?? '-')} | ${r.schedules} | ${f ? f.shrunk.events : '-'} | ${f ? f.shrunk.steps : '-'} | ${f ? f.shrunk.nodes : '-'} | ${f ? (f.shrunk.minimal ? 'yes' : 'no') : '-'} | ${f ? (f.confirmedByTlc ? 'yes' : 'no') : '-'} | ${r.seconds.toFixed(1)} |`,
    );
  }
  for (const row of rows.filter((r) => r.result.failure)) {
    out.push(
      '',
      `## ${row.mutant?.name ?? 'correct implementation'}`,
      '',
      `Replay: \`${replayCommand(row)}\``,
      '',
      '```',
      ...row.result.failure!.diagnosis,
      '```',
    );
  }
  const correct = rows.find((r) => !r.mutant);
  if (correct?.result.coverage) {
    const c = correct.result.coverage;
    out.push(
      '',
      '## Spec action coverage (correct implementation)',
      '',
      '| action / branch | occurrences |',
      '|---|---|',
    );
    for (const b of BRANCHES) out.push(`| ${b} | ${c[b] ?? 0} |`);
    out.push(
      '',
      '### Client requests by the role of the server they reached',
      '',
      '| target | requests |',
      '|---|---|',
    );
    for (const b of CLIENT_ROWS) out.push(`| ${b.replace('client → ', '')} | ${c[b] ?? 0} |`);
    out.push('', '### Targeted faults: traps sprung, by window', '', '| window | hits |', '|---|---|');
    for (const b of WINDOW_ROWS) out.push(`| ${b.replace('window: ', '')} | ${c[b] ?? 0} |`);
    const never = unexercised(c);
    out.push(
      '',
      never.length
        ? `Never exercised: ${never.join(', ')}.`
        : 'Every action, branch, client target and fault window was exercised.',
    );
  }
  const p = correct?.result.progress;
  if (p) {
    out.push('', '## Progress phase (correct implementation)', '', `${describeProgress(p)}.`);
  }
  return out.join('\n') + '\n';
}

/** One campaign's share of the work: a mutant, or a share of the correct implementation's schedules. */
interface Task {
  readonly mutant: Mutant | null;
  readonly label: string;
  readonly firstSeed: number;
  readonly maxSchedules: number;
}

/** The correct implementation's shares, as one result: schedules, events, coverage and progress summed; time is the longest share's. */
function mergeShares(label: string, shares: readonly CampaignResult[]): CampaignResult {
  const sum = (f: (r: CampaignResult) => number) => shares.reduce((n, r) => n + f(r), 0);
  const coverage: Coverage | null = shares.some((r) => r.coverage) ? {} : null;
  for (const r of shares)
    for (const [k, n] of Object.entries(r.coverage ?? {})) coverage![k] = (coverage![k] ?? 0) + (n as number);
  return {
    label,
    schedules: sum((r) => r.schedules),
    events: sum((r) => r.events),
    seconds: Math.max(...shares.map((r) => r.seconds)),
    failure: shares.find((r) => r.failure)?.failure ?? null,
    coverage,
    progress: mergeProgress(shares.map((r) => r.progress).filter((p) => p !== null)),
    availability: summarizeAvailability(shares.map((r) => r.availability).filter((a) => a !== null)),
    error: shares.map((r) => r.error).filter((e) => e)[0] ?? null,
    confirmed: {
      traces: sum((r) => r.confirmed?.traces ?? 0),
      events: sum((r) => r.confirmed?.events ?? 0),
      tlcSeconds: sum((r) => r.confirmed?.tlcSeconds ?? 0),
    },
  };
}

/**
 * TLC's verdicts on the traces the campaigns left to it, compared with the
 * in-process checker's: a campaign whose traces all agree gets them counted
 * as confirmed (and its counterexample marked confirmed by TLC); one with a
 * disagreement gets an error that prints both verdicts.
 */
async function confirmAll(
  campaigns: readonly CampaignResult[],
  jar: TlcJar,
): Promise<Map<CampaignResult, CampaignResult>> {
  const files = campaigns.flatMap((r) => (r.confirmed?.toConfirm ?? []).map((file) => ({ r, file })));
  const inputs: TraceInput[] = files.map(({ file }) => {
    const v = validateTraceText(file, readFileSync(file, 'utf8'));
    if (!v.ok) throw new Error(`a campaign left a malformed trace for TLC: ${formatProblem(v.problems[0]!)}`);
    return { file, ...v.trace };
  });
  const out = new Map<CampaignResult, CampaignResult>();
  if (inputs.length === 0) return out;
  humanOut().write(
    `TLC judges ${inputs.length} traces (every counterexample, and a sample of accepted traces of each campaign) ... `,
  );
  const report = await checkTraces(inputs, { java: findJava(), jar });
  console.log(`${(report.wallMs / 1000).toFixed(1)} s`);
  for (const r of campaigns) {
    const mine = files.map((f, k) => ({ ...f, k })).filter((f) => f.r === r);
    if (mine.length === 0) continue;
    const problems: string[] = [];
    for (const { file, k } of mine) {
      const tlcVerdict = report.verdicts[k]!;
      if (tlcVerdict.status === 'error') problems.push(tlcVerdict.message);
      const detail = disagreement(tlcVerdict, checkTraceInProcess(inputs[k]!));
      if (detail)
        problems.push(`TLC and the in-process checker disagree on ${file} (a bug in one of them):\n  ${detail}`);
    }
    const events = mine.reduce((n, { k }) => n + (inputs[k]!.events as readonly unknown[]).length, 0);
    const counterexample = mine.some(({ file }) => file.endsWith('-counterexample.ndjson'));
    out.set(r, {
      ...r,
      error: r.error ?? (problems.length > 0 ? problems.join('\n') : null),
      failure: r.failure ? { ...r.failure, confirmedByTlc: counterexample && problems.length === 0 } : null,
      confirmed: { traces: mine.length, events, tlcSeconds: report.tlcMs / 1000 },
    });
  }
  return out;
}

/** The command line, checked before any work. */
function options() {
  const { values, positionals } = parse(process.argv.slice(2), [
    'mutants',
    'schedules',
    'seconds',
    'shrink-seconds',
    'correct-schedules',
    'parallel',
    'out',
  ]);
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const mutants = pickMutants(values.mutants);
  const maxSchedules = positiveInt('schedules', values.schedules, 10_000);
  const o = {
    mutants,
    maxSchedules,
    maxSeconds: positiveInt('seconds', values.seconds, 120),
    shrinkSeconds: positiveInt('shrink-seconds', values['shrink-seconds'], 15),
    correctSchedules: positiveInt('correct-schedules', values['correct-schedules'], maxSchedules),
    parallel: positiveInt('parallel', values.parallel, availableParallelism()),
    out: values.out ?? 'traces/audit',
  };
  for (const m of mutants) {
    const problem = mutantProblem(m);
    if (problem) throw new Error(problem);
  }
  return o;
}

type Options = ReturnType<typeof options>;

/**
 * The campaigns: the correct implementation's schedules in `parallel` shares
 * of consecutive seeds, first (they are the longest campaigns), then one per
 * mutant.
 */
function plannedTasks(o: Options): { tasks: Task[]; shares: number } {
  const shares = Math.min(o.parallel, o.correctSchedules);
  const tasks: Task[] = [];
  for (let k = 0, seed = 1; k < shares; k++) {
    const n = Math.floor(o.correctSchedules / shares) + (k < o.correctSchedules % shares ? 1 : 0);
    tasks.push({ mutant: null, label: shares > 1 ? `correct-${k + 1}` : 'correct', firstSeed: seed, maxSchedules: n });
    seed += n;
  }
  for (const mutant of o.mutants)
    tasks.push({
      mutant,
      label: `${String(mutant.id).padStart(2, '0')}-${mutant.name}`,
      firstSeed: 1,
      maxSchedules: o.maxSchedules,
    });
  return { tasks, shares };
}

/** Every campaign, `parallel` at a time, each in its own copy of the project; a line as each ends. */
async function runCampaigns(tasks: readonly Task[], o: Options, jar: TlcJar, confirmDir: string) {
  const results = new Map<Task, CampaignResult>();
  let next = 0;
  let finished = 0;
  // A campaign runs for a while and reports only at its end: say the audit is alive.
  const stopHeartbeat = heartbeat((s) =>
    console.log(`    ... ${finished} of ${tasks.length} campaigns done, ${s.toFixed(0)} s`),
  );
  const worker = async () => {
    for (let t = tasks[next++]; t; t = tasks[next++]) {
      const config = {
        label: t.label,
        maxSchedules: t.maxSchedules,
        maxSeconds: o.maxSeconds,
        shrinkSeconds: o.shrinkSeconds,
        firstSeed: t.firstSeed,
        failuresDir: join(o.out, 'failures'),
        coverage: t.mutant === null,
        // The correct implementation is searched with and without the guards and snapshots; a guard's
        // (a snapshot's) mutant with them on.
        ...(t.mutant === null ? { alternateGuards: true, alternateSnapshots: true } : {}),
        ...(t.mutant?.guards || t.mutant?.snapshotEvery
          ? {
              schedule: {
                ...(t.mutant.guards ? { guards: t.mutant.guards } : {}),
                ...(t.mutant.snapshotEvery ? { snapshotEvery: t.mutant.snapshotEvery } : {}),
              },
            }
          : {}),
        confirmDir,
        // A mutant's accepted traces are the few before its catch: one of them is its sample.
        confirmSample: t.mutant ? 1 : 3,
      };
      const result = await campaignInCopy(t.mutant, config, jar);
      results.set(t, result);
      finished++;
      const row = { mutant: t.mutant, result };
      console.log(`[${finished}/${tasks.length}] ${t.label}: ${outcome(row, false)} [${result.seconds.toFixed(1)} s]`);
      if (result.failure) console.log(`    replay: ${replayCommand(row)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.parallel) }, worker));
  } finally {
    stopHeartbeat();
  }
  return results;
}

/** One row per mutant, in the catalogue's order, then the correct implementation's shares merged. */
function rowsOf(o: Options, tasks: readonly Task[], results: ReadonlyMap<Task, CampaignResult>): Row[] {
  const rows: Row[] = o.mutants.map((m) => ({ mutant: m, result: results.get(tasks.find((t) => t.mutant === m)!)! }));
  const correctShares = tasks.filter((t) => !t.mutant).map((t) => results.get(t)!);
  rows.push({ mutant: null, result: mergeShares('correct', correctShares) });
  return rows;
}

function printSummary(rows: readonly Row[], o: Options, seconds: number, shares: number): void {
  const caught = rows.filter((r) => r.mutant && ok(r)).length;
  const correct = rows.find((r) => !r.mutant)!;
  console.log('');
  for (const row of rows)
    console.log(
      `${row.mutant ? `${String(row.mutant.id).padStart(2)} ${row.mutant.name}` : 'correct implementation'}: ${outcome(row)}`,
    );
  console.log(
    `\nmutants caught: ${paintVerdict(`${caught} of ${o.mutants.length}`, caught === o.mutants.length)}; correct implementation: ${ok(correct) ? paintVerdict(`clean over ${correct.result.schedules} schedules`, true) : paintVerdict('FAILED', false)}; ${seconds.toFixed(0)} s in all`,
  );
  const rate = correct.result.schedules / Math.max(correct.result.seconds, 1e-9);
  console.log(
    `correct implementation: ${correct.result.schedules} schedules (${correct.result.events} events) in ${correct.result.seconds.toFixed(1)} s per share, ${(rate * shares).toFixed(0)} schedules/s over ${shares} share(s)`,
  );
  const confirmed = rows.reduce((n, r) => n + (r.result.confirmed?.traces ?? 0), 0);
  const confirmedEvents = rows.reduce((n, r) => n + (r.result.confirmed?.events ?? 0), 0);
  console.log(
    `TLC judged ${confirmed} traces (${confirmedEvents} events: every counterexample and a sample of accepted traces) and agreed with the in-process checker on each`,
  );
  printCoverage(correct.result);
}

/** What the correct implementation's campaigns exercised, and how its progress phases settled. */
function printCoverage(correct: CampaignResult): void {
  const coverage = correct.coverage;
  if (coverage) {
    const never = unexercised(coverage);
    console.log(
      never.length
        ? `never exercised: ${never.join(', ')}`
        : 'every spec action and branch, client target and fault window was exercised',
    );
    const clients = CLIENT_ROWS.map((b) => `${b.replace('client → ', '')} ${coverage[b] ?? 0}`).join(', ');
    console.log(`client requests reached: ${clients}`);
    console.log(
      `traps sprung: ${WINDOW_ROWS.map((b) => `${b.replace('window: ', '')} ${coverage[b] ?? 0}`).join(', ')}`,
    );
  }
  const p = correct.progress;
  if (p) console.log(`progress phase: ${describeProgress(p)}`);
  if (correct.availability) console.log(`availability: ${describeSimAvailability(correct.availability)}`);
}

/** audit.json, audit.md and audit.html in the --out folder. */
function writeReports(rows: Row[], o: Options, seconds: number): void {
  const caught = rows.filter((r) => r.mutant && ok(r)).length;
  const mutants = o.mutants.length;
  const budget = `${o.maxSchedules} schedules or ${o.maxSeconds} s, shrinking up to ${o.shrinkSeconds} s`;
  const jsonRows = rows.map((r) => ({ mutant: r.mutant, ok: ok(r), ...r.result }));
  const reports = [join(o.out, 'audit.json'), join(o.out, 'audit.md')];
  const summary = { seconds, budget, caught, mutants, rows: jsonRows };
  writeFileAtomic(reports[0]!, JSON.stringify(summary, null, 2) + '\n');
  reportJson(summary);
  writeFileAtomic(reports[1]!, markdown(rows, seconds, budget));
  writeFileAtomic(
    join(o.out, 'audit.html'),
    auditReportHtml({ rows: jsonRows, seconds, budget, caught, mutants, reports }),
  );
  console.log(`reports: ${reports.join(', ')}, ${join(o.out, 'audit.html')}`);
}

async function main(): Promise<number> {
  const o = options();
  findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  const started = performance.now();
  const { tasks, shares } = plannedTasks(o);
  console.log(
    `audit: ${o.mutants.length} mutant(s) and the correct implementation; budget ${o.maxSchedules} schedules or ${o.maxSeconds} s each ` +
      `(the correct implementation ${o.correctSchedules} schedules in ${shares} share(s)), ${o.parallel} campaign(s) at a time`,
  );
  const confirmDir = makeTempDir('raft-audit-confirm-');
  let results: Map<Task, CampaignResult>;
  try {
    results = await runCampaigns(tasks, o, jar, confirmDir);
    // TLC judges every campaign's counterexample and sample of accepted traces,
    // in one run: its verdicts must be the in-process checker's.
    const judged = await confirmAll([...results.values()], jar);
    for (const [t, r] of results) results.set(t, judged.get(r) ?? r);
  } finally {
    removeTempDir(confirmDir);
  }
  const rows = rowsOf(o, tasks, results);
  const seconds = (performance.now() - started) / 1000;
  printSummary(rows, o, seconds, shares);
  writeReports(rows, o, seconds);
  return rows.every(ok) ? 0 : 1;
}

runTool('audit', main);
