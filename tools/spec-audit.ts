// The spec-mutant kill table: for each single-edit bug of
// src/audit/catalogues/spec-mutants.json, TLC checks a scratch copy of spec/ with
// the bug against the models of src/tlc/models.ts, smallest first, until one
// finds a property violated. A mutant that no model kills is a finding: the
// models (or the properties) cannot tell that spec from the right one.
//   npx tsx tools/spec-audit.ts [--mutants all|ID,NAME,...] [--models NAME,...]
//                               [--seconds S] [--parallel N] [--out DIR]
// --seconds bounds each exhaustive TLC run (default 600); simulation models
// run for their own budget. Prints the table, writes DIR/spec-audit.json and
// DIR/spec-audit.md (default traces/spec-audit/). Exits 1 if a mutant is not
// killed, or is killed only by a larger model than the catalogue records
// (the models lost reach), or TLC fails; 2 on wrong usage. --json prints one
// JSON document on stdout ({"command", "exitCode", "result"}: spec-audit.json's
// content) and the lines above on stderr. --help prints this text.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadSpecMutants, mutatedSpecDir, specMutantProblem, type SpecMutant } from '../src/audit/spec-mutants.js';
import { heartbeat } from '../src/cli/progress.js';
import { removeTempDir } from '../src/files/cleanup.js';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { findJava, findTlcJar, tlcVersion } from '../src/tlc/jar.js';
import { MODELS, runModel, type SpecModel } from '../src/tlc/models.js';
import { describeOutcome } from '../src/tlc/run.js';
import { writeFileAtomic } from '../src/files/writes.js';
import { runTool } from '../src/cli/run-tool.js';
import { paintVerdict, reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

interface Attempt {
  readonly model: string;
  readonly verdict: string;
  readonly seconds: number;
}

interface Row {
  readonly mutant: SpecMutant;
  readonly killed: boolean;
  readonly model: string | null;
  readonly property: string | null;
  /** States in TLC's counterexample. */
  readonly counterexample: number | null;
  readonly seconds: number;
  readonly attempts: readonly Attempt[];
  /** Why the row fails the audit, or null. */
  readonly problem: string | null;
}

function pick<T extends { name: string }>(
  all: readonly T[],
  spec: string | undefined,
  what: string,
  key: (x: T) => string[],
): T[] {
  if (!spec || spec === 'all') return [...all];
  return spec.split(',').map((k) => {
    const found = all.find((x) => key(x).includes(k.trim()));
    if (!found) throw new UsageError(`no ${what} ${JSON.stringify(k)}; there are ${all.map((x) => x.name).join(', ')}`);
    return found;
  });
}

async function audit(
  m: SpecMutant,
  models: readonly SpecModel[],
  seconds: number,
  tlc: { java: ReturnType<typeof findJava>; jar: Awaited<ReturnType<typeof findTlcJar>> },
): Promise<Row> {
  const dir = mutatedSpecDir(m);
  const attempts: Attempt[] = [];
  const started = performance.now();
  try {
    for (const model of models) {
      const run = await runModel(model, { specDir: dir, workers: 1, timeoutMs: seconds * 1000, ...tlc });
      const o = run.result.outcome;
      attempts.push({
        model: model.name,
        verdict: run.verdict === 'no error' ? 'no error' : describeOutcome(o),
        seconds: run.result.durationMs / 1000,
      });
      if (run.verdict === 'violation' && o.kind === 'violation') {
        const expected = m.killedBy ?? { model: model.name, property: o.property };
        const order = (name: string) => MODELS.findIndex((x) => x.name === name);
        const problem =
          order(model.name) > order(expected.model) && models.some((x) => x.name === expected.model)
            ? `killed only by ${model.name}, but the catalogue records ${expected.model}: the smaller models lost reach`
            : null;
        return {
          mutant: m,
          killed: true,
          model: model.name,
          property: o.property,
          counterexample: o.trace.length,
          seconds: (performance.now() - started) / 1000,
          attempts,
          problem,
        };
      }
      if (run.verdict === 'failed' && o.kind !== 'timeout') {
        return {
          mutant: m,
          killed: false,
          model: null,
          property: null,
          counterexample: null,
          seconds: (performance.now() - started) / 1000,
          attempts,
          problem: `TLC failed on ${model.name}: ${describeOutcome(o)}`,
        };
      }
    }
    const why = m.finding ? ` (known finding: ${m.finding})` : '';
    return {
      mutant: m,
      killed: false,
      model: null,
      property: null,
      counterexample: null,
      seconds: (performance.now() - started) / 1000,
      attempts,
      problem: `NOT KILLED by any model${why}`,
    };
  } finally {
    removeTempDir(dir);
  }
}

function markdown(rows: readonly Row[], wall: number, version: string): string {
  const out = [
    '# Spec-mutant kill table',
    '',
    `Each mutant is one edit of spec/Raft.tla. TLC (${version}) checks it against the models, smallest first, until one finds a property violated. Whole run: ${wall.toFixed(0)} s.`,
    '',
    '| # | mutant | killed | by property | model | counterexample (states) | time (s) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.mutant.id} | ${r.mutant.name} | ${r.killed ? 'yes' : '**NO**'} | ${r.property ?? '-'} | ${r.model ?? '-'} | ${r.counterexample ?? '-'} | ${r.seconds.toFixed(1)} |`,
    );
  }
  out.push('', '## The bugs', '');
  for (const r of rows)
    out.push(`${r.mutant.id}. **${r.mutant.name}**: ${r.mutant.bug}${r.problem ? ` *(${r.problem})*` : ''}`);
  return out.join('\n') + '\n';
}

