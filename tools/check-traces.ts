// Validates trace files against spec/Raft.tla with TLC.
//   npx tsx tools/check-traces.ts [--checker tlc|in-process|both] [--report FILE (default traces/reports/check-report.json)]
//                                 [--html FILE] [--keep DIR] [--window N] [--chunk N] [--batch N] [--parallel N]
//                                 [--timeout S] [--lock DIR [--lock-owner PID]] FILE...
// --checker chooses the judge: TLC (the default), the in-process checker
// (src/check/in-process-checker.ts, spec/Raft.tla transcribed: hundreds of
// times as fast, no Java), or both, which reports TLC's verdicts and fails
// (exit 1) wherever the two disagree, naming both verdicts: what CI should run.
// --lock DIR holds DIR's lock (see generate-traces) while the files are read,
// for PID if given (make check's shell, whose generation took it), and gives
// it back at the end.
// Each file is first checked against the trace schema, then by TLC. Prints a
// summary table and, for each rejected trace, where and why it left the spec.
// Writes the JSON report and, beside it, an HTML page (--html; default: the
// report's name ending in .html) with a sortable table of the traces and a
// space-time diagram of each rejected one (at most --window events each,
// default 4000, around the failing event). --keep DIR keeps, for each rejected
// trace, the TLA+ modules and config of the chunk TLC rejected in DIR/<trace>/
// and prints the command that re-runs TLC on them by hand.
// --json prints one JSON document on stdout, {"command", "exitCode",
// "result"} with the JSON report as result, and the lines above on stderr.
// Exits 0 only if every trace was accepted; 1 if any was rejected or could not
// be checked; 2 on wrong usage (no file named, a bad option). --help prints
// this text.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { exitOnHelp, usageOf, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { checkTraces, type CheckReport, type TraceInput } from '../src/check/trace-checker.js';
import { checkTraceInProcess } from '../src/check/in-process-checker.js';
import { disagreement } from '../src/check/differential.js';
import { formatDiagnosis, type TraceVerdict } from '../src/verdict/diagnosis.js';
import { findJava, findTlcJar, tlcVersion } from '../src/tlc/jar.js';
import { heartbeat, Progress, progressIntervalMs } from '../src/cli/progress.js';
import { lockFolder, unlockFolder } from '../src/files/folder-lock.js';
import { checkOutputsApart, checkWritableFile } from '../src/files/output-path.js';
import { writeFileAtomic } from '../src/files/writes.js';
import { formatProblem, validateTraceFile } from '../src/trace/validate.js';
import { checkReportHtml } from '../src/report/check-report.js';
import { DEFAULT_WINDOW } from '../src/report/space-time.js';
import { runTool } from '../src/cli/run-tool.js';
import { paintVerdict, reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

/** The command line, checked before any work; takes the folder lock if --lock names one. */
function options() {
  const { values, positionals: files } = parse(process.argv.slice(2), [
    'checker',
    'report',
    'html',
    'keep',
    'window',
    'chunk',
    'batch',
    'parallel',
    'timeout',
    'lock',
    'lock-owner',
  ]);
  if (files.length === 0) throw new UsageError(`name at least one trace file\n${usageOf(import.meta.url)}`);
  // A shell passes a pattern that matched nothing on as it is (make check TRACES='x/*.ndjson'): wrong usage, not a missing trace.
  const unmatched = files.find((f) => /[*?[]/.test(f) && !existsSync(f));
  if (unmatched) throw new UsageError(`the pattern ${unmatched} matches no file`);
  const report = values.report ?? 'traces/reports/check-report.json';
  const html = values.html ?? `${report.replace(/\.json$/, '')}.html`;
  const checker = values.checker ?? 'tlc';
  if (!CHECKERS.includes(checker as Checker))
    throw new UsageError(`--checker must be one of ${CHECKERS.join(', ')}, got ${JSON.stringify(checker)}`);
  const o = {
    files,
    checker: checker as Checker,
    chunkSize: positiveInt('chunk', values.chunk, 250),
    eventsPerBatch: positiveInt('batch', values.batch, 15_000),
    parallel: positiveInt('parallel', values.parallel, cpus().length),
    timeoutMs: positiveInt('timeout', values.timeout, 600) * 1000,
    window: positiveInt('window', values.window, DEFAULT_WINDOW),
    report,
    html,
    keep: values.keep,
  };
  // Neither report may be written over a trace it reports on, nor over the other report.
  checkOutputsApart(
    [
      ['--report', report],
      ['--html', html],
    ],
    files,
  );
  // Before any work: a report that cannot be written must not cost a whole TLC run.
  checkWritableFile(report);
  checkWritableFile(html);
  holdLock(values.lock, values['lock-owner']);
  return o;
}

type Options = ReturnType<typeof options>;

const CHECKERS = ['tlc', 'in-process', 'both'] as const;
type Checker = (typeof CHECKERS)[number];
const IN_PROCESS = 'the in-process checker (src/check/in-process-checker.ts)';

function holdLock(lock: string | undefined, lockOwner: string | undefined): void {
  if (lock) {
    const owner = lockOwner === undefined ? process.pid : positiveInt('lock-owner', lockOwner, 0);
    lockFolder(lock, `check-traces --lock ${lock}`, owner);
    process.on('exit', () => unlockFolder(lock, owner));
  } else if (lockOwner) {
    throw new UsageError('--lock-owner goes with --lock DIR');
  }
}

/** Each file against the schema: the traces TLC is to check, the verdicts of the ones that failed it, and each file's seconds. */
function readTraces(files: readonly string[]) {
  const inputs: TraceInput[] = [];
  const invalid: TraceVerdict[] = [];
  /** Seconds each file's schema check took, by file name. */
  const schemaSeconds = new Map<string, number>();
  const reading = new Progress('  validate');
  for (const file of files) {
    const readStarted = performance.now();
    const result = validated(file, (lines) =>
      reading.update(`${file}: ${lines.toLocaleString('en-US')} lines read against the schema`),
    );
    schemaSeconds.set(file, (schemaSeconds.get(file) ?? 0) + (performance.now() - readStarted) / 1000);
    if (result.ok) inputs.push({ file, ...result.trace });
    else invalid.push({ file, events: 0, status: 'error', message: result.problems.map(formatProblem).join('\n') });
  }
  reading.end();
  return { inputs, invalid, schemaSeconds };
}

function validated(file: string, onLines: (lines: number) => void): ReturnType<typeof validateTraceFile> {
  try {
    return validateTraceFile(file, onLines);
  } catch (err) {
    // A reader bug must cost this file its verdict, not the others theirs.
    return {
      ok: false,
      problems: [{ file, line: 0, field: '', message: `cannot be read as a trace (${(err as Error).message})` }],
    };
  }
}

/** TLC on the traces, with a progress line (and a line every few seconds: a TLC run can take minutes). */
async function runTlc(inputs: readonly TraceInput[], o: Options, started: number) {
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  const progress = new Progress('  check');
  const tool = `${tlcVersion(java, jar)} (${jar.source})`;
  console.log(`checking ${inputs.length} trace(s) with ${tool}`);
  const runs = { done: 0, total: 0 };
  const runsLine = () =>
    `${runs.done}/${runs.total || '?'} TLC runs done, ${((performance.now() - started) / 1000).toFixed(0)} s`;
  const stopBeat = heartbeat(() => progress.update(runsLine()), progressIntervalMs());
  const checked = await checkTraces(inputs, {
    java,
    jar,
    chunkSize: o.chunkSize,
    eventsPerBatch: o.eventsPerBatch,
    parallel: o.parallel,
    timeoutMs: o.timeoutMs,
    ...(o.keep ? { keepDir: o.keep } : {}),
    onBatchDone: (done, total) => {
      Object.assign(runs, { done, total });
      progress.update(runsLine(), done === total);
    },
  });
  stopBeat();
  progress.end();
  return { checked, tool };
}

type Checked = CheckReport;

/** The in-process checker on the traces, one after the other, in the shape of TLC's report. */
function runInProcess(inputs: readonly TraceInput[]): CheckReport {
  const started = performance.now();
  const progress = new Progress('  check');
  const verdicts: TraceVerdict[] = [];
  const traceSeconds: number[] = [];
  for (const input of inputs) {
    const t0 = performance.now();
    verdicts.push(checkTraceInProcess(input));
    traceSeconds.push((performance.now() - t0) / 1000);
    progress.update(`${verdicts.length}/${inputs.length} traces checked in process`, verdicts.length === inputs.length);
  }
  progress.end();
  const wallMs = performance.now() - started;
  return { verdicts, traceSeconds, tlcRuns: 0, retries: 0, tlcMs: 0, wallMs, kept: [], runs: [] };
}

/** The chosen checker (or both) on the traces; with both, TLC's verdicts and where the two disagree. */
async function runChecker(inputs: readonly TraceInput[], o: Options, started: number) {
  if (o.checker === 'in-process') {
    console.log(`checking ${inputs.length} trace(s) with ${IN_PROCESS}`);
    return { checked: runInProcess(inputs), tool: IN_PROCESS, disagreements: [] as string[] };
  }
  const { checked, tool } = await runTlc(inputs, o, started);
  if (o.checker === 'tlc') return { checked, tool, disagreements: [] as string[] };
  const again = runInProcess(inputs);
  const disagreements = checked.verdicts.flatMap((v, k) => {
    const detail = disagreement(v, again.verdicts[k]!);
    return detail ? [`${v.file}: the two checkers disagree (a bug in one of them):\n  ${detail}`] : [];
  });
  return { checked, tool: `${tool} and ${IN_PROCESS}`, disagreements };
}

/** The verdicts of one check, with their totals (the same totals head both reports). */
interface Outcome {
  readonly verdicts: readonly TraceVerdict[];
  readonly traceSeconds: readonly number[];
  readonly seconds: number;
  readonly checked: Checked;
  readonly totals: {
    traces: number;
    events: number;
    accepted: number;
    rejected: number;
    errors: number;
    tlcRuns: number;
  };
}

function outcomeOf(read: ReturnType<typeof readTraces>, checked: Checked, started: number): Outcome {
  const { invalid, schemaSeconds } = read;
  const verdicts = [...invalid, ...checked.verdicts];
  const traceSeconds = verdicts.map(
    (v, k) =>
      (schemaSeconds.get(v.file) ?? 0) + (k < invalid.length ? 0 : (checked.traceSeconds[k - invalid.length] ?? 0)),
  );
  const count = (s: TraceVerdict['status']) => verdicts.filter((v) => v.status === s).length;
  const totals = {
    traces: verdicts.length,
    events: verdicts.reduce((n, v) => n + v.events, 0),
    accepted: count('accepted'),
    rejected: count('rejected'),
    errors: count('error'),
    tlcRuns: checked.tlcRuns,
  };
  return { verdicts, traceSeconds, seconds: (performance.now() - started) / 1000, checked, totals };
}

/** Each failure's reason on stderr, then the summary table. */
function printOutcome({ verdicts, checked, totals, seconds }: Outcome, judge: string): void {
  for (const v of verdicts) {
    if (v.status === 'error') console.error(v.message);
    if (v.status === 'rejected') for (const line of formatDiagnosis(v.file, v.diagnosis)) console.error(line);
  }
  for (const c of checked.kept)
    console.error(`kept the chunk of ${c.file} that TLC rejected in ${c.dir}; re-run TLC on it:\n  ${c.command}`);
  const row = (k: string, val: string | number) => console.log(`  ${k.padEnd(22)}${val}`);
  console.log(`trace validation by ${judge}`);
  row('traces', totals.traces);
  row('events', totals.events);
  row('accepted', paintVerdict(String(totals.accepted), totals.accepted === totals.traces));
  row('rejected', paintVerdict(String(totals.rejected), totals.rejected === 0));
  row('not checked (errors)', paintVerdict(String(totals.errors), totals.errors === 0));
  row(
    'TLC runs',
    `${checked.tlcRuns}${checked.retries ? ` (${checked.retries} repeated without a trace TLC could not evaluate)` : ''}`,
  );
  row('time', `${seconds.toFixed(1)} s`);
  row('events per second', Math.round(totals.events / seconds));
  // Traces are read as they are checked: this stays flat however long they are.
  row('memory (this process)', `${Math.round(process.resourceUsage().maxRSS / 1024)} MB at most`);
}

function writeJsonReport(
  { verdicts, traceSeconds, seconds, checked, totals }: Outcome,
  o: Options,
  disagreements: readonly string[],
): void {
  const keptOf = (file: string) => checked.kept.find((c) => c.file === file);
  const report = {
    checker: o.checker,
    ...totals,
    ...(o.checker === 'both' ? { disagreements } : {}),
    retries: checked.retries,
    seconds: Number(seconds.toFixed(3)),
    html: o.html,
    verdicts: verdicts.map((v, k) => ({
      ...(v.status === 'rejected'
        ? { ...v, diagnosis: { ...v.diagnosis, text: formatDiagnosis(v.file, v.diagnosis) } }
        : v),
      seconds: Number(traceSeconds[k]!.toFixed(3)),
      ...(keptOf(v.file) ? { kept: keptOf(v.file) } : {}),
    })),
  };
  writeFileAtomic(o.report, JSON.stringify(report, null, 2) + '\n');
  reportJson(report);
}

function writeHtmlReport(
  { verdicts, traceSeconds, seconds, checked, totals }: Outcome,
  o: Options,
  tool: string,
): void {
  const page = checkReportHtml({
    summary: { ...totals, tool, seconds, jsonReport: o.report },
    verdicts,
    seconds: traceSeconds,
    kept: checked.kept,
    window: o.window,
    readTrace: (file) => {
      const again = validateTraceFile(file);
      return again.ok ? again.trace : null;
    },
  });
  writeFileAtomic(o.html, page);
}

const JUDGES: Readonly<Record<Checker, string>> = {
  tlc: 'TLC',
  'in-process': 'the in-process checker',
  both: 'TLC and the in-process checker',
};

async function main(): Promise<number> {
  const o = options();
  const started = performance.now();
  const read = readTraces(o.files);
  const { checked, tool, disagreements } = await runChecker(read.inputs, o, started);
  const outcome = outcomeOf(read, checked, started);
  printOutcome(outcome, JUDGES[o.checker]);
  for (const d of disagreements) console.error(d);
  if (o.checker === 'both')
    console.log(
      `  ${'checkers'.padEnd(22)}${disagreements.length ? `disagree on ${disagreements.length}` : 'agree on every trace'}`,
    );
  writeJsonReport(outcome, o, disagreements);
  writeHtmlReport(outcome, o, tool);
  console.log(`report: ${o.report}`);
  console.log(`html report: ${o.html}`);
  return outcome.totals.accepted === outcome.verdicts.length && disagreements.length === 0 ? 0 : 1;
}

runTool('check-traces', main);
