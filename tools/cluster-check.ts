// The nemesis: runs a real cluster on this machine under a seeded fault
// schedule and a client workload, then judges the run with every oracle (the
// servers' own checks, the happens-before merge of every process's trace, TLC
// on the merged trace, linearizability of the clients' history).
//   npx tsx tools/cluster-check.ts [--seconds S (30)] [--servers 3|5 (3)] [--seed N (1)]
//                                  [--clients N (3)] [--keys N (3)] [--out DIR (traces/cluster-check)]
//                                  [--faults FILE (replay a run's faults.json)]
//                                  [--attack isolated-follower|isolated-leader|flapping-follower]
//                                  [--attack isolated-behind|crashed-behind|crash-during-install|duplicated-snapshots]
//                                  [--lose-unsynced] [--no-fsync] [--disk-faults none|files|all]
//                                  [--guards both|none|pre-vote|check-quorum] [--max-entries N (2)]
//                                  [--snapshot-every N]
// --attack replaces the drawn schedule with one aimed at availability, from
// 2 s into the load to the calm end: a follower cut off throughout
// (isolated-follower), the leader cut off from the majority while clients
// keep reaching it (isolated-leader), or a follower cut off for 0.9 s in
// every 1.8 s (flapping-follower); the availability lines say what it cost.
// The other four attack compaction and need --snapshot-every (see
// src/nemesis/faults.ts: compactionSchedule): a server cut off or killed
// while the others compact past it, then back (isolated-behind,
// crashed-behind), killed again soon after each restart while its snapshot
// comes (crash-during-install), or caught up over links that duplicate and
// reorder (duplicated-snapshots).
// --guards: which of PreVote and CheckQuorum the servers run (default both,
// the servers' own default; none is the Raft paper's protocol). --max-entries:
// the most entries one AppendEntries carries (the servers' default, 2).
// --snapshot-every: each server takes a snapshot once its store applied N
// entries since its last one (default: no snapshots); a follower behind the
// leader's snapshot is sent it in chunks, and the traces are format 5.
// --lose-unsynced makes a SIGKILL lose what a server wrote to its log and did
// not sync yet (as a power cut would); --no-fsync makes the servers never
// sync, which with --lose-unsynced loses acknowledged state: the oracles
// must catch that. --disk-faults: which disk faults the drawn schedule holds
// (default all with --lose-unsynced, else files): damage to a killed server's
// write-ahead log (torn, zeroed or bit-flipped sectors), and on the simulated
// disk of --lose-unsynced an fsync that fails (EIO) and a full disk. A server
// must then recover all it made durable or refuse to start, and must stop by
// itself once its disk fails.
// The run folder DIR gets each server's trace (nX/trace.ndjson), the proxy's
// (proxy/trace.ndjson), merged.ndjson, history.json, faults.json,
// report.json and report.html (the verdicts, a timeline of the faults, the
// merged trace's space-time diagram opened at a failing event, the clients'
// operations with any non-linearizable witness marked); an earlier run's
// files there are replaced. Prints one summary
// table, what each failing oracle found, and the command that reruns the same
// fault schedule. Every process and port it starts is stopped at the end,
// also on failure or Ctrl-C. --json prints one JSON document on stdout
// ({"command", "exitCode", "result"}: report.json's content) and the lines
// above on stderr. Exits 0 if the run passed; 1 if an oracle found something,
// the run could not be judged, or it was inconclusive (nothing was found but
// no client got an answer, so the history checked nothing: report.json's
// verdict says which); 2 on wrong usage. --help prints this text.
import { readFileSync } from 'node:fs';
import {
  exitOnHelp,
  guardsFlag,
  maxEntriesFlag,
  parse,
  positiveInt,
  snapshotEveryFlag,
  UsageError,
} from '../src/cli/options.js';
import {
  ATTACKS,
  attackSchedule,
  compactionSchedule,
  COMPACTION_ATTACKS,
  type CompactionAttack,
  parseFaultSchedule,
  type Attack,
  type DiskFaults,
  type FaultSchedule,
} from '../src/nemesis/faults.js';
import { checkRunFolder, DEFAULT_GUARDS, formatClusterReport, runClusterCheck } from '../src/nemesis/run.js';
import { findJava, findTlcJar } from '../src/tlc/jar.js';
import { writeClusterReportPage } from '../src/report/cluster-report.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

/** --disk-faults, checked against the storage it needs; undefined when a --faults file says. */
function diskFaultsFlag(values: Record<string, string | undefined>, loseUnsynced: boolean): DiskFaults | undefined {
  const d = values['disk-faults'];
  if (d === undefined) return undefined;
  if (!['none', 'files', 'all'].includes(d))
    throw new UsageError(`--disk-faults must be none, files or all, got ${JSON.stringify(d)}`);
  if (d === 'all' && !loseUnsynced)
    throw new UsageError(
      '--disk-faults all needs --lose-unsynced: an fsync that fails and a full disk are simulated there',
    );
  if (values.faults) throw new UsageError('--disk-faults comes from the --faults file; leave it out');
  return d as DiskFaults;
}