async function main(): Promise<number> {
  const { values, positionals } = parse(process.argv.slice(2), ['mutants', 'models', 'seconds', 'parallel', 'out']);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const mutants = pick(loadSpecMutants(), values.mutants, 'spec mutant', (x) => [String(x.id), x.name]);
  const models = pick(MODELS, values.models, 'model', (x) => [x.name]);
  const seconds = positiveInt('seconds', values.seconds, 600);
  const parallel = positiveInt('parallel', values.parallel, cpus().length);
  const out = values.out ?? 'traces/spec-audit';
  for (const m of mutants) {
    const problem = specMutantProblem(m);
    if (problem) throw new UsageError(problem);
  }
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  const version = tlcVersion(java, jar);
  console.log(`${version} from ${jar.source}`);
  console.log(
    `spec audit: ${mutants.length} mutant(s) against ${models.map((m) => m.name).join(', ')}, ${parallel} at a time`,
  );

  const started = performance.now();
  const rows: Row[] = new Array(mutants.length);
  let next = 0;
  const worker = async () => {
    while (next < mutants.length) {
      const k = next++;
      const m = mutants[k]!;
      const row = await audit(m, models, seconds, { java, jar });
      rows[k] = row;
      console.log(
        `  ${String(m.id).padStart(2)} ${m.name.padEnd(40)} ${row.killed ? `killed by ${row.property} in ${row.model} (${row.counterexample} states)` : 'NOT KILLED'}, ${row.seconds.toFixed(1)} s${row.problem && row.killed ? `: ${row.problem}` : ''}`,
      );
    }
  };
  // Each TLC run takes up to minutes and says nothing meanwhile: a line every 30 s says which are running.
  const stopHeartbeat = heartbeat((s) => {
    const running = mutants.filter((_, k) => k < next && !rows[k]).map((m) => m.name);
    console.log(
      `  ... ${rows.filter(Boolean).length} of ${mutants.length} done after ${s.toFixed(0)} s; running: ${running.join(', ')}`,
    );
  }, 30_000);
  await Promise.all(Array.from({ length: Math.min(parallel, mutants.length) }, worker));
  stopHeartbeat();
  const wall = (performance.now() - started) / 1000;

  const killed = rows.filter((r) => r.killed).length;
  console.log('');
  console.log(
    `${paintVerdict(`${killed} of ${rows.length}`, killed === rows.length)} spec mutants killed in ${wall.toFixed(0)} s`,
  );
  for (const r of rows.filter((x) => x.problem)) {
    console.log(`  ${r.mutant.name}: ${r.problem}`);
    for (const a of r.attempts) console.log(`    ${a.model}: ${a.verdict} (${a.seconds.toFixed(1)} s)`);
  }
  const summary = { tlc: version, seconds: wall, rows };
  writeFileAtomic(join(out, 'spec-audit.json'), JSON.stringify(summary, null, 2) + '\n');
  reportJson(summary);
  writeFileAtomic(join(out, 'spec-audit.md'), markdown(rows, wall, version));
  console.log(`report: ${join(out, 'spec-audit.md')} and spec-audit.json`);
  return rows.every((r) => !r.problem) ? 0 : 1;
}

runTool('spec-audit', main);
