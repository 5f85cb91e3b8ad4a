// One nemesis run against a real cluster (make cluster-check): start the
// network proxy and the servers, run the client workload while the fault
// schedule strikes, stop everything, then judge the run with every oracle:
//   - the servers' own checks (a server that ended by itself, e.g. exit 70);
//   - merge: the servers' and the proxy's traces, ordered by happens-before
//     (src/trace/merge.ts); a trace that cannot be merged fails the run;
//   - TLC: the merged trace must be a behaviour of spec/Raft.tla;
//   - linearizability of the clients' history (src/history/linearizability.ts).
// Everything lands in the run folder: each process's trace, merged.ndjson,
// history.json, faults.json (the schedule: a rerun with it attacks the same
// way), report.json, and the servers' logs. The run passes only if every
// oracle ran and found nothing, and the clients got answers to check.
import type { Guards } from '../raft/types.js';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkTraces } from '../check/trace-checker.js';
import { formatDiagnosis, type Diagnosis } from '../verdict/diagnosis.js';
import { checkLinearizability, describeOperation, type Operation } from '../history/linearizability.js';
import { ensureDir } from '../files/output-path.js';
import { LocalCluster, freePorts } from '../server/local-cluster.js';
import type { JavaRuntime, TlcJar } from '../tlc/jar.js';
import { MergeError, mergeTraceFiles, writeMergedTrace } from '../trace/merge.js';
import { writeFileAtomic } from '../files/writes.js';
import { CALM_MS, generateFaults, type DiskFaults, type FaultSchedule } from './faults.js';
import { Nemesis, type AppliedFault } from './nemesis.js';
import { NetworkProxy, routesOn, type ProxyStats } from './proxy.js';
import { runWorkload } from './workload.js';
import { availabilityOf, describeAvailability, type Availability } from './availability.js';
import { accountMessages, describeLosses, GRACE_MS, readsIn, type Unconsumed } from './accounting.js';
import type { ClusterOracle } from '../verdict/oracles.js';
import { BadInputError } from '../errors/harness-error.js';

export interface ClusterCheckOptions {
  readonly dir: string;
  readonly servers: number;
  readonly seconds: number;
  readonly seed: number;
  readonly clients?: number;
  readonly keys?: number;
  /** Replay this schedule instead of drawing one from the seed. */
  readonly faults?: FaultSchedule;
  /** The project copy whose server the cluster runs (the audit's mutants); default this one. */
  readonly projectRoot?: string;
  /** false: the servers never fsync their write-ahead logs (to see the oracles catch it). */
  readonly fsync?: boolean;
  /** A SIGKILL loses the servers' unsynced writes (ClusterConfig.loseUnsynced). */
  readonly loseUnsynced?: boolean;
  /** Which disk faults a drawn schedule holds (default: all on a simulated disk, else damage to files). */
  readonly diskFaults?: DiskFaults;
  /** PreVote and CheckQuorum in the servers (default: both on, the servers' own default). */
  readonly guards?: Guards;
  /** Entries per AppendEntries in the servers (default: theirs). */
  readonly maxEntriesPerMessage?: number;
  /** The servers' snapshot policy: a snapshot every this many applied entries (default: none). */
  readonly snapshotEvery?: number;
  readonly tlc: { readonly java: JavaRuntime; readonly jar: TlcJar };
  readonly tlcTimeoutMs?: number;
  readonly say?: (line: string) => void;
  /** How to rerun this run, for the report (default: the make command). */
  readonly rerun?: string;
}

/** The real servers' default: both guards on. */
export const DEFAULT_GUARDS: Guards = { preVote: true, checkQuorum: true };

export function describeGuards(g: Guards): string {
  return `PreVote ${g.preVote ? 'on' : 'off'}, CheckQuorum ${g.checkQuorum ? 'on' : 'off'}`;
}

export interface ClusterFinding {
  readonly oracle: ClusterOracle;
  /** One line; details follow in `lines`. */
  readonly what: string;
  readonly lines: readonly string[];
}

