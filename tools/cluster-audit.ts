// The audit on real clusters (make audit MODE=cluster): for a few mutants of
// src/audit/catalogues/mutants.json (protocol bugs) and of
// src/audit/catalogues/server-mutants.json (bugs in answering clients, which only
// the clients' history shows), run real server processes built from a
// scratch copy of the project with that bug, under the nemesis
// (src/nemesis/run.ts), until an oracle catches it or the runs run out; then
// run the correct servers the same way, which must pass. Reports which
// oracle caught each mutant: the servers' own checks, the happens-before
// merge, TLC on the merged trace, or linearizability of the clients' history.
//   npx tsx tools/cluster-audit.ts [--mutants ID,NAME,... (1,2,5,6,7,8,101-107)] [--runs N (3)] [--correct-runs N (1)] [--seconds S (15)]
//                                  [--servers 3|5 (3)] [--out DIR (traces/cluster-audit)] [--keep-unsynced]
// The servers run on a simulated page cache (a SIGKILL loses what was not
// synced) and meet every disk fault (damaged logs, a failing fsync, a full
// disk), so that bugs in the write-ahead log show; --keep-unsynced runs them
// on the real file system, with damage to files only.
// Each run's folder is DIR/<mutant>/seed-<N>/ (see make cluster-check), and
// the summary goes to DIR/cluster-audit.json. Exits 1 if a mutant escapes or
// the correct servers fail; 2 on wrong usage. --help prints this text.
import { join } from 'node:path';
import { loadMutants, loadServerMutants, scratchCopy, SERVER_COPY_PARTS, type Mutant } from '../src/audit/mutants.js';
import { removeTempDir } from '../src/files/cleanup.js';
import { ensureDir } from '../src/files/output-path.js';
import { runClusterCheck, type ClusterCheckOptions, type ClusterCheckReport } from '../src/nemesis/run.js';
import type { ClusterOracle } from '../src/verdict/oracles.js';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { findJava, findTlcJar } from '../src/tlc/jar.js';
import { writeFileAtomic } from '../src/files/writes.js';
import { runTool } from '../src/cli/run-tool.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

/** The oracles that count as catching a bug: a run that merely got no answers does not. */
const CATCHING: readonly ClusterOracle[] = ['server', 'disk', 'messages', 'merge', 'tlc', 'linearizability'];
const DEFAULT_MUTANTS = '1,2,5,6,7,8,101,102,103,104,105,106,107';

interface Row {
  readonly label: string;
  readonly mutant: Mutant | null;
  readonly runs: number;
  readonly seconds: number;
  readonly caughtBy: ClusterOracle[];
  readonly first: string | null;
  readonly dir: string | null;
  readonly ok: boolean;
}

function pick(spec: string): Mutant[] {
  const all = [...loadMutants(), ...loadServerMutants()];
  return spec.split(',').map((key) => {
    const m = all.find((x) => String(x.id) === key.trim() || x.name === key.trim());
    if (!m)
      throw new UsageError(
        `no mutant ${JSON.stringify(key)}; the catalogue has ${all.map((x) => `${x.id} ${x.name}`).join(', ')}`,
      );
    return m;
  });
}

interface AuditOptions {
  readonly mutants: Mutant[];
  readonly runs: number;
  readonly correctRuns: number;
  readonly seconds: number;
  readonly servers: number;
  readonly out: string;
  readonly loseUnsynced: boolean;
}

function readOptions(): AuditOptions {
  const { values, positionals } = parse(
    process.argv.slice(2),
    ['mutants', 'runs', 'correct-runs', 'seconds', 'servers', 'out', 'keep-unsynced'],
    ['keep-unsynced'],
  );
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const seconds = positiveInt('seconds', values.seconds, 15);
  const servers = positiveInt('servers', values.servers, 3);
  if (servers !== 3 && servers !== 5) throw new UsageError(`--servers must be 3 or 5, got ${servers}`);
  if (seconds < 3) throw new UsageError(`--seconds must be at least 3, got ${seconds}`);
  return {
    mutants: pick(values.mutants ?? DEFAULT_MUTANTS),
    runs: positiveInt('runs', values.runs, 3),
    correctRuns: positiveInt('correct-runs', values['correct-runs'], 1),
    seconds,
    servers,
    out: values.out ?? 'traces/cluster-audit',
    loseUnsynced: values['keep-unsynced'] !== 'true',
  };
}

/**
 * Runs servers with `mutant` (null: the correct ones) under the nemesis,
 * seed after seed: a mutant until an oracle catches it or its runs run out;
 * the correct servers for all their runs, each of which must pass.
 */
