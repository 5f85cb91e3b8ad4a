// Writes traces of simulated runs, one file per seed: traces/seed-<S>.ndjson.
//   npx tsx tools/generate-traces.ts [--count N] [--first-seed S] [--out DIR] [--nodes 3,5] [--steps MIN-MAX] [--replace] [--lock-owner PID]
// --replace first removes the seed-*.ndjson files already in DIR. DIR is
// locked for the run (DIR.lock): another run that holds it is named and this
// one exits 1 before touching anything. --lock-owner PID takes the lock for
// process PID instead (make check's shell, which then checks the traces under
// the same lock) and leaves it held at the end.
// Each seed names one fast-check schedule; the same seed writes the same bytes.
// A schedule under which nothing happens (no timeout fired) yields no trace: it
// is reported and the next seed is taken, so COUNT traces all hold events.
// A run that breaks a safety invariant is reported with its seed and step, and
// the command exits 1 (its trace is still written, for inspection); it exits
// 2 on wrong usage. --help prints this text.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Progress } from '../src/cli/progress.js';
import { lockFolder, unlockFolder } from '../src/files/folder-lock.js';
import { ensureDir } from '../src/files/output-path.js';
import { exitOnHelp, naturalInt, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { generateSchedule, resolvedOptions, runScheduleAsync, type ScheduleOptions } from '../src/sim/schedule.js';
import { TraceFileWriter } from '../src/trace/recorder.js';
import { runTool } from '../src/cli/run-tool.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

/** `--nodes 3,5` and `--steps 50-300` into schedule options. */
function scheduleOptions(nodes: string | undefined, steps: string | undefined): ScheduleOptions {
  const options: { clusterSizes?: number[]; minSteps?: number; maxSteps?: number } = {};
  if (nodes !== undefined) {
    const sizes = nodes.split(',').map((s) => s.trim());
    if (sizes.some((s) => s !== '3' && s !== '5')) {
      throw new UsageError(`--nodes takes 3, 5 or 3,5, got ${JSON.stringify(nodes)}`);
    }
    options.clusterSizes = sizes.map(Number);
  }
  if (steps !== undefined) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(steps);
    const min = m ? Number(m[1]) : NaN;
    const max = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || min < 1 || max < min)
      throw new UsageError(`--steps takes N or MIN-MAX with 1 <= MIN <= MAX, got ${JSON.stringify(steps)}`);
    options.minSteps = min;
    options.maxSteps = max;
  }
  return options;
}

async function main(): Promise<number> {
  const { values, positionals } = parse(
    process.argv.slice(2),
    ['count', 'first-seed', 'seed', 'out', 'nodes', 'steps', 'replace', 'lock-owner'],
    ['replace'],
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const count = values.seed !== undefined ? 1 : positiveInt('count', values.count, 100);
  const first = naturalInt('seed', values.seed ?? values['first-seed'], 1);
  const out = values.out ?? 'traces';
  const options = scheduleOptions(values.nodes, values.steps);
  const recorded = resolvedOptions(options);
  const owner = values['lock-owner'] === undefined ? process.pid : positiveInt('lock-owner', values['lock-owner'], 0);
  ensureDir(out);
  lockFolder(out, `generate-traces --out ${out}`, owner);
  if (owner === process.pid) process.on('exit', () => unlockFolder(out));
  if (values.replace) {
    // Only now, with every option accepted: a typo must not cost the old traces.
    for (const f of readdirSync(out)) if (/^seed-\d+\.ndjson$/.test(f)) rmSync(join(out, f));
  }

  const progress = new Progress('  generate');
  let events = 0;
  let bytes = 0;
  let failures = 0;
  let written = 0;
  const vacuous: number[] = [];
  const started = performance.now();
  let seed = first;
  for (; written < count; seed++) {
    if (values.seed !== undefined && seed > first) break;
    const schedule = generateSchedule(seed, options);
    const path = join(out, `seed-${seed}.ndjson`);
    // Streamed to disk as it is recorded: a run of any length fits in memory.
    const file = new TraceFileWriter(path);
    let run: Awaited<ReturnType<typeof runScheduleAsync>>;
    try {
      run = await runScheduleAsync(
        schedule,
        {
          params: {
            clusterSizes: recorded.clusterSizes,
            stepRange: [recorded.minSteps, recorded.maxSteps],
            weights: recorded.weights,
          },
          traceFile: file,
        },
        (steps) =>
          progress.update(
            `${written}/${count} traces, ${events} events; seed ${seed}: ${steps}/${schedule.steps.length} steps`,
            false,
          ),
      );
    } catch (err) {
      file.abort();
      throw err;
    }
    if (run.events === 0) {
      file.abort();
      vacuous.push(seed);
      continue;
    }
    bytes += file.size;
    file.commit();
    written++;
    events += run.events;
    progress.update(`${written}/${count} traces, ${events} events`, written === count);
    if (run.failure) {
      failures++;
      const f = run.failure;
      console.error(
        `${path}: ${f.invariant} violated at schedule step ${f.step} (after event ${f.event}), seed ${f.seed}: ${f.detail}`,
      );
      console.error(
        `  replay: npx tsx tools/generate-traces.ts --seed ${seed} --out ${out}${values.nodes ? ` --nodes ${values.nodes}` : ''}${values.steps ? ` --steps ${values.steps}` : ''}`,
      );
    }
  }
  progress.end();
  const seconds = (performance.now() - started) / 1000;
  if (vacuous.length > 0) console.log(`no events under seed(s) ${vacuous.join(', ')}: no trace written for them`);
  console.log(
    `wrote ${written} trace(s), ${events} events (${(bytes / 1e6).toFixed(1)} MB, ${events ? Math.round(bytes / events) : 0} bytes/event), to ${out}/ in ${seconds.toFixed(2)} s (seeds ${first}..${seed - 1})${failures ? `; ${failures} broke a safety invariant` : ''}`,
  );
  return failures || written === 0 ? 1 : 0;
}

runTool('generate-traces', main);