export interface ClusterCheckReport {
  /**
   * failed: an oracle found something; inconclusive: none did, but the
   * clients' history checked nothing (no command was answered: the faults
   * kept every client from the cluster); passed otherwise.
   */
  readonly verdict: 'passed' | 'failed' | 'inconclusive';
  readonly findings: readonly ClusterFinding[];
  /** Why the run is inconclusive, or null. */
  readonly inconclusive: string | null;
  readonly seed: number;
  readonly seconds: number;
  readonly servers: number;
  /** How the servers store their logs: fsync on or off; whether a SIGKILL loses unsynced writes. */
  readonly storage: { readonly fsync: boolean; readonly loseUnsynced: boolean };
  /** The servers' PreVote and CheckQuorum. */
  readonly guards: Guards;
  readonly dir: string;
  readonly rerun: string;
  readonly faults: { readonly planned: number; readonly file: string; readonly applied: readonly AppliedFault[] };
  readonly workload: {
    readonly clients: number;
    readonly keys: number;
    readonly ok: number;
    readonly indefinite: number;
    readonly failed: number;
    readonly failures: Readonly<Record<string, number>>;
  };
  readonly proxy: ProxyStats;
  /** Elections, stretches without an answer, and how the clients' commands fared (src/nemesis/availability.ts). */
  readonly availability: Availability;
  /** The message account (src/nemesis/accounting.ts): delivered to live servers, consumed, excused, lost inside a process. */
  readonly messages: {
    readonly delivered: number;
    readonly accountable: number;
    readonly consumed: number;
    readonly excused: number;
    readonly lost: number;
    readonly firstLost: readonly Unconsumed[];
  };
  readonly traces: {
    readonly files: ReadonlyArray<{ readonly file: string; readonly events: number }>;
    readonly merged: string | null;
    readonly events: number;
    readonly unreceived: number;
    readonly mergeMs: number;
  };
  readonly tlc: {
    readonly verdict: 'accepted' | 'rejected' | 'error' | 'not run';
    readonly lines: readonly string[];
    /** For a rejection: the diagnosis of the merged trace's failing event (its report page opens there). */
    readonly diagnosis?: Diagnosis;
    readonly ms: number;
  };
  readonly linearizability: {
    readonly verdict: 'linearizable' | 'not linearizable';
    readonly operations: number;
    readonly keys: ReadonlyArray<{ readonly key: string; readonly operations: number; readonly linearizable: boolean }>;
    readonly witness: readonly string[];
    readonly ms: number;
  };
  readonly wallMs: number;
}

export class RunFolderError extends BadInputError {}

const OURS = /^(n[1-9][0-9]*|proxy|cluster\.json|faults\.json|history\.json|merged\.ndjson|report\.json|report\.html)$/;

/** Refuses a run folder that is not a folder, or holds files no run wrote (they would be deleted). */
export function checkRunFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory())
    throw new RunFolderError(`${dir}: not a folder; name a new or empty folder for the run`);
  const strangers = readdirSync(dir).filter((f) => !OURS.test(f));
  if (strangers.length)
    throw new RunFolderError(
      `${dir}: holds ${strangers[0]}, which no cluster-check run wrote; name a new or empty folder for the run`,
    );
}

/**
 * Clears a run folder of an earlier run's files (after checkRunFolder),
 * unless servers of that run still run there: they would write into the new
 * run's files and hold its ports.
 */
async function prepareRunFolder(dir: string): Promise<void> {
  checkRunFolder(dir);
  const left = await LocalCluster.leftovers(dir);
  if (left.length) {
    const which = left.map((s) => `${s.id} (pid ${s.pid})`).join(', ');
    throw new RunFolderError(
      `${dir}: ${which} of an earlier run still ${left.length === 1 ? 'runs' : 'run'} with this folder's config; stop ${left.length === 1 ? 'it' : 'them'} (make cluster-down CLUSTER_DIR=${dir}) or name another folder`,
    );
  }
  ensureDir(dir);
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
}

function lastLine(file: string): string {
  if (!existsSync(file)) return '(no log)';
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

function countEvents(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, 'utf8');
  let n = 0;
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) n++;
  return Math.max(0, n - 1);
}

/** What the attack left to judge: the cluster and proxy it ran, the clients' results, and what went wrong meanwhile. */
interface Attacked {
  readonly cluster: LocalCluster;
  readonly proxy: NetworkProxy;
  readonly nemesis: Nemesis;
  readonly proxyTrace: string;
  readonly workload: Awaited<ReturnType<typeof runWorkload>>;
}

/** The disk faults a run draws: the live ones need servers on a simulated disk. */
export function diskFaultsOf(o: Pick<ClusterCheckOptions, 'diskFaults' | 'loseUnsynced'>): DiskFaults {
  return o.diskFaults ?? (o.loseUnsynced ? 'all' : 'files');
}

