// Writes traces of simulated runs, one file per seed: traces/seed-<S>.ndjson.
//   npx tsx tools/generate-traces.ts [--count N] [--first-seed S] [--out DIR] [--nodes 3,5] [--steps MIN-MAX]
//                                    [--guards none|both|pre-vote|check-quorum|alternate] [--max-entries N]
//                                    [--snapshot-every N] [--replace] [--lock-owner PID]
// --guards: PreVote and CheckQuorum in the runs' servers (default none;
// alternate: both on for the even seeds, none for the odd, as make check).
// --max-entries: the most entries one AppendEntries carries (default 2); the
// trace header records it, and the checkers hold the spec to it.
// --snapshot-every: each server compacts its log into a snapshot once it has
// applied N entries since its last one, and leaders send snapshots to
// followers that need entries a snapshot covers (trace format version 5).
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
// 2 on wrong usage. --json prints one JSON document on stdout ({"command",
// "exitCode", "result"}: the files written, their events, and each broken
// invariant) and the lines above on stderr. --help prints this text.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Progress } from '../src/cli/progress.js';
import { lockFolder, unlockFolder } from '../src/files/folder-lock.js';
import { ensureDir } from '../src/files/output-path.js';
import {
  exitOnHelp,
  guardsFlag,
  maxEntriesFlag,
  snapshotEveryFlag,
  naturalInt,
  parse,
  positiveInt,
  UsageError,
} from '../src/cli/options.js';
import { generateSchedule, resolvedOptions, runScheduleAsync, type ScheduleOptions } from '../src/sim/schedule.js';
import { TraceFileWriter } from '../src/trace/recorder.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

const NONE = { preVote: false, checkQuorum: false };

/** --guards, which also takes `alternate` (checked by the caller). */
function generatedGuards(v: string | undefined) {
  try {
    return guardsFlag(v, NONE);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new UsageError(
      `--guards must be one of both, none, pre-vote, check-quorum, alternate, got ${JSON.stringify(v)}`,
    );
  }
}

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

/** The command line, checked in full before the folder is locked and old traces removed. */
function options() {
  const { values, positionals } = parse(
    process.argv.slice(2),
    [
      'count',
      'first-seed',
      'seed',
      'out',
      'nodes',
      'steps',
      'guards',
      'max-entries',
      'snapshot-every',
      'replace',
      'lock-owner',
    ],
    ['replace'],
  );
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const o = {
    count: values.seed !== undefined ? 1 : positiveInt('count', values.count, 100),
    first: naturalInt('seed', values.seed ?? values['first-seed'], 1),
    single: values.seed !== undefined,
    out: values.out ?? 'traces',
    schedule: {
      ...scheduleOptions(values.nodes, values.steps),
      maxEntriesPerMessage: maxEntriesFlag(values['max-entries']),
      snapshotEvery: snapshotEveryFlag(values['snapshot-every']),
    },
    alternate: values.guards === 'alternate',
    guards: values.guards === 'alternate' ? NONE : generatedGuards(values.guards),
    replayFlags: `${values.nodes ? ` --nodes ${values.nodes}` : ''}${values.steps ? ` --steps ${values.steps}` : ''}${values.guards ? ` --guards ${values.guards}` : ''}${values['max-entries'] ? ` --max-entries ${values['max-entries']}` : ''}${values['snapshot-every'] ? ` --snapshot-every ${values['snapshot-every']}` : ''}`,
  };
  const owner = values['lock-owner'] === undefined ? process.pid : positiveInt('lock-owner', values['lock-owner'], 0);
  ensureDir(o.out);
  lockFolder(o.out, `generate-traces --out ${o.out}`, owner);
  if (owner === process.pid) process.on('exit', () => unlockFolder(o.out));
  if (values.replace) {
    // Only now, with every option accepted: a typo must not cost the old traces.
    for (const f of readdirSync(o.out)) if (/^seed-\d+\.ndjson$/.test(f)) rmSync(join(o.out, f));
  }
  return o;
}

type Options = ReturnType<typeof options>;

/** Runs one seed's schedule, its trace streamed to disk; null (and no file) when nothing happened. */
async function recordSeed(seed: number, o: Options, onSteps: (done: number, of: number) => void) {
  const guards = o.alternate && seed % 2 === 0 ? { preVote: true, checkQuorum: true } : o.guards;
  const schedule = generateSchedule(seed, { ...o.schedule, guards });
  const recorded = resolvedOptions(o.schedule);
  const path = join(o.out, `seed-${seed}.ndjson`);
  // Streamed to disk as it is recorded: a run of any length fits in memory.
  const file = new TraceFileWriter(path);
  let run: Awaited<ReturnType<typeof runScheduleAsync>>;
  try {
    const params = {
      clusterSizes: recorded.clusterSizes,
      stepRange: [recorded.minSteps, recorded.maxSteps] as [number, number],
      weights: recorded.weights,
    };
    run = await runScheduleAsync(schedule, { params, traceFile: file }, (steps) =>
      onSteps(steps, schedule.steps.length),
    );
  } catch (err) {
    file.abort();
    throw err;
  }
  if (run.events === 0) {
    file.abort();
    return null;
  }
  const bytes = file.size;
  file.commit();
  return { path, bytes, events: run.events, failure: run.failure };
}

async function main(): Promise<number> {
  const o = options();
  const progress = new Progress('  generate');
  let events = 0;
  let bytes = 0;
  const vacuous: number[] = [];
  const files: string[] = [];
  const broken: Array<{ file: string; seed: number; invariant: string; step: number; event: number; detail: string }> =
    [];
  const started = performance.now();
  let seed = o.first;
  for (; files.length < o.count && !(o.single && seed > o.first); seed++) {
    const at = `${files.length}/${o.count} traces, ${events} events; seed ${seed}`;
    const r = await recordSeed(seed, o, (done, of) => progress.update(`${at}: ${done}/${of} steps`, false));
    if (!r) {
      vacuous.push(seed);
      continue;
    }
    files.push(r.path);
    bytes += r.bytes;
    events += r.events;
    progress.update(`${files.length}/${o.count} traces, ${events} events`, files.length === o.count);
    if (!r.failure) continue;
    const f = r.failure;
    broken.push({ file: r.path, seed: f.seed, invariant: f.invariant, step: f.step, event: f.event, detail: f.detail });
    console.error(
      `${r.path}: ${f.invariant} violated at schedule step ${f.step} (after event ${f.event}), seed ${f.seed}: ${f.detail}`,
    );
    console.error(`  replay: npx tsx tools/generate-traces.ts --seed ${seed} --out ${o.out}${o.replayFlags}`);
  }
  progress.end();
  const seconds = (performance.now() - started) / 1000;
  reportJson({ out: o.out, traces: files, events, bytes, seconds: Number(seconds.toFixed(3)), vacuous, broken });
  if (vacuous.length > 0) console.log(`no events under seed(s) ${vacuous.join(', ')}: no trace written for them`);
  console.log(
    `wrote ${files.length} trace(s), ${events} events (${(bytes / 1e6).toFixed(1)} MB, ${events ? Math.round(bytes / events) : 0} bytes/event), to ${o.out}/ in ${seconds.toFixed(2)} s (seeds ${o.first}..${seed - 1})${broken.length ? `; ${broken.length} broke a safety invariant` : ''}`,
  );
  return broken.length || files.length === 0 ? 1 : 0;
}

runTool('generate-traces', main);
