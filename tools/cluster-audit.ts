// The audit on real clusters (make audit MODE=cluster): for a few mutants of
// src/audit/catalogues/mutants.json (protocol bugs) and of
// src/audit/catalogues/server-mutants.json (bugs in answering clients, which only
// the clients' history shows), run real server processes built from a
// scratch copy of the project with that bug, under the nemesis
// (src/nemesis/run.ts), until an oracle catches it or the runs run out; then
// run the correct servers the same way, which must pass. Reports which
// oracle caught each mutant: the servers' own checks, the happens-before
// merge, TLC on the merged trace, or linearizability of the clients' history.
//   npx tsx tools/cluster-audit.ts [--mutants ID,NAME,... (1,2,5,6,7,8,101-113)] [--runs N (3)] [--correct-runs N (1)]
//                                  [--repeats R (2)] [--seconds S (15)] [--servers 3|5 (3)] [--out DIR (traces/cluster-audit)] [--keep-unsynced]
// --runs and --correct-runs count seeds; each seed runs --repeats times: the
// seed fixes the fault schedule, not the processes' timing, so a catch is
// reported with how many runs of its seed caught it, and an escape with the
// number of runs behind it.
// The servers run on a simulated page cache (a SIGKILL loses what was not
// synced) and meet every disk fault (damaged logs, a failing fsync, a full
// disk), so that bugs in the write-ahead log show; --keep-unsynced runs them
// on the real file system, with damage to files only.
// Each run's folder is DIR/<mutant>/seed-<N>-run-<R>/ (seed-<N>/ with --repeats 1; see make cluster-check,
// whose report.html each gets), and
// the summary goes to DIR/cluster-audit.json and DIR/cluster-audit.html (a
// link from each row to its run's page). --json prints one JSON document
// on stdout ({"command", "exitCode", "result"}: that summary) and the lines
// above on stderr. Exits 1 if a mutant escapes or the correct servers fail;
// 2 on wrong usage. --help prints this text.
import { join } from 'node:path';
import { loadMutants, loadServerMutants, scratchCopy, SERVER_COPY_PARTS, type Mutant } from '../src/audit/mutants.js';
import { removeTempDir } from '../src/files/cleanup.js';
import { ensureDir } from '../src/files/output-path.js';
import { runClusterCheck, type ClusterCheckOptions, type ClusterCheckReport } from '../src/nemesis/run.js';
import type { ClusterOracle } from '../src/verdict/oracles.js';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { clip } from '../src/cli/clip.js';
import { findJava, findTlcJar } from '../src/tlc/jar.js';
import { clusterAuditHtml, writeClusterReportPage } from '../src/report/cluster-report.js';
import { writeFileAtomic } from '../src/files/writes.js';
import { runTool } from '../src/cli/run-tool.js';
import { paintVerdict, reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

/** The oracles that count as catching a bug: a run that merely got no answers does not. */
const CATCHING: readonly ClusterOracle[] = ['server', 'disk', 'messages', 'merge', 'tlc', 'linearizability'];
const DEFAULT_MUTANTS = '1,2,5,6,7,8,101,102,103,104,105,106,107,108,109,110,111,112,113';

/**
 * What the servers of one row run: a mutant (null: the correct servers), and
 * the snapshot policy (a mutant's own; the correct servers run once without
 * snapshots and, when a chosen mutant takes them, once more with them).
 */
interface Subject {
  readonly mutant: Mutant | null;
  readonly snapshotEvery: number;
}

const labelOf = (s: Subject) =>
  s.mutant
    ? `${s.mutant.id} ${s.mutant.name}`
    : `correct servers${s.snapshotEvery ? ` (snapshots every ${s.snapshotEvery})` : ''}`;

interface Row {
  readonly label: string;
  readonly mutant: Mutant | null;
  /** Runs done in all, and how many of them an oracle caught (a mutant: of the seed that caught it). */
  readonly runs: number;
  readonly caughtIn: number;
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
  /** Runs of each seed. */
  readonly repeats: number;
  readonly seconds: number;
  readonly servers: number;
  readonly out: string;
  readonly loseUnsynced: boolean;
}

function readOptions(): AuditOptions {
  const { values, positionals } = parse(
    process.argv.slice(2),
    ['mutants', 'runs', 'correct-runs', 'repeats', 'seconds', 'servers', 'out', 'keep-unsynced'],
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
    repeats: positiveInt('repeats', values.repeats, 2),
    seconds,
    servers,
    out: values.out ?? 'traces/cluster-audit',
    loseUnsynced: values['keep-unsynced'] !== 'true',
  };
}

/** One run under the nemesis: servers with `mutant` (null: the correct ones), seed `seed`, repeat `repeat`. */
async function runOnce(
  subject: Subject,
  o: AuditOptions,
  tlc: ClusterCheckOptions['tlc'],
  copy: string,
  seed: number,
  repeat: number,
): Promise<ClusterCheckReport> {
  const { mutant, snapshotEvery } = subject;
  const label = labelOf(subject);
  const folder = mutant ? mutant.name : snapshotEvery ? 'correct-snapshots' : 'correct';
  const dir = join(o.out, folder, `seed-${seed}${o.repeats > 1 ? `-run-${repeat}` : ''}`);
  console.log(`${label}: seed ${seed}, run ${repeat} of ${o.repeats} (${o.seconds} s) in ${dir}`);
  const report = await runClusterCheck({
    dir,
    servers: o.servers,
    seconds: o.seconds,
    seed,
    projectRoot: copy,
    loseUnsynced: o.loseUnsynced,
    ...(snapshotEvery ? { snapshotEvery } : {}),
    tlc,
    rerun: `npx tsx tools/cluster-audit.ts --mutants ${mutant ? mutant.id : '(none)'} --seconds ${o.seconds}${o.loseUnsynced ? '' : ' --keep-unsynced'}`,
  });
  writeClusterReportPage(report);
  for (const f of report.findings) console.log(`  ${f.oracle}: ${f.what}`);
  return report;
}

const catches = (r: ClusterCheckReport) => r.findings.some((f) => CATCHING.includes(f.oracle));

/**
 * Runs servers with `mutant` (null: the correct ones) under the nemesis,
 * seed after seed, each seed `repeats` times (the processes' timing is real,
 * so a seed's faults meet another interleaving each time): a mutant until an
 * oracle catches it (the seed that caught it is run to its last repeat, to
 * say how often it does) or its seeds run out; the correct servers for all
 * their seeds, every run of which must pass.
 */
async function auditOne(subject: Subject, o: AuditOptions, tlc: ClusterCheckOptions['tlc']): Promise<Row> {
  const mutant = subject.mutant;
  const label = labelOf(subject);
  const copy = scratchCopy(mutant, SERVER_COPY_PARTS);
  const t0 = performance.now();
  let caught: ClusterCheckReport | null = null;
  let last: ClusterCheckReport | null = null;
  let done = 0;
  let caughtIn = 0;
  let failed = 0;
  try {
    for (let seed = 1; seed <= (mutant ? o.runs : o.correctRuns) && !caught; seed++) {
      for (let repeat = 1; repeat <= o.repeats; repeat++) {
        last = await runOnce(subject, o, tlc, copy, seed, repeat);
        done++;
        if (catches(last)) caughtIn++;
        if (catches(last) && !caught) caught = last;
        if (last.verdict !== 'passed') failed++;
      }
    }
  } finally {
    removeTempDir(copy);
  }
  const caughtBy = caught ? [...new Set(caught.findings.map((f) => f.oracle).filter((x) => CATCHING.includes(x)))] : [];
  const ok = mutant ? caught !== null : done > 0 && failed === 0;
  const seedRuns = caught ? `${caughtIn} of the ${o.repeats} runs of seed ${caught.seed}` : '';
  console.log(
    `${label}: ${mutant ? (caught ? `caught by ${caughtBy.join(' + ')} in ${seedRuns} (${done} runs in all)` : `ESCAPED ${done} runs`) : ok ? `passed ${done} runs` : `FAILED ${failed} of ${done} runs`}`,
  );
  return {
    label,
    mutant,
    runs: done,
    caughtIn,
    seconds: Math.round((performance.now() - t0) / 1000),
    caughtBy,
    first: (caught ?? last)?.findings[0]?.what ?? null,
    dir: (caught ?? last)?.dir ?? null,
    ok,
  };
}

function printTable(rows: readonly Row[], repeats: number): void {
  console.log('\nthe audit on real clusters');
  // caught by: the oracles, and in how many of its seed's runs; runs: in all.
  console.log(`  ${'mutant'.padEnd(40)}${'caught by (runs of its seed)'.padEnd(36)}${'runs'.padEnd(6)}time`);
  for (const r of rows) {
    const verdict = r.mutant
      ? r.caughtBy.length
        ? `${r.caughtBy.join(' + ')} (${r.caughtIn}/${repeats})`
        : 'ESCAPED'
      : r.ok
        ? 'passed (no false alarm)'
        : 'FAILED';
    const good = r.mutant ? r.caughtBy.length > 0 : r.ok;
    console.log(
      `  ${r.label.padEnd(40)}${paintVerdict(verdict.padEnd(36), good)}${String(r.runs).padEnd(6)}${r.seconds} s`,
    );
  }
  for (const r of rows)
    if (r.first && (r.mutant || !r.ok)) console.log(`  ${r.label}: ${clip(r.first, 200)}${r.dir ? ` (${r.dir})` : ''}`);
}

function writeSummary(o: AuditOptions, rows: readonly Row[]): string {
  const report = join(o.out, 'cluster-audit.json');
  const mutantOf = (m: Mutant) => ({ id: m.id, name: m.name, bug: m.bug, ...(m.source ? { source: m.source } : {}) });
  const summary = {
    seconds: o.seconds,
    servers: o.servers,
    runs: o.runs,
    correctRuns: o.correctRuns,
    repeats: o.repeats,
    storage: o.loseUnsynced ? 'a simulated page cache: a SIGKILL loses unsynced writes' : 'the real file system',
    rows: rows.map((r) => ({ ...r, mutant: r.mutant ? mutantOf(r.mutant) : null })),
  };
  writeFileAtomic(report, JSON.stringify(summary, null, 2) + '\n');
  const page = rows.map((r) => ({ ...r, isMutant: r.mutant !== null }));
  writeFileAtomic(join(o.out, 'cluster-audit.html'), clusterAuditHtml(o.out, page, o.repeats));
  reportJson(summary);
  return report;
}

async function main(): Promise<number> {
  const o = readOptions();
  ensureDir(o.out);
  const tlc = { java: findJava(), jar: await findTlcJar({ log: (s) => console.log(s) }) };
  const rows: Row[] = [];
  const snapshotEvery = o.mutants.find((m) => m.snapshotEvery)?.snapshotEvery ?? 0;
  const subjects: Subject[] = [
    ...o.mutants.map((m) => ({ mutant: m, snapshotEvery: m.snapshotEvery ?? 0 })),
    { mutant: null, snapshotEvery: 0 },
    ...(snapshotEvery ? [{ mutant: null, snapshotEvery }] : []),
  ];
  for (const subject of subjects) rows.push(await auditOne(subject, o, tlc));
  printTable(rows, o.repeats);
  console.log(
    `report: ${writeSummary(o, rows)} and cluster-audit.html beside it (each run's report.html in its folder)`,
  );
  return rows.every((r) => r.ok) ? 0 : 1;
}

runTool('cluster-audit', main);
