// The differential fuzzer: perturbs traces of correct runs at single points
// and checks every perturbed trace with TLC and with the in-process checker,
// which must agree on each (see src/check/differential.ts).
//   npx tsx tools/fuzz-checkers.ts [--count N] [--seed S] [--bases B] [--chunk C] [--out DIR]
// Prints a table per kind of perturbation (made, malformed, at a chunk
// boundary, both rejected, both accepted, disagreements); writes each
// disagreement's trace and both verdicts to DIR (default traces/fuzz-checkers/).
// --json prints one JSON document on stdout ({"command", "exitCode",
// "result"}: the table's rows, the counts and each disagreement) and the
// lines above on stderr. Exits 1 on any disagreement (or a base trace either
// checker rejects), 2 on wrong usage. --help prints this text.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { formatFuzzTable, fuzzCheckers } from '../src/check/differential.js';
import { ensureDir } from '../src/files/output-path.js';
import { exitOnHelp, naturalInt, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { Rng } from '../src/random/rng.js';
import { findJava, findTlcJar } from '../src/tlc/jar.js';
import { runTool } from '../src/cli/run-tool.js';
import { paintVerdict, reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

async function main(): Promise<number> {
  const { values, positionals } = parse(process.argv.slice(2), ['count', 'seed', 'bases', 'chunk', 'out']);
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const count = positiveInt('count', values.count, 1000);
  const seed = naturalInt('seed', values.seed, 1);
  const bases = positiveInt('bases', values.bases, 40);
  const chunkSize = positiveInt('chunk', values.chunk, 100);
  const out = values.out ?? 'traces/fuzz-checkers';
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  console.log(
    `fuzz-checkers: ${count} perturbations of ${bases} traces (seed ${seed}), TLC chunks of ${chunkSize} events`,
  );
  const report = await fuzzCheckers({
    count,
    rng: new Rng(seed),
    firstSeed: seed,
    bases,
    tlc: { java, jar, chunkSize },
  });
  for (const line of formatFuzzTable(report)) console.log(line);
  console.log(
    `${report.checked} perturbed traces (${report.events} events with the ${report.bases} base traces) judged by both: ` +
      `in-process ${report.inProcessMs.toFixed(0)} ms, TLC ${(report.tlcMs / 1000).toFixed(1)} s`,
  );
  for (const b of report.basesRejected) console.log(`BASE TRACE NOT ACCEPTED: ${b}`);
  if (report.disagreements.length > 0) {
    ensureDir(out);
    report.disagreements.forEach((d, k) => {
      const file = join(out, `disagreement-${k + 1}.ndjson`);
      writeFileSync(file, d.text);
      writeFileSync(
        join(out, `disagreement-${k + 1}.txt`),
        `${JSON.stringify(d.perturbation)} (base seed ${d.base})\n  ${d.detail}\n`,
      );
      console.log(
        `DISAGREEMENT ${k + 1}: ${d.perturbation.kind} at event ${d.perturbation.event} (${d.perturbation.what}), base seed ${d.base}; trace ${file}\n  ${d.detail}`,
      );
    });
  }
  const ok = report.disagreements.length === 0 && report.basesRejected.length === 0;
  reportJson({
    ...report,
    disagreements: report.disagreements.map((d, k) => ({
      perturbation: d.perturbation,
      base: d.base,
      detail: d.detail,
      trace: join(out, `disagreement-${k + 1}.ndjson`),
    })),
  });
  console.log(
    ok
      ? paintVerdict(`no disagreement over ${report.checked} perturbed traces`, true)
      : paintVerdict(`${report.disagreements.length} disagreement(s)`, false),
  );
  return ok ? 0 : 1;
}

runTool('fuzz-checkers', main);
