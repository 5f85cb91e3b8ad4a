// The conformance audit: for each injected bug of test/mutants/catalogue.json,
// run the adversarial campaign against the implementation with that bug until
// the harness flags it or the budget runs out, shrink what it found, and
// record how it was caught; then run the correct implementation under the
// same campaign, which must produce no failure, and report spec action coverage.
//   npx tsx tools/audit.ts [--mutants all|ID,NAME,...] [--schedules N] [--seconds S]
//                          [--shrink-seconds S] [--correct-schedules N] [--out DIR]
// Writes DIR/audit.json and DIR/audit.md (default traces/audit/), and each
// shrunk counterexample (schedule, trace, diagnosis) under DIR/failures/. Exits 1 if a
// listed mutant escapes, the correct implementation fails, or a campaign errs;
// 2 on wrong usage. --help prints this text.
import { join, relative } from 'node:path';
import { campaignInCopy } from '../src/audit/spawn.js';
import { unexercised, BRANCHES, CLIENT_ROWS, WINDOW_ROWS } from '../src/audit/coverage.js';
import { loadMutants, mutantProblem, type Mutant } from '../src/audit/mutants.js';
import { ORACLE_NAMES, type CampaignResult } from '../src/audit/campaign.js';
import { heartbeat } from '../src/cli/progress.js';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/sim/cli-options.js';
import { findJava, findTlcJar, TlcSetupError } from '../src/tlc/jar.js';
import { writeFileAtomic } from '../src/trace/recorder.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

interface Row {
  readonly mutant: Mutant | null;
  readonly result: CampaignResult;
}

function pickMutants(spec: string | undefined): Mutant[] {
  const all = loadMutants();
  if (!spec || spec === 'all') return all;
  return spec.split(',').map((key) => {
    const m = all.find((x) => String(x.id) === key.trim() || x.name === key.trim());
    if (!m) throw new UsageError(`no mutant ${JSON.stringify(key)}; the catalogue has ${all.map((x) => `${x.id} ${x.name}`).join(', ')}`);
    return m;
  });
}

function outcome(row: Row): string {
  const r = row.result;
  if (r.error) return `ERROR: ${r.error}`;
  const f = r.failure;
  if (!row.mutant) return f ? `FALSE POSITIVE: ${f.oracle} ${f.what}` : `no failure in ${r.schedules} schedules`;
  if (!f) return `ESCAPED after ${r.schedules} schedules`;
  return `caught by ${ORACLE_NAMES[f.oracle]} (${f.what.slice(0, 90)}) after ${r.schedules} schedule(s); shrunk to ${f.shrunk.events} events, ${f.shrunk.steps} steps, ${f.shrunk.nodes} servers`;
}

function ok(row: Row): boolean {
  return !row.result.error && (row.mutant ? row.result.failure !== null : row.result.failure === null);
}

function replayCommand(row: Row): string {
  const f = row.result.failure!;
  return `npx tsx tools/replay.ts ${relative(process.cwd(), join(f.dir, 'schedule.json'))}${row.mutant ? ` --mutant ${row.mutant.name}` : ''}`;
}

function markdown(rows: Row[], seconds: number, budget: string): string {
  const out: string[] = ['# Conformance audit', '', `Budget per mutant: ${budget}. Whole audit: ${seconds.toFixed(0)} s.`, ''];
  out.push('| # | mutant | bug | result | oracle | what was flagged | schedules | shrunk events | time (s) |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const r = row.result;
    const f = r.failure;
    const status = ok(row) ? (row.mutant ? 'caught' : 'clean') : row.mutant ? (r.error ? 'error' : 'ESCAPED') : 'FAILED';
    out.push(
      `| ${row.mutant?.id ?? '-'} | ${row.mutant?.name ?? 'correct implementation'} | ${row.mutant?.bug ?? 'none'} | ${status} | ${f ? ORACLE_NAMES[f.oracle] : '-'} | ${f ? f.what.replace(/\|/g, '\\|').slice(0, 120) : r.error ?? '-'} | ${r.schedules} | ${f ? f.shrunk.events : '-'} | ${r.seconds.toFixed(1)} |`,
    );
  }
  for (const row of rows.filter((r) => r.result.failure)) {
    out.push('', `## ${row.mutant?.name ?? 'correct implementation'}`, '', `Replay: \`${replayCommand(row)}\``, '', '```', ...row.result.failure!.diagnosis, '```');
  }
  const correct = rows.find((r) => !r.mutant);
  if (correct?.result.coverage) {
    const c = correct.result.coverage;
    out.push('', '## Spec action coverage (correct implementation)', '', '| action / branch | occurrences |', '|---|---|');
    for (const b of BRANCHES) out.push(`| ${b} | ${c[b] ?? 0} |`);
    out.push('', '### Client requests by the role of the server they reached', '', '| target | requests |', '|---|---|');
    for (const b of CLIENT_ROWS) out.push(`| ${b.replace('client → ', '')} | ${c[b] ?? 0} |`);
    out.push('', '### Targeted faults: traps sprung, by window', '', '| window | hits |', '|---|---|');
    for (const b of WINDOW_ROWS) out.push(`| ${b.replace('window: ', '')} | ${c[b] ?? 0} |`);
    const never = unexercised(c);
    out.push('', never.length ? `Never exercised: ${never.join(', ')}.` : 'Every action, branch, client target and fault window was exercised.');
  }
  const p = correct?.result.progress;
  if (p) {
    out.push('', '## Progress phase (correct implementation)', '', `${p.schedules} schedules settled after ${p.meanTicks.toFixed(1)} ticks on average, ${p.maxTicks} at most; the slowest used ${(100 * p.maxShareOfBound).toFixed(0)} % of its bound.`);
  }
  return out.join('\n') + '\n';
}

