// A long run of the simulator's own oracles, without TLC: the safety
// invariants after every step, the check that nothing happens unlogged, and
// the progress phase at the end of every schedule. It is how the progress
// oracle is shown to raise no false alarm on the correct implementation over
// many schedules (make soak), and how a mutant's catch by these oracles is
// measured quickly.
//   npx tsx tools/soak.ts [--schedules N] [--seconds S] [--first-seed S] [--mutant ID|NAME]
//                         [--shrink-seconds S] [--out DIR] [--guards none|both|pre-vote|check-quorum]
//                         [--max-entries N] [--snapshot-every N]
// --guards: PreVote and CheckQuorum in every schedule's servers (default
// none, the Raft paper's protocol; a guard's mutant runs with its own).
// --max-entries: the most entries one AppendEntries carries (default 2).
// --snapshot-every: servers take a snapshot every N applied entries, and
// every fifth schedule pushes a server behind the compaction point
// (src/sim/compaction.ts); default none (a snapshot's mutant runs with its own).
// Defaults: 10000 schedules, at most 3600 s, seeds from 1. A failure is shrunk
// and saved under DIR/failures/ (default traces/soak/). Exits 0 when the
// correct implementation runs clean (or, with --mutant, when the mutant is
// caught), 1 otherwise, 2 on wrong usage. --json prints one JSON document on
// stdout ({"command", "exitCode", "result"}: the counts, the progress phase's
// figures and the failure, if any) and the lines above on stderr. --help
// prints this text.
import { join, relative } from 'node:path';
import { oracleName } from '../src/verdict/oracles.js';
import { CLIENT_ROWS, WINDOW_ROWS } from '../src/audit/coverage.js';
import { loadMutants, mutantProblem, type Mutant } from '../src/audit/mutants.js';
import { campaignInCopy } from '../src/audit/spawn.js';
import { describeProgress, type CampaignResult } from '../src/audit/campaign.js';
import { describeSimAvailability } from '../src/sim/availability.js';
import { heartbeat } from '../src/cli/progress.js';
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
import { NO_GUARDS } from '../src/raft/types.js';
import { runTool } from '../src/cli/run-tool.js';
import { humanOut, paintVerdict, reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

/** The command line, checked before any work. */
function options() {
  const { values, positionals } = parse(process.argv.slice(2), [
    'schedules',
    'seconds',
    'first-seed',
    'mutant',
    'shrink-seconds',
    'out',
    'guards',
    'max-entries',
    'snapshot-every',
  ]);
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const schedules = positiveInt('schedules', values.schedules, 10_000);
  const seconds = positiveInt('seconds', values.seconds, 3600);
  const firstSeed = naturalInt('first-seed', values['first-seed'], 1);
  const shrinkSeconds = positiveInt('shrink-seconds', values['shrink-seconds'], 60);
  const out = values.out ?? 'traces/soak';
  const mutant = values.mutant
    ? loadMutants().find((m) => String(m.id) === values.mutant || m.name === values.mutant)
    : null;
  if (values.mutant && !mutant)
    throw new UsageError(`no mutant ${JSON.stringify(values.mutant)} in src/audit/catalogues/mutants.json`);
  const problem = mutant && mutantProblem(mutant);
  if (problem) throw new Error(problem);
  const guards = guardsFlag(values.guards, mutant?.guards ?? NO_GUARDS);
  const maxEntries = maxEntriesFlag(values['max-entries']);
  const snapshotEvery = snapshotEveryFlag(values['snapshot-every']) ?? mutant?.snapshotEvery;
  return {
    schedules,
    seconds,
    firstSeed,
    shrinkSeconds,
    out,
    mutant: mutant ?? null,
    guards,
    maxEntries,
    snapshotEvery,
  };
}

/** What --json reports of a soak. */
function soakJson(r: CampaignResult, mutant: Mutant | null) {
  const f = r.failure;
  return {
    mutant: mutant ? { id: mutant.id, name: mutant.name } : null,
    verdict: f ? (mutant ? 'caught' : 'failed') : mutant ? 'escaped' : 'clean',
    schedules: r.schedules,
    events: r.events,
    seconds: Number(r.seconds.toFixed(3)),
    progress: r.progress ?? null,
    availability: r.availability ?? null,
    coverage: r.coverage ?? null,
    failure: f
      ? {
          oracle: f.oracle,
          seed: f.seed,
          shrunk: f.shrunk,
          diagnosis: f.diagnosis,
          dir: relative(process.cwd(), f.dir),
        }
      : null,
  };
}

async function main(): Promise<number> {
  const { schedules, seconds, firstSeed, shrinkSeconds, out, mutant, guards, maxEntries, snapshotEvery } = options();
  const label = mutant ? `soak-${mutant.name}` : 'soak-correct';
  console.log(
    `soak: ${mutant ? `mutant ${mutant.id} ${mutant.name}` : 'the correct implementation'}, up to ${schedules} schedules or ${seconds} s, seeds from ${firstSeed}, PreVote ${guards.preVote ? 'on' : 'off'}, CheckQuorum ${guards.checkQuorum ? 'on' : 'off'}${maxEntries ? `, up to ${maxEntries} entries per AppendEntries` : ''}${snapshotEvery ? `, a snapshot every ${snapshotEvery} entries` : ''}; oracles: invariants, unlogged steps, progress${guards.checkQuorum ? ', a cut-off leader stepping down' : ''} (no TLC)`,
  );
  const stop = heartbeat((s) => humanOut().write(humanOut().isTTY ? '.' : `  still running, ${s.toFixed(0)} s\n`));
  const r = await campaignInCopy(
    mutant ?? null,
    {
      label,
      maxSchedules: schedules,
      maxSeconds: seconds,
      shrinkSeconds,
      firstSeed,
      failuresDir: join(out, 'failures'),
      coverage: true,
      tlc: false,
      schedule: {
        guards,
        ...(maxEntries ? { maxEntriesPerMessage: maxEntries } : {}),
        ...(snapshotEvery ? { snapshotEvery } : {}),
      },
    },
    null,
  );
  stop();
  if (r.error) throw new Error(r.error);
  console.log(
    `${r.schedules} schedules, ${r.events} events in ${r.seconds.toFixed(1)} s (${(r.schedules / r.seconds).toFixed(0)} schedules/s)`,
  );
  if (r.progress) {
    console.log(`progress phase: ${describeProgress(r.progress)}`);
  }
  if (r.availability) console.log(`availability: ${describeSimAvailability(r.availability)}`);
  if (r.coverage) {
    console.log(
      `client requests reached: ${CLIENT_ROWS.map((b) => `${b.replace('client → ', '')} ${r.coverage![b] ?? 0}`).join(', ')}`,
    );
    console.log(
      `traps sprung: ${WINDOW_ROWS.map((b) => `${b.replace('window: ', '')} ${r.coverage![b] ?? 0}`).join(', ')}`,
    );
  }
  const f = r.failure;
  reportJson(soakJson(r, mutant));
  if (!f) {
    console.log(
      mutant
        ? `${paintVerdict('ESCAPED', false)}: no oracle caught the mutant in ${r.schedules} schedules`
        : `${paintVerdict('clean', true)}: no failure in ${r.schedules} schedules`,
    );
    return mutant ? 1 : 0;
  }
  console.log(
    `${mutant ? paintVerdict('caught', true) : paintVerdict('FAILED', false)} by ${oracleName(f.oracle)} at seed ${f.seed} (schedule ${r.schedules}); shrunk to ${f.shrunk.steps} steps, ${f.shrunk.events} events, ${f.shrunk.nodes} servers`,
  );
  for (const line of f.diagnosis) console.log(`  ${line}`);
  console.log(`  saved: ${relative(process.cwd(), f.dir)}/ (schedule.json, trace.ndjson, diagnosis.txt)`);
  return mutant ? 0 : 1;
}

runTool('soak', main);