async function auditOne(mutant: Mutant | null, o: AuditOptions, tlc: ClusterCheckOptions['tlc']): Promise<Row> {
  const label = mutant ? `${mutant.id} ${mutant.name}` : 'correct servers';
  const copy = scratchCopy(mutant, SERVER_COPY_PARTS);
  const t0 = performance.now();
  let caught: ClusterCheckReport | null = null;
  let last: ClusterCheckReport | null = null;
  let done = 0;
  let correctFailed = false;
  try {
    for (let seed = 1; seed <= (mutant ? o.runs : o.correctRuns) && !caught; seed++) {
      const dir = join(o.out, mutant ? mutant.name : 'correct', `seed-${seed}`);
      console.log(`${label}: run ${seed} (${o.seconds} s, seed ${seed}) in ${dir}`);
      last = await runClusterCheck({
        dir,
        servers: o.servers,
        seconds: o.seconds,
        seed,
        projectRoot: copy,
        loseUnsynced: o.loseUnsynced,
        tlc,
        rerun: `npx tsx tools/cluster-audit.ts --mutants ${mutant ? mutant.id : '(none)'} --seconds ${o.seconds}${o.loseUnsynced ? '' : ' --keep-unsynced'}`,
      });
      done++;
      if (last.findings.some((f) => CATCHING.includes(f.oracle))) caught = last;
      if (!mutant && last.verdict !== 'passed') correctFailed = true;
      for (const f of last.findings) console.log(`  ${f.oracle}: ${f.what}`);
    }
  } finally {
    removeTempDir(copy);
  }
  const caughtBy = caught ? [...new Set(caught.findings.map((f) => f.oracle).filter((x) => CATCHING.includes(x)))] : [];
  const ok = mutant ? caught !== null : done > 0 && !correctFailed;
  console.log(
    `${label}: ${mutant ? (caught ? `caught by ${caughtBy.join(' + ')} in run ${done}` : `ESCAPED ${done} runs`) : ok ? 'passed' : 'FAILED'}`,
  );
  return {
    label,
    mutant,
    runs: done,
    seconds: Math.round((performance.now() - t0) / 1000),
    caughtBy,
    first: (caught ?? last)?.findings[0]?.what ?? null,
    dir: (caught ?? last)?.dir ?? null,
    ok,
  };
}

function printTable(rows: readonly Row[]): void {
  console.log('\nthe audit on real clusters');
  console.log(`  ${'mutant'.padEnd(40)}${'caught by'.padEnd(28)}${'runs'.padEnd(6)}time`);
  for (const r of rows) {
    const verdict = r.mutant
      ? r.caughtBy.length
        ? r.caughtBy.join(' + ')
        : 'ESCAPED'
      : r.ok
        ? 'passed (no false alarm)'
        : 'FAILED';
    console.log(`  ${r.label.padEnd(40)}${verdict.padEnd(28)}${String(r.runs).padEnd(6)}${r.seconds} s`);
  }
  for (const r of rows)
    if (r.first && (r.mutant || !r.ok))
      console.log(`  ${r.label}: ${r.first.slice(0, 200)}${r.dir ? ` (${r.dir})` : ''}`);
}

function writeSummary(o: AuditOptions, rows: readonly Row[]): string {
  const report = join(o.out, 'cluster-audit.json');
  const mutantOf = (m: Mutant) => ({ id: m.id, name: m.name, bug: m.bug, ...(m.source ? { source: m.source } : {}) });
  writeFileAtomic(
    report,
    JSON.stringify(
      {
        seconds: o.seconds,
        servers: o.servers,
        runs: o.runs,
        correctRuns: o.correctRuns,
        storage: o.loseUnsynced ? 'a simulated page cache: a SIGKILL loses unsynced writes' : 'the real file system',
        rows: rows.map((r) => ({ ...r, mutant: r.mutant ? mutantOf(r.mutant) : null })),
      },
      null,
      2,
    ) + '\n',
  );
  return report;
}

async function main(): Promise<number> {
  const o = readOptions();
  ensureDir(o.out);
  const tlc = { java: findJava(), jar: await findTlcJar({ log: (s) => console.log(s) }) };
  const rows: Row[] = [];
  for (const mutant of [...o.mutants, null]) rows.push(await auditOne(mutant, o, tlc));
  printTable(rows);
  console.log(`report: ${writeSummary(o, rows)}`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

runTool('cluster-audit', main);