async function main(): Promise<number> {
  const { values, positionals } = parse(process.argv.slice(2), ['mutants', 'schedules', 'seconds', 'shrink-seconds', 'correct-schedules', 'out']);
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const mutants = pickMutants(values.mutants);
  const maxSchedules = positiveInt('schedules', values.schedules, 2000);
  const maxSeconds = positiveInt('seconds', values.seconds, 180);
  const shrinkSeconds = positiveInt('shrink-seconds', values['shrink-seconds'], 90);
  const correctSchedules = positiveInt('correct-schedules', values['correct-schedules'], maxSchedules);
  const out = values.out ?? 'traces/audit';
  for (const m of mutants) {
    const problem = mutantProblem(m);
    if (problem) throw new Error(problem);
  }
  findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  const started = performance.now();
  const rows: Row[] = [];
  const targets: Array<Mutant | null> = [...mutants, null];
  console.log(`audit: ${mutants.length} mutant(s) and the correct implementation; budget ${maxSchedules} schedules or ${maxSeconds} s each`);
  for (const [k, mutant] of targets.entries()) {
    const label = mutant ? `${String(mutant.id).padStart(2, '0')}-${mutant.name}` : 'correct';
    process.stdout.write(`[${k + 1}/${targets.length}] ${label} ... `);
    // A campaign runs for minutes and reports only at its end: say it is alive.
    const stopHeartbeat = heartbeat((s) => process.stdout.write(process.stdout.isTTY ? '.' : `\n    ${label}: still running, ${s.toFixed(0)} s ... `));
    const result = await campaignInCopy(
      mutant,
      {
        label,
        maxSchedules: mutant ? maxSchedules : correctSchedules,
        maxSeconds,
        shrinkSeconds,
        firstSeed: 1,
        failuresDir: join(out, 'failures'),
        coverage: mutant === null,
      },
      jar,
    );
    stopHeartbeat();
    const row = { mutant, result };
    rows.push(row);
    console.log(`${outcome(row)} [${result.seconds.toFixed(1)} s]`);
    if (result.failure) console.log(`    replay: ${replayCommand(row)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const caught = rows.filter((r) => r.mutant && ok(r)).length;
  const correct = rows.find((r) => !r.mutant)!;
  console.log(`\nmutants caught: ${caught} of ${mutants.length}; correct implementation: ${ok(correct) ? `clean over ${correct.result.schedules} schedules` : 'FAILED'}; ${seconds.toFixed(0)} s in all`);
  if (correct.result.coverage) {
    const never = unexercised(correct.result.coverage);
    console.log(never.length ? `never exercised: ${never.join(', ')}` : 'every spec action and branch, client target and fault window was exercised');
    const clients = CLIENT_ROWS.map((b) => `${b.replace('client → ', '')} ${correct.result.coverage![b] ?? 0}`).join(', ');
    console.log(`client requests reached: ${clients}`);
    console.log(`traps sprung: ${WINDOW_ROWS.map((b) => `${b.replace('window: ', '')} ${correct.result.coverage![b] ?? 0}`).join(', ')}`);
  }
  const p = correct.result.progress;
  if (p) console.log(`progress phase: ${p.schedules} schedules settled, ${p.meanTicks.toFixed(1)} ticks on average, ${p.maxTicks} at most (${(100 * p.maxShareOfBound).toFixed(0)} % of the bound at worst)`);
  const budget = `${maxSchedules} schedules or ${maxSeconds} s, shrinking up to ${shrinkSeconds} s`;
  writeFileAtomic(
    join(out, 'audit.json'),
    JSON.stringify({ seconds, budget, caught, mutants: mutants.length, rows: rows.map((r) => ({ mutant: r.mutant, ok: ok(r), ...r.result })) }, null, 2) + '\n',
  );
  writeFileAtomic(join(out, 'audit.md'), markdown(rows, seconds, budget));
  console.log(`reports: ${join(out, 'audit.json')}, ${join(out, 'audit.md')}`);
  return rows.every(ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`audit: ${err instanceof UsageError || err instanceof TlcSetupError ? err.message : (err as Error).message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