/** The schedule of --attack NAME, or undefined without it. */
function attackFlag(
  values: Record<string, string | undefined>,
  seed: number,
  seconds: number,
  servers: number,
): FaultSchedule | undefined {
  const a = values.attack;
  if (a === undefined) return undefined;
  const compaction = COMPACTION_ATTACKS.includes(a as CompactionAttack);
  if (!ATTACKS.includes(a as Attack) && !compaction)
    throw new UsageError(
      `--attack must be one of ${[...ATTACKS, ...COMPACTION_ATTACKS].join(', ')}, got ${JSON.stringify(a)}`,
    );
  if (values.faults) throw new UsageError('give --attack or --faults, not both');
  if (values['disk-faults']) throw new UsageError('--attack has no disk faults; leave --disk-faults out');
  if (compaction && !values['snapshot-every'])
    throw new UsageError(`--attack ${a} attacks compaction: give --snapshot-every N too`);
  return compaction
    ? compactionSchedule(a as CompactionAttack, seed, seconds, servers)
    : attackSchedule(a as Attack, seed, seconds, servers);
}

/** The schedule of a --faults file, or undefined; its seconds, servers and seed are not to be given again. */
function faultsFile(values: Record<string, string | undefined>): FaultSchedule | undefined {
  if (!values.faults) return undefined;
  let text: string;
  try {
    text = readFileSync(values.faults, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--faults ${values.faults}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  const faults = parseFaultSchedule(values.faults, text);
  for (const flag of ['seconds', 'servers', 'seed'] as const)
    if (values[flag]) throw new UsageError(`--${flag} comes from the --faults file; leave it out`);
  return faults;
}

/** What the rerun command must repeat besides the schedule. */
function rerunFlags(
  values: Record<string, string | undefined>,
  o: { clients: number; keys: number; loseUnsynced: boolean; fsync: boolean; diskFaults: DiskFaults | undefined },
): string {
  return [
    ...(o.clients !== 3 ? [`--clients ${o.clients}`] : []),
    ...(o.keys !== 3 ? [`--keys ${o.keys}`] : []),
    ...(o.loseUnsynced ? ['--lose-unsynced'] : []),
    ...(o.fsync ? [] : ['--no-fsync']),
    ...(o.diskFaults && !values.faults ? [`--disk-faults ${o.diskFaults}`] : []),
    ...(values.attack ? [`--attack ${values.attack}`] : []),
    ...(values.guards && values.guards !== 'both' ? [`--guards ${values.guards}`] : []),
    ...(values['max-entries'] ? [`--max-entries ${values['max-entries']}`] : []),
    ...(values['snapshot-every'] ? [`--snapshot-every ${values['snapshot-every']}`] : []),
  ].join(' ');
}

/** The servers' own options: entries per AppendEntries and the snapshot policy, each only when given. */
function serverOptions(values: Record<string, string | undefined>): {
  maxEntriesPerMessage?: number;
  snapshotEvery?: number;
} {
  const maxEntries = maxEntriesFlag(values['max-entries']);
  const snapshotEvery = snapshotEveryFlag(values['snapshot-every']);
  return {
    ...(maxEntries ? { maxEntriesPerMessage: maxEntries } : {}),
    ...(snapshotEvery ? { snapshotEvery } : {}),
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parse(
    process.argv.slice(2),
    [
      'seconds',
      'servers',
      'seed',
      'clients',
      'keys',
      'out',
      'faults',
      'attack',
      'lose-unsynced',
      'no-fsync',
      'disk-faults',
      'guards',
      'max-entries',
      'snapshot-every',
    ],
    ['lose-unsynced', 'no-fsync'],
  );
  const fsync = values['no-fsync'] !== 'true';
  const loseUnsynced = values['lose-unsynced'] === 'true';
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const diskFaults = diskFaultsFlag(values, loseUnsynced);
  const file = faultsFile(values);
  const seconds = file?.seconds ?? positiveInt('seconds', values.seconds, 30);
  const servers = file?.servers ?? positiveInt('servers', values.servers, 3);
  const seed = file?.seed ?? positiveInt('seed', values.seed, 1);
  const faults = file ?? attackFlag(values, seed, seconds, servers);
  if (servers !== 3 && servers !== 5)
    throw new UsageError(
      `--servers must be 3 or 5 (the cluster sizes the trace checker's spec models), got ${servers}`,
    );
  if (seconds < 3 || seconds > 3600) throw new UsageError(`--seconds must be in 3..3600, got ${seconds}`);
  const guards = guardsFlag(values.guards, DEFAULT_GUARDS);
  const serverFlags = serverOptions(values);
  const clients = positiveInt('clients', values.clients, 3);
  const keys = positiveInt('keys', values.keys, 3);
  if (clients > 64) throw new UsageError(`--clients must be at most 64, got ${clients}`);
  const dir = values.out ?? 'traces/cluster-check';
  checkRunFolder(dir);
  const flags = rerunFlags(values, { clients, keys, loseUnsynced, fsync, diskFaults });
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  const report = await runClusterCheck({
    dir,
    servers,
    seconds,
    seed,
    clients,
    keys,
    ...(faults ? { faults } : {}),
    fsync,
    loseUnsynced,
    ...(diskFaults ? { diskFaults } : {}),
    guards,
    ...serverFlags,
    tlc: { java, jar },
    say: (line) => console.log(line),
    rerun: values.faults
      ? `npx tsx tools/cluster-check.ts --faults ${values.faults} --out ${dir}${flags ? ` ${flags}` : ''}`
      : `make cluster-check SECONDS=${seconds} SERVERS=${servers} SEED=${seed}${dir === 'traces/cluster-check' ? '' : ` CHECK_DIR=${dir}`}${flags ? ` CLUSTER_CHECK_FLAGS='${flags}'` : ''}`,
  });
  writeClusterReportPage(report);
  console.log(formatClusterReport(report).join('\n'));
  reportJson(report);
  return report.verdict === 'passed' ? 0 : 1;
}

runTool('cluster-check', main);
