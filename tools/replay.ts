// Replays a saved schedule (e.g. traces/failures/<name>/schedule.json) and
// says what the harness finds: a broken invariant, a TLC rejection with its
// diagnosis, or nothing.
//   npx tsx tools/replay.ts SCHEDULE.json [--mutant NAME]
// With --mutant, the schedule runs against the implementation with that bug
// of test/mutants/catalogue.json (in a scratch copy). Exits 1 if it fails.
import { existsSync } from 'node:fs';
import { ORACLE_SAYS } from '../src/audit/campaign.js';
import { campaignInCopy } from '../src/audit/spawn.js';
import { loadMutants } from '../src/audit/mutants.js';
import { parse, UsageError } from '../src/sim/cli-options.js';
import { findJava, findTlcJar, TlcSetupError } from '../src/tlc/jar.js';

async function main(): Promise<number> {
  const { values, positionals } = parse(process.argv.slice(2), ['mutant']);
  if (positionals.length !== 1) throw new UsageError('usage: npx tsx tools/replay.ts SCHEDULE.json [--mutant NAME]');
  const file = positionals[0]!;
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  const mutant = values.mutant ? loadMutants().find((m) => m.name === values.mutant || String(m.id) === values.mutant) : null;
  if (values.mutant && !mutant) throw new UsageError(`no mutant ${JSON.stringify(values.mutant)} in test/mutants/catalogue.json`);
  findJava();
  const jar = await findTlcJar();
  const result = await campaignInCopy(
    mutant ?? null,
    { label: 'replay', maxSchedules: 1, maxSeconds: 600, shrinkSeconds: 0, firstSeed: 0, failuresDir: 'traces/failures', coverage: false, replay: file },
    jar,
  );
  if (result.error) throw new Error(result.error);
  const f = result.failure;
  if (!f) {
    console.log(`${file}: ${result.events} events; no invariant broke and TLC accepted the trace`);
    return 0;
  }
  console.log(`${file}: ${ORACLE_SAYS[f.oracle]} at event ${f.shrunk.events} of ${result.events}`);
  for (const line of f.diagnosis) console.log(line);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`replay: ${err instanceof UsageError || err instanceof TlcSetupError ? err.message : (err as Error).message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
