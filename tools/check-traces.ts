// Validates trace files against spec/Raft.tla with TLC.
//   npx tsx tools/check-traces.ts [--report FILE (default traces/reports/check-report.json)] [--html FILE]
//                                 [--keep DIR] [--window N] [--chunk N] [--batch N] [--parallel N] [--timeout S]
//                                 [--lock DIR [--lock-owner PID]] FILE...
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
// Exits 0 only if every trace was accepted; 1 if any was rejected or could not
// be checked; 2 on wrong usage (no file named, a bad option). --help prints
// this text.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { exitOnHelp, usageOf, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { checkTraces, type TraceInput } from '../src/check/trace-checker.js';
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

exitOnHelp(process.argv.slice(2), import.meta.url);

async function main(): Promise<number> {
  const { values, positionals: files } = parse(process.argv.slice(2), [
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
  const chunkSize = positiveInt('chunk', values.chunk, 250);
  const eventsPerBatch = positiveInt('batch', values.batch, 15_000);
  const parallel = positiveInt('parallel', values.parallel, cpus().length);
  const timeoutMs = positiveInt('timeout', values.timeout, 600) * 1000;
  const window = positiveInt('window', values.window, DEFAULT_WINDOW);
  const report = values.report ?? 'traces/reports/check-report.json';
  const html = values.html ?? `${report.replace(/\.json$/, '')}.html`;
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
  if (values.lock) {
    const lock = values.lock;
    const owner = values['lock-owner'] === undefined ? process.pid : positiveInt('lock-owner', values['lock-owner'], 0);
    lockFolder(lock, `check-traces --lock ${lock}`, owner);
    process.on('exit', () => unlockFolder(lock, owner));
  } else if (values['lock-owner']) {
    throw new UsageError('--lock-owner goes with --lock DIR');
  }

  const started = performance.now();
  const inputs: TraceInput[] = [];
  const invalid: TraceVerdict[] = [];
  /** Seconds each file's schema check took, by file name. */
  const schemaSeconds = new Map<string, number>();
  const reading = new Progress('  validate');
  for (const file of files) {
    let result: ReturnType<typeof validateTraceFile>;
    const readStarted = performance.now();
    try {
      result = validateTraceFile(file, (lines) =>
        reading.update(`${file}: ${lines.toLocaleString('en-US')} lines read against the schema`),
      );
    } catch (err) {
      // A reader bug must cost this file its verdict, not the others theirs.
      result = {
        ok: false,
        problems: [{ file, line: 0, field: '', message: `cannot be read as a trace (${(err as Error).message})` }],
      };
    }
    schemaSeconds.set(file, (schemaSeconds.get(file) ?? 0) + (performance.now() - readStarted) / 1000);
    if (result.ok) inputs.push({ file, ...result.trace });
    else invalid.push({ file, events: 0, status: 'error', message: result.problems.map(formatProblem).join('\n') });
  }
  reading.end();
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  const progress = new Progress('  check');
  const tool = `${tlcVersion(java, jar)} (${jar.source})`;
  console.log(`checking ${inputs.length} trace(s) with ${tool}`);
  // A TLC run can take minutes: between runs' ends, a line every few seconds still says the check is alive.
  const runs = { done: 0, total: 0 };
  const runsLine = () =>
    `${runs.done}/${runs.total || '?'} TLC runs done, ${((performance.now() - started) / 1000).toFixed(0)} s`;
  const stopBeat = heartbeat(() => progress.update(runsLine()), progressIntervalMs());
  const checked = await checkTraces(inputs, {
    java,
    jar,
    chunkSize,
    eventsPerBatch,
    parallel,
    timeoutMs,
    ...(values.keep ? { keepDir: values.keep } : {}),
    onBatchDone: (done, total) => {
      Object.assign(runs, { done, total });
      progress.update(runsLine(), done === total);
    },
  });
  stopBeat();
  progress.end();
  const verdicts = [...invalid, ...checked.verdicts];
  const traceSeconds = verdicts.map(
    (v, k) =>
      (schemaSeconds.get(v.file) ?? 0) + (k < invalid.length ? 0 : (checked.traceSeconds[k - invalid.length] ?? 0)),
  );
  const seconds = (performance.now() - started) / 1000;
  const count = (s: TraceVerdict['status']) => verdicts.filter((v) => v.status === s).length;
  const events = verdicts.reduce((n, v) => n + v.events, 0);

  for (const v of verdicts) {
    if (v.status === 'error') console.error(v.message);
    if (v.status === 'rejected') for (const line of formatDiagnosis(v.file, v.diagnosis)) console.error(line);
  }
  for (const c of checked.kept)
    console.error(`kept the chunk of ${c.file} that TLC rejected in ${c.dir}; re-run TLC on it:\n  ${c.command}`);
  const row = (k: string, val: string | number) => console.log(`  ${k.padEnd(22)}${val}`);
  console.log('trace validation by TLC');
  row('traces', verdicts.length);
  row('events', events);
  row('accepted', count('accepted'));
  row('rejected', count('rejected'));
  row('not checked (errors)', count('error'));
  row(
    'TLC runs',
    `${checked.tlcRuns}${checked.retries ? ` (${checked.retries} repeated without a trace TLC could not evaluate)` : ''}`,
  );
  row('time', `${seconds.toFixed(1)} s`);
  row('events per second', Math.round(events / seconds));
  // Traces are read as they are checked: this stays flat however long they are.
  row('memory (this process)', `${Math.round(process.resourceUsage().maxRSS / 1024)} MB at most`);
  // The same totals head both reports.
  const totals = {
    traces: verdicts.length,
    events,
    accepted: count('accepted'),
    rejected: count('rejected'),
    errors: count('error'),
    tlcRuns: checked.tlcRuns,
  };
  const keptOf = (file: string) => checked.kept.find((c) => c.file === file);
  writeFileAtomic(
    report,
    JSON.stringify(
      {
        ...totals,
        retries: checked.retries,
        seconds: Number(seconds.toFixed(3)),
        html,
        verdicts: verdicts.map((v, k) => ({
          ...(v.status === 'rejected'
            ? { ...v, diagnosis: { ...v.diagnosis, text: formatDiagnosis(v.file, v.diagnosis) } }
            : v),
          seconds: Number(traceSeconds[k]!.toFixed(3)),
          ...(keptOf(v.file) ? { kept: keptOf(v.file) } : {}),
        })),
      },
      null,
      2,
    ) + '\n',
  );
  writeFileAtomic(
    html,
    checkReportHtml({
      summary: { ...totals, tool, seconds, jsonReport: report },
      verdicts,
      seconds: traceSeconds,
      kept: checked.kept,
      window,
      readTrace: (file) => {
        const again = validateTraceFile(file);
        return again.ok ? again.trace : null;
      },
    }),
  );
  console.log(`report: ${report}`);
  console.log(`html report: ${html}`);
  return count('accepted') === verdicts.length ? 0 : 1;
}

runTool('check-traces', main);
