// Model-checks spec/Raft.tla with TLC on the models of src/tlc/models.ts and
// prints, for each, the outcome, TLC's figures and which actions and branches
// of the spec the model took (from TLC's coverage report).
//   npx tsx tools/model-check.ts [--use spec|long|deep|test] [--models NAME,...]
//                                [--workers N] [--timeout SECONDS] [--no-coverage]
//   npx tsx tools/model-check.ts [--config FILE] [--workers N] [--timeout SECONDS] SPEC.tla
// `--use spec` (the default) runs the exhaustive models of `make spec`;
// `--use long` the exhaustive model of `make spec-long`;
// `--use deep` the random simulations of `make spec-deep`. The second form
// checks any module with TLC, without coverage.
// Exits 0 only when every model was explored completely (or simulated for its
// whole budget) with no error and, with coverage, took every action and branch;
// 1 otherwise, 2 on wrong usage. --json prints one JSON document on stdout
// ({"command", "exitCode", "result"}: each model's outcome, figures and the
// actions and branches it never took) and the lines above on stderr. --help
// prints this text.
import { cpus } from 'node:os';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { formatCoverage, type SpecCoverage } from '../src/tlc/coverage.js';
import { findJava, findTlcJar, tlcVersion, type JavaRuntime, type TlcJar } from '../src/tlc/jar.js';
import { findModel, MODELS, runModel, type SpecModel } from '../src/tlc/models.js';
import { describeOutcome, runTlc, type TlcResult } from '../src/tlc/run.js';
import { runTool } from '../src/cli/run-tool.js';
import { paintVerdict, reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

/** One model's run as --json reports it. */
function modelJson(name: string, result: TlcResult, verdict: string, coverage: SpecCoverage | null) {
  const o = result.outcome;
  return {
    model: name,
    verdict,
    outcome: o.kind,
    ...(o.kind === 'success' ? {} : { says: describeOutcome(o) }),
    statesGenerated: result.statesGenerated ?? null,
    distinctStates: result.distinctStates ?? null,
    depth: result.depth ?? null,
    seconds: Number((result.durationMs / 1000).toFixed(3)),
    notTaken: coverage ? coverage.notTaken : null,
  };
}

function printFigures(result: TlcResult): void {
  console.log(
    `  states generated: ${result.statesGenerated?.toLocaleString('en-US') ?? '?'}, distinct states: ${result.distinctStates?.toLocaleString('en-US') ?? '?'}, depth: ${result.depth ?? '?'}, time: ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  const o = result.outcome;
  if (o.kind === 'violation' || o.kind === 'deadlock' || (o.kind === 'error' && o.trace.length > 0)) {
    console.log('  counterexample:');
    for (const s of o.trace) console.log(`    ${s.number}: ${s.action}\n      ${JSON.stringify(s.variables)}`);
  }
}

/** Prints a progress line at most every `seconds`, so that a long run is not silent. */
function progressPrinter(label: string, seconds = 30): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = performance.now();
    if (now - last < seconds * 1000) return;
    last = now;
    // Simulation reports no distinct states or queue: TLC prints -1 for them.
    console.log(
      `  [${label}] ${line.replace(/^Progress\(-?\d+\) at \S+ \S+: /, '').replace(/, -1 distinct states found, -1 states left on queue/, '')}`,
    );
  };
}

async function checkModels(
  models: readonly SpecModel[],
  workers: number,
  timeoutSeconds: number,
  coverage: boolean,
  java: JavaRuntime,
  jar: TlcJar,
  reported: unknown[],
): Promise<boolean> {
  let ok = true;
  for (const model of models) {
    const how =
      model.mode === 'simulate'
        ? `random simulation, depth ${model.depth}, seed ${model.seed}, ${model.seconds} s`
        : 'exhaustive';
    console.log(`\n${model.name} (spec/${model.name}.cfg; ${how}; ${workers} worker(s))`);
    const run = await runModel(model, {
      workers,
      timeoutMs: timeoutSeconds * 1000,
      coverage,
      java,
      jar,
      onProgress: progressPrinter(model.name),
    });
    const o = run.result.outcome;
    console.log(
      `  ${run.verdict === 'no error' ? (model.mode === 'simulate' ? `no error in ${model.seconds} s of simulation` : 'no error found') : describeOutcome(o)}`,
    );
    printFigures(run.result);
    reported.push(modelJson(model.name, run.result, run.verdict, run.coverage));
    if (run.verdict !== 'no error') ok = false;
    if (coverage) {
      if (!run.coverage) {
        console.log('  coverage: TLC printed no coverage report');
        ok = false;
      } else {
        for (const line of formatCoverage(run.coverage)) console.log(`  ${line}`);
        if (run.coverage.notTaken.length > 0) ok = false;
      }
    }
  }
  return ok;
}

async function main(): Promise<number> {
  const { values, positionals } = parse(
    process.argv.slice(2),
    ['config', 'workers', 'timeout', 'use', 'models', 'no-coverage'],
    ['no-coverage'],
  );
  const workers = positiveInt('workers', values.workers, cpus().length);
  const timeoutSeconds = positiveInt('timeout', values.timeout, 1800);
  if (positionals.length > 1) throw new UsageError('give one spec at most');
  let models: SpecModel[] = [];
  if (positionals.length === 0) {
    if (values.models) {
      models = values.models.split(',').map((name) => {
        const m = findModel(name.trim());
        if (!m)
          throw new UsageError(`no model ${JSON.stringify(name)}; there are ${MODELS.map((x) => x.name).join(', ')}`);
        return m;
      });
    } else {
      const use = values.use ?? 'spec';
      if (!['spec', 'long', 'deep', 'test'].includes(use))
        throw new UsageError(`--use takes spec, long, deep or test, got ${JSON.stringify(use)}`);
      models = MODELS.filter((m) => m.use === use);
    }
  }
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  const version = tlcVersion(java, jar);
  console.log(`${version} from ${jar.source}`);
  if (positionals.length === 1) {
    const spec = positionals[0]!;
    console.log(`checking ${spec}${values.config ? ` with ${values.config}` : ''} on ${workers} worker(s)...`);
    const result = await runTlc({
      spec,
      config: values.config,
      workers,
      timeoutMs: timeoutSeconds * 1000,
      java,
      jar,
      onProgress: progressPrinter('TLC'),
    });
    console.log(describeOutcome(result.outcome));
    printFigures(result);
    const verdict = result.outcome.kind === 'success' ? 'no error' : result.outcome.kind;
    reportJson({ tlc: version, models: [modelJson(spec, result, verdict, null)] });
    return result.outcome.kind === 'success' ? 0 : 1;
  }
  const reported: unknown[] = [];
  const ok = await checkModels(models, workers, timeoutSeconds, !values['no-coverage'], java, jar, reported);
  reportJson({ tlc: version, models: reported });
  console.log(
    `\n${ok ? paintVerdict('every model: no error', true) : paintVerdict('FAILED', false)}${values['no-coverage'] ? '' : ok ? ', every action and branch taken' : ''}`,
  );
  return ok ? 0 : 1;
}

runTool('model-check', main);