export async function runClusterCheck(o: ClusterCheckOptions): Promise<ClusterCheckReport> {
  const say = o.say ?? (() => {});
  const started = performance.now();
  await prepareRunFolder(o.dir);
  const schedule = o.faults ?? generateFaults(o.seed, o.seconds, o.servers, diskFaultsOf(o));
  const faultsFile = join(o.dir, 'faults.json');
  writeFileSync(faultsFile, JSON.stringify(schedule, null, 2) + '\n');
  const findings: ClusterFinding[] = [];
  const attacked = await attack(o, schedule, findings, say);
  const files = [
    ...attacked.cluster.ids.map((id) => join(attacked.cluster.dataDir(id), 'trace.ndjson')),
    attacked.proxyTrace,
  ];
  const messages = messageStep(attacked, findings);
  const merge = mergeStep(o.dir, files, findings, say);
  const tlc = merge.merged ? await tlcStep(o, merge.file, merge.merged, findings, say) : NOT_RUN;
  const lin = linearizabilityStep(o.dir, attacked.workload.history, findings);
  const report = assembleReport(o, schedule, faultsFile, attacked, findings, {
    files,
    messages,
    merge,
    tlc,
    lin,
    started,
  });
  writeFileAtomic(join(o.dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** Starts the servers and the proxy, elects a leader, runs the fault schedule under client load, and stops everything. */
async function attack(
  o: ClusterCheckOptions,
  schedule: FaultSchedule,
  findings: ClusterFinding[],
  say: (line: string) => void,
): Promise<Attacked> {
  const { cluster, proxy, proxyTrace, links } = await setUp(o, schedule);
  const nemesis = new Nemesis(schedule, cluster, proxy);
  let workload: Awaited<ReturnType<typeof runWorkload>> = {
    history: [],
    attempts: [],
    ok: 0,
    indefinite: 0,
    failed: 0,
    failures: {},
  };
  try {
    for (const id of cluster.ids) cluster.start(id);
    say(`started ${cluster.ids.length} servers and the network proxy (${links} links) in ${o.dir}`);
    const leader = await cluster.waitForLeader(30_000).catch((err: Error) => {
      findings.push({ oracle: 'server', what: `no leader was elected before the attack: ${err.message}`, lines: [] });
      return null;
    });
    if (leader) workload = await underFaults(o, schedule, cluster, nemesis, leader, say);
  } finally {
    await nemesis.healAll();
    // Servers that ended by themselves: their own checks, or a crash.
    for (const e of cluster.exits) {
      const log = join(cluster.dataDir(e.id), 'server.log');
      findings.push({
        oracle: 'server',
        what: `${e.id} ended by itself (${e.signal ?? `exit code ${e.code}`}): ${lastLine(log)}`,
        lines: [`see ${log}`],
      });
    }
    proxy.hold();
    await cluster.stopAll();
    await proxy.close();
  }
  for (const f of nemesis.diskFindings) findings.push({ oracle: 'disk', what: f.what, lines: f.lines });
  for (const a of nemesis.applied)
    if (a.kind === 'failed')
      findings.push({
        oracle: 'nemesis',
        what: `at ${a.at} ms: ${a.what}: the attack did not go as scheduled`,
        lines: [],
      });
  return { cluster, proxy, nemesis, proxyTrace, workload };
}

/** The cluster (not started yet) and the network proxy between its servers, on free loopback ports. */
async function setUp(o: ClusterCheckOptions, schedule: FaultSchedule) {
  const links = schedule.servers * (schedule.servers - 1);
  const ids = Array.from({ length: schedule.servers }, (_, k) => `n${k + 1}`);
  const routes = routesOn(ids, await freePorts(links));
  // Heartbeats every 100 ms (not 60): TLC's time per event grows with the
  // log, so a run's trace is kept to what its faults and clients make.
  const cluster = await LocalCluster.create({
    dir: o.dir,
    servers: schedule.servers,
    routes,
    seed: schedule.seed,
    heartbeatMs: 100,
    electionTimeoutMs: { min: 500, max: 1000 },
    lifetimeSeconds: schedule.seconds + 600,
    // The servers keep a client's request as long as the patient client waits.
    requestTimeoutMs: PATIENT_MS,
    ...(o.projectRoot ? { projectRoot: o.projectRoot } : {}),
    ...(o.fsync === false ? { fsync: false } : {}),
    ...(o.loseUnsynced ? { loseUnsynced: true } : {}),
    ...(o.guards ? { guards: o.guards } : {}),
    ...(o.maxEntriesPerMessage ? { maxEntriesPerMessage: o.maxEntriesPerMessage } : {}),
    ...(o.snapshotEvery ? { snapshotEvery: o.snapshotEvery } : {}),
  });
  ensureDir(join(o.dir, 'proxy'));
  const proxyTrace = join(o.dir, 'proxy', 'trace.ndjson');
  const proxy = await NetworkProxy.start({
    members: cluster.config.members,
    routes,
    tracePath: proxyTrace,
    seed: schedule.seed,
    maxEntriesPerMessage: cluster.config.maxEntriesPerMessage,
    snapshotEvery: cluster.config.snapshotEvery,
  });
  return { cluster, proxy, proxyTrace, links };
}

/** The clients' load for the schedule's seconds, while the nemesis applies its faults. */
async function underFaults(
  o: ClusterCheckOptions,
  schedule: FaultSchedule,
  cluster: LocalCluster,
  nemesis: Nemesis,
  leader: string,
  say: (line: string) => void,
): Promise<Awaited<ReturnType<typeof runWorkload>>> {
  const clients = o.clients ?? 3;
  const keys = o.keys ?? 3;
  say(
    `leader ${leader}; attacking for ${schedule.seconds} s: ${schedule.faults.length} faults, ${clients} clients on ${keys} keys`,
  );
  const origin = performance.now();
  nemesis.begin();
  const workload = await runWorkload({
    servers: cluster.clientUrls,
    clients,
    keys,
    seed: schedule.seed,
    origin,
    until: origin + schedule.seconds * 1000,
    // About 10 commands a second in all: each adds an entry to the log.
    thinkMs: [100, 400],
    commandTimeoutMs: Math.min(4000, CALM_MS + 1000),
    patientMs: PATIENT_MS,
  });
  say(`workload done: ${workload.ok} answered, ${workload.indefinite} without an answer, ${workload.failed} failed`);
  return workload;
}

/** Every message the proxy delivered to a live server, held against that server's reads; a loss is the message oracle's finding. */
function messageStep(attacked: Attacked, findings: ClusterFinding[]): ClusterCheckReport['messages'] {
  const { cluster, proxy, nemesis } = attacked;
  const reads = new Map(cluster.ids.map((id) => [id, readsIn(join(cluster.dataDir(id), 'trace.ndjson'))]));
  const account = accountMessages(proxy.deliveries, reads, nemesis.pauses, proxy.startedAt);
  for (const f of describeLosses(account.lost)) findings.push({ oracle: 'messages', ...f });
  const { lost, ...counts } = account;
  return { ...counts, lost: lost.length, firstLost: lost.slice(0, 20) };
}

/** The servers' and the proxy's traces merged by happens-before into DIR/merged.ndjson, or the merge oracle's finding. */
function mergeStep(dir: string, files: readonly string[], findings: ClusterFinding[], say: (line: string) => void) {
  const file = join(dir, 'merged.ndjson');
  let merged: ReturnType<typeof mergeTraceFiles> | null = null;
  const t0 = performance.now();
  try {
    merged = mergeTraceFiles([...files]);
    writeMergedTrace(file, merged);
  } catch (err) {
    if (!(err instanceof MergeError)) throw err;
    findings.push({ oracle: 'merge', what: err.message, lines: [] });
  }
  const ms = performance.now() - t0;
  say(merged ? `merged ${merged.events.length} events from ${files.length} traces` : 'the traces could not be merged');
  return { file, merged, ms };
}

const NOT_RUN: ClusterCheckReport['tlc'] = { verdict: 'not run', lines: [], ms: 0 };

/**
 * How long the workload's patient client waits for an answer, and the
 * servers keep its request: a partition lasts 2.5 s at most, and a leader
 * cut off by it learns what became of its entries within a few heartbeats
 * of the heal.
 */
const PATIENT_MS = 10_000;

/** TLC's verdict on the merged trace; a rejection or an error is the TLC oracle's finding. */
async function tlcStep(
  o: ClusterCheckOptions,
  mergedFile: string,
  merged: ReturnType<typeof mergeTraceFiles>,
  findings: ClusterFinding[],
  say: (line: string) => void,
): Promise<ClusterCheckReport['tlc']> {
  say(`checking the merged trace with TLC`);
  const t0 = performance.now();
  const fromHere = relative(process.cwd(), mergedFile);
  const rel = fromHere && !fromHere.startsWith('..') ? fromHere : mergedFile;
  const r = await checkTraces([{ file: rel, header: merged.header, events: merged.events }], {
    ...o.tlc,
    timeoutMs: o.tlcTimeoutMs ?? 1_800_000,
    onBatchDone: (done, total) =>
      say(`  TLC: ${done} of ${total} runs done, ${((performance.now() - t0) / 1000).toFixed(0)} s`),
  });
  const v = r.verdicts[0]!;
  const ms = performance.now() - t0;
  if (v.status === 'accepted') return { verdict: 'accepted', lines: [], ms };
  if (v.status === 'rejected') {
    const lines = formatDiagnosis(rel, v.diagnosis);
    findings.push({ oracle: 'tlc', what: lines[0]!, lines: lines.slice(1) });
    return { verdict: 'rejected', lines, diagnosis: v.diagnosis, ms };
  }
  findings.push({ oracle: 'tlc', what: `TLC could not check the merged trace: ${v.message}`, lines: [] });
  return { verdict: 'error', lines: [v.message], ms };
}

/** The clients' history, written to DIR/history.json and checked for linearizability; a violation is that oracle's finding, with its witness. */
function linearizabilityStep(dir: string, history: Operation[], findings: ClusterFinding[]) {
  writeFileSync(join(dir, 'history.json'), JSON.stringify(history, null, 1) + '\n');
  const t0 = performance.now();
  const lin = checkLinearizability(history);
  const ms = performance.now() - t0;
  const witness = lin.keys
    .filter((k) => !k.linearizable)
    .flatMap((k) => [
      `key ${k.key}: these ${k.witness!.length} operations cannot be ordered (times: ms since the workload started):`,
      ...k.witness!.map((op) => `  ${describeOperation(op)}`),
    ]);
  if (!lin.linearizable)
    findings.push({
      oracle: 'linearizability',
      what: `the clients' history is not linearizable (${lin.keys
        .filter((k) => !k.linearizable)
        .map((k) => k.key)
        .join(', ')})`,
      lines: witness,
    });
  return { lin, witness, ms };
}

function assembleReport(
  o: ClusterCheckOptions,
  schedule: FaultSchedule,
  faultsFile: string,
  { nemesis, proxy, workload }: Attacked,
  findings: ClusterFinding[],
  judged: {
    readonly files: readonly string[];
    readonly messages: ClusterCheckReport['messages'];
    readonly merge: ReturnType<typeof mergeStep>;
    readonly tlc: ClusterCheckReport['tlc'];
    readonly lin: ReturnType<typeof linearizabilityStep>;
    readonly started: number;
  },
): ClusterCheckReport {
  const { files, messages, merge, tlc, lin, started } = judged;
  const merged = merge.merged;
  // Not a finding (the servers did nothing wrong), and not a pass: the history judged nothing.
  const inconclusive =
    workload.ok === 0
      ? 'no client command was answered, so the history checks nothing (the protocol steps were still judged by TLC)'
      : null;
  return {
    verdict: findings.length ? 'failed' : inconclusive ? 'inconclusive' : 'passed',
    findings,
    inconclusive,
    seed: schedule.seed,
    seconds: schedule.seconds,
    servers: schedule.servers,
    storage: { fsync: o.fsync !== false, loseUnsynced: o.loseUnsynced === true },
    guards: o.guards ?? DEFAULT_GUARDS,
    dir: o.dir,
    rerun:
      o.rerun ?? `make cluster-check SECONDS=${schedule.seconds} SERVERS=${schedule.servers} SEED=${schedule.seed}`,
    faults: { planned: schedule.faults.length, file: faultsFile, applied: nemesis.applied },
    workload: {
      clients: o.clients ?? 3,
      keys: o.keys ?? 3,
      ok: workload.ok,
      indefinite: workload.indefinite,
      failed: workload.failed,
      failures: workload.failures,
    },
    proxy: { ...proxy.stats },
    availability: availabilityOf(workload.attempts, merged?.events ?? null, schedule.seconds * 1000),
    messages,
    traces: {
      // The merge counted them; a trace it could not read is counted by its lines.
      files: merged?.files ?? files.map((f) => ({ file: f, events: countEvents(f) })),
      merged: merged ? merge.file : null,
      events: merged?.events.length ?? 0,
      unreceived: merged?.unreceived ?? 0,
      mergeMs: merge.ms,
    },
    tlc,
    linearizability: {
      verdict: lin.lin.linearizable ? 'linearizable' : 'not linearizable',
      operations: lin.lin.operations,
      keys: lin.lin.keys.map((k) => ({ key: k.key, operations: k.operations, linearizable: k.linearizable })),
      witness: lin.witness,
      ms: lin.ms,
    },
    wallMs: performance.now() - started,
  };
}

/** The terminal summary: one table, then what failed, then how to rerun. */
export function formatClusterReport(r: ClusterCheckReport): string[] {
  const row = (a: string, b: string) => `  ${a.padEnd(22)}${b}`;
  const size = (f: string) => (existsSync(f) ? `${(statSync(f).size / 1024).toFixed(0)} KiB` : 'missing');
  const count = (k: string) => r.faults.applied.filter((a) => a.kind === k).length;
  const done = [
    `${count('kill')} SIGKILL (${count('restart')} restarted)`,
    `${count('pause')} SIGSTOP (${count('resume')} SIGCONT)`,
    `${count('disk')} disk faults (${count('repair')} damaged logs restored)`,
    `${count('partition')} partitions`,
    `${count('flaky')} lossy/duplicating/slow spells`,
    ...(count('skipped') ? [`${count('skipped')} skipped`] : []),
    ...(count('failed') ? [`${count('failed')} FAILED`] : []),
  ].join(', ');
  const lines = [
    `cluster-check: ${r.verdict.toUpperCase()}  (${r.servers} servers, ${r.seconds} s, seed ${r.seed}${r.storage.fsync ? '' : ', fsync OFF'}${r.storage.loseUnsynced ? ', a SIGKILL loses unsynced writes' : ''}; ${describeGuards(r.guards)})`,
    row('faults', `${r.faults.planned} planned; done: ${done}`),
    row(
      'proxy',
      `${r.proxy.forwarded} forwarded, ${r.proxy.dropped} dropped by faults, ${r.proxy.undeliverable} undeliverable (receiver down), ${r.proxy.duplicated} duplicated`,
    ),
    row(
      'messages',
      `${r.messages.consumed} of ${r.messages.delivered} delivered were consumed; ${r.messages.excused} excused (the receiver died or the run ended within ${GRACE_MS / 1000} s); ${r.messages.lost ? `${r.messages.lost} LOST inside a live server` : 'none lost inside a live server'}`,
    ),
    row(
      'clients',
      `${r.workload.ok} answered, ${r.workload.indefinite} without an answer, ${r.workload.failed} failed (${r.workload.clients} clients, ${r.workload.keys} keys)`,
    ),
    row('traces', r.traces.files.map((f) => `${f.file.split('/').slice(-2, -1)[0]} ${f.events}`).join(', ')),
    row(
      'merged',
      r.traces.merged
        ? `${r.traces.events} events, ${r.traces.unreceived} message${r.traces.unreceived === 1 ? '' : 's'} never received (${size(r.traces.merged)}, ${(r.traces.mergeMs / 1000).toFixed(1)} s)`
        : 'FAILED',
    ),
    row('TLC', `${r.tlc.verdict}${r.tlc.ms ? ` (${(r.tlc.ms / 1000).toFixed(1)} s)` : ''}`),
    row(
      'linearizability',
      `${r.linearizability.verdict}: ${r.linearizability.operations} operations on ${r.linearizability.keys.length} keys (${(r.linearizability.ms / 1000).toFixed(2)} s)`,
    ),
    ...describeAvailability(r.availability).map((line, k) => row(k === 0 ? 'availability' : '', line)),
    row("servers' own checks", r.findings.some((f) => f.oracle === 'server') ? 'FAILED' : 'nothing found'),
    row(
      'disk',
      r.findings.some((f) => f.oracle === 'disk')
        ? 'FAILED'
        : 'every server recovered what it promised or refused to start',
    ),
  ];
  for (const f of r.findings) lines.push(`  ${f.oracle}: ${f.what}`, ...f.lines.map((l) => `    ${l}`));
  if (r.inconclusive) lines.push(`  inconclusive: ${r.inconclusive}`);
  lines.push(
    `  run folder ${r.dir} (report.html, report.json, merged.ndjson, history.json, faults.json, nX/ and proxy/ traces)`,
  );
  lines.push(`  rerun the same fault schedule: ${r.rerun}`);
  return lines;
}
