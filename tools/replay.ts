// Replays a saved schedule (e.g. traces/audit/failures/<name>/schedule.json) and
// says what the harness finds: a broken invariant, a TLC rejection with its
// diagnosis, or nothing.
//   npx tsx tools/replay.ts SCHEDULE.json [--mutant NAME]
// With --mutant, the schedule runs against the implementation with that bug
// of src/audit/catalogues/mutants.json (in a scratch copy). Exits 0 if the harness
// finds nothing, 1 if it fails (or the schedule file is bad), 2 on wrong usage.
// --json prints one JSON document on stdout ({"command", "exitCode",
// "result"}: the events and the failure's oracle, event and diagnosis) and
// the lines above on stderr. --help prints this text.
import { existsSync, readFileSync } from 'node:fs';
import { oracleSays } from '../src/verdict/oracles.js';
import { campaignInCopy } from '../src/audit/spawn.js';
import { loadMutants } from '../src/audit/mutants.js';
import { exitOnHelp, parse, UsageError } from '../src/cli/options.js';
import { parseSchedule } from '../src/sim/schedule.js';
import { findJava, findTlcJar } from '../src/tlc/jar.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

async function main(): Promise<number> {
  const { values, positionals } = parse(process.argv.slice(2), ['mutant']);
  if (positionals.length !== 1) throw new UsageError('usage: npx tsx tools/replay.ts SCHEDULE.json [--mutant NAME]');
  const file = positionals[0]!;
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  // Checked here, before a scratch copy and TLC are set up for it.
  parseSchedule(readFileSync(file, 'utf8'), file);
  const mutant = values.mutant
    ? loadMutants().find((m) => m.name === values.mutant || String(m.id) === values.mutant)
    : null;
  if (values.mutant && !mutant)
    throw new UsageError(`no mutant ${JSON.stringify(values.mutant)} in src/audit/catalogues/mutants.json`);
  findJava();
  const jar = await findTlcJar();
  const result = await campaignInCopy(
    mutant ?? null,
    {
      label: 'replay',
      maxSchedules: 1,
      maxSeconds: 600,
      shrinkSeconds: 0,
      firstSeed: 0,
      failuresDir: 'traces/replay',
      coverage: false,
      replay: file,
    },
    jar,
  );
  if (result.error) throw new Error(result.error);
  const f = result.failure;
  reportJson({
    schedule: file,
    mutant: mutant ? { id: mutant.id, name: mutant.name } : null,
    events: result.events,
    failure: f ? { oracle: f.oracle, event: f.shrunk.events, diagnosis: f.diagnosis } : null,
  });
  if (!f) {
    console.log(`${file}: ${result.events} events; no invariant broke and TLC accepted the trace`);
    return 0;
  }
  console.log(`${file}: ${oracleSays(f.oracle)} at event ${f.shrunk.events} of ${result.events}`);
  for (const line of f.diagnosis) console.log(line);
  return 1;
}

runTool('replay', main);
