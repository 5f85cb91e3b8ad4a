// Benchmark (not a test), in seven parts, and three more on request.
//   npm run bench [-- --schedules N --steps N --skip-tlc yes --skip-cluster yes --writes N
//                     --skip-nemesis yes --nemesis-seconds 10,30,120 --skip-checkers yes --skip-reports yes
//                     --skip-availability yes --availability-seconds S
//                     --long-run EVENTS --long-run-snapshots 100,0 --only-long-run yes
//                     --catch-up ENTRIES --catch-up-snapshots 100,0 --catch-up-checker tlc|in-process
//                     --catch-up-tlc-runs 1 --only-catch-up yes
//                     --disk-use SECONDS --disk-use-snapshots 100,0 --only-disk-use yes]
// Prints figures as tables; exits 0 when every part ran, 1 if one failed (e.g.
// no TLC), 2 on wrong usage. --json prints one JSON document on stdout
// ({"command", "exitCode", "result"}: every table with its title, columns,
// rows of the cells as printed, and notes) and the tables on stderr. Part 2
// runs TLC for a few minutes; --skip-tlc yes skips it.
// 1. Simulator: schedule steps per second (simulation, invariant checks and
//    trace serialization included), trace events written per second (to
//    files, with atomic rename), and the trace size per event, for 3 and 5
//    servers on long fast-check schedules; then the trace size per event
//    against run length (2,000 to 200,000 steps), in format 2 and, rebuilt
//    from the same runs, in format 1; and what the campaign's simulator
//    oracles (unlogged steps, progress) cost on default schedules.
// 2. Trace validation by TLC: events validated per second for single traces of
//    2,500, 5,000 and 10,000 events (to show how time grows with length) and
//    for 1,000 traces of 100 events, with the TLC time and the share of it that
//    is JVM start-up and spec parsing (a TLC run on no trace at all).
// 3. A real cluster: 3 server processes on 127.0.0.1 (WAL on disk, TCP), with
//    fsync and without: committed writes per second and median/p99 commit
//    latency (client send to answer after apply) for 1 client and for 16
//    concurrent clients, N writes each (default 2,000), and the ratio of the
//    simulator's events per second (part 1, 3 servers) to the real cluster's
//    (trace events all servers wrote during the load).
// 4. The nemesis (make cluster-check): for runs of 10, 30 and 120 s (3
//    servers, seed 1), the trace events the cluster wrote per second, the
//    merge time per 10,000 events, TLC's time on the merged trace, and the
//    linearizability check's time per 1,000 operations; then the
//    linearizability check alone on generated histories of 1,000 to 20,000
//    operations. Needs TLC; --skip-nemesis yes skips it.
// 5. The two checkers of spec/Raft.tla on the same traces: events per second
//    of the in-process checker (one core, cold and warmed up) and of TLC
//    (all cores), and their ratio, for one trace of 10,000 events and for
//    200 traces of the audit's default schedules; then the audit's own
//    pipeline per schedule (simulation with its oracles, trace validation,
//    in-process check), in schedules per second. Needs TLC; --skip-checkers
//    yes skips it.
// 6. The HTML report of a long rejected trace (seed 7, 100,000 steps, about
//    51,000 events, one AppendEntries changed at 90 %; diagnosed by the
//    in-process checker, so no TLC): for diagram windows of 1,000, 4,000
//    and 20,000 events, the time to build the page and its size, and in
//    Debian's chromium (CHROMIUM, default /usr/bin/chromium; skipped with a
//    note when absent) the time from opening the file to the drawn diagram
//    and from a click on the failing event to its state panel.
//    --skip-reports yes skips it.
// 7. Availability under the attacks PreVote and CheckQuorum guard against,
//    with both guards off and on, side by side in one run: each attack's
//    simulator schedule (src/sim/attacks.ts, its own clock: round trips well
//    under a timeout) over 500 seeds, then (cluster-check --attack --guards)
//    one real 3-server run per attack and setting, of --availability-seconds
//    (default 60), with elections won and started, the highest term, the
//    leaders stepped down, the stretches of 1 s or more without an answer,
//    and the clients' p99 latency. --skip-availability yes skips it.
// 8. With --long-run EVENTS only: one long simulated run (3 servers, seed 4,
//    the calm step mix, whose entries mostly commit, up to 64 entries per
//    AppendEntries) of about EVENTS events
//    per snapshot policy of --long-run-snapshots (default 100: a snapshot
//    every 100 applied entries; 0: none), written to disk and checked by TLC
//    one run at a time: TLC's events per second over the trace's first and
//    last 10 % and their ratio, the longest log any server held after its
//    snapshot, the generation and check times, and the peak memory of this
//    process and of the largest TLC JVM. --only-long-run yes skips parts 1 to 7.
// 9. With --catch-up ENTRIES only: a follower cut off while ENTRIES writes
//    (one a tick) commit without it, then healed, per snapshot policy of
//    --catch-up-snapshots (default 100,0: by a snapshot every 100 entries,
//    and by entries alone), on the simulator (3 servers, seed 4, PreVote and
//    CheckQuorum on, 64 entries per AppendEntries, the attacks' clock): the
//    ticks from the heal until it has committed every entry, the
//    AppendEntries and snapshots sent meanwhile, and each run's trace
//    checked by TLC (--catch-up-checker in-process: by the in-process checker
//    instead, for runs too long for TLC; --catch-up-tlc-runs N: N TLC runs
//    check a trace's batches at once, default 1), with TLC's progress on
//    stderr. --only-catch-up yes skips every other part.
// 10. With --disk-use SECONDS only: a real 3-server cluster (fsync on) under
//    SECONDS of writes from 4 clients to 256 keys, per snapshot policy of
//    --disk-use-snapshots (default 100,0): the largest server's durable
//    state on disk (its log, the log's mark and its snapshot files) at a
//    tenth, half and the end of the run, and the largest at any of ten
//    samples; the trace beside it, which grows either way, apart.
//    --only-disk-use yes skips every other part.

import { cpus } from 'node:os';
import { join } from 'node:path';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { checkTraces, type TlcRunTiming, type TraceInput } from '../src/check/trace-checker.js';
import { CALM_WEIGHTS, generateSchedule, runSchedule, runScheduleAsync } from '../src/sim/schedule.js';
import { findJava, findTlcJar, tlcVersion, type JavaRuntime, type TlcJar } from '../src/tlc/jar.js';
import { writeFileAtomic } from '../src/files/writes.js';
import { TraceFileWriter } from '../src/trace/recorder.js';
import { readLines } from '../src/files/lines.js';
import type { Entry } from '../src/raft/types.js';
import type { TraceEvent } from '../src/raft/events.js';
import { existsSync, statSync } from 'node:fs';
import { KvClient } from '../src/client/kv-client.js';
import { LocalCluster } from '../src/server/local-cluster.js';
import { FileSystemDisk } from '../src/storage/disk.js';
import { validateTraceText, validateTraceValues } from '../src/trace/validate.js';
import { checkTraceInProcess } from '../src/check/in-process-checker.js';
import { CAMPAIGN_RUN } from '../src/audit/campaign.js';
import { makeTempDir, removeTempDir } from '../src/files/cleanup.js';
import { runClusterCheck } from '../src/nemesis/run.js';
import { ATTACKS, attackSchedule } from '../src/nemesis/faults.js';
import { attackAvailability } from '../src/sim/attacks.js';
import { checkLinearizability, generatedHistory } from '../src/history/linearizability.js';
import { checkReportHtml } from '../src/report/check-report.js';
import { validateTraceFile } from '../src/trace/validate.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';
import { Figures } from '../src/cli/figures.js';
import { clip } from '../src/cli/clip.js';
import { catchUpBench } from './bench/catch-up.js';
import { diskUseBench } from './bench/disk-use.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

/** Every table the parts print, kept for --json. */
const figures = new Figures();

/** Returns the simulator's events per second for 3 servers. */
function simulatorBench(values: Record<string, string | undefined>): number {
  const schedules = positiveInt('schedules', values.schedules, 20);
  const steps = positiveInt('steps', values.steps, 5000);
  const dir = makeTempDir('raft-bench-');
  const row = figures.table(
    `the simulator: node ${process.version}; ${schedules} schedules of ${steps} steps per cluster size`,
    [
      ['servers', 9],
      ['steps/s', 11],
      ['events/s(sim)', 15],
      ['events/s(written)', 19],
      ['bytes/event', 13],
      ['events', 0],
    ],
  );
  let threeServers = 0;
  try {
    for (const nodes of [3, 5]) {
      const plans = Array.from({ length: schedules }, (_, k) =>
        generateSchedule(1000 + k, { clusterSizes: [nodes], minSteps: steps, maxSteps: steps }),
      );
      runSchedule(plans[0]!); // warm-up: JIT, schema of shapes
      let events = 0;
      let bytes = 0;
      let simMs = 0;
      let writeMs = 0;
      for (const [k, plan] of plans.entries()) {
        const t0 = performance.now();
        const run = runSchedule(plan);
        const t1 = performance.now();
        writeFileAtomic(join(dir, `bench-${nodes}-${k}.ndjson`), run.trace);
        const t2 = performance.now();
        if (run.failure) throw new Error(`safety violation during the benchmark: ${run.failure.invariant}`);
        simMs += t1 - t0;
        writeMs += t2 - t1;
        events += run.events;
        bytes += Buffer.byteLength(run.trace);
      }
      const perSec = (n: number, ms: number) => Math.round((n * 1000) / ms).toLocaleString('en-US');
      if (nodes === 3) threeServers = (events * 1000) / simMs;
      row([
        nodes,
        perSec(schedules * steps, simMs),
        perSec(events, simMs),
        perSec(events, simMs + writeMs),
        Math.round(bytes / events),
        events,
      ]);
    }
  } finally {
    removeTempDir(dir);
  }
  return threeServers;
}

/**
 * What the campaign's simulator oracles cost: the same default schedules run
 * plain, with the unlogged-step check after every step, and with that and the
 * progress phase (whose events count in the events column), in one run.
 */
function oracleCostBench(): void {
  const plans = Array.from({ length: 300 }, (_, k) => generateSchedule(1 + k));
  const row = figures.table('campaign oracles on 300 default schedules (seeds 1-300)', [
    ['oracles', 32],
    ['schedules/s', 13],
    ['events/s', 11],
    ['events', 10],
    ['time vs plain', 0],
  ]);
  let plainMs = 0;
  for (const [name, options] of [
    ['none (plain run)', {}],
    ['unlogged-step check', { checkLogged: true }],
    ['unlogged-step check + progress', { checkLogged: true, progress: true }],
  ] as const) {
    runSchedule(plans[0]!, options);
    let events = 0;
    const t0 = performance.now();
    for (const plan of plans) {
      const run = runSchedule(plan, options);
      if (run.failure)
        throw new Error(`${name}: seed ${plan.seed} failed: ${run.failure.invariant}: ${run.failure.detail}`);
      events += run.events;
    }
    const ms = performance.now() - t0;
    if (plainMs === 0) plainMs = ms;
    row([
      name,
      Math.round((plans.length * 1000) / ms),
      Math.round((events * 1000) / ms).toLocaleString('en-US'),
      events,
      `${(ms / plainMs).toFixed(2)}x`,
    ]);
  }
}

/**
 * Trace size against run length: bytes per event of format 2 (log changes),
 * and of format 1 (the whole log in every event) rebuilt from the same run,
 * where that is affordable.
 */
function traceSizeBench(): void {
  const dir = makeTempDir('raft-bench-size-');
  const row = figures.table('trace size by run length (3 servers, seed 1)', [
    ['steps', 10],
    ['events', 10],
    ['format 2 bytes/event', 22],
    ['format 1 bytes/event (whole logs)', 35],
    ['longest log', 0],
  ]);
  try {
    for (const steps of [2_000, 20_000, 200_000]) {
      const path = join(dir, `size-${steps}.ndjson`);
      const file = new TraceFileWriter(path);
      const run = runSchedule(generateSchedule(1, { clusterSizes: [3], minSteps: steps, maxSteps: steps }), {
        traceFile: file,
      });
      file.commit();
      const bytes = statSync(path).size;
      let v1Bytes = 0;
      let longest = 0;
      const logs = new Map<string, Entry[]>();
      const whole = steps <= 20_000;
      for (const { text } of readLines(path)) {
        const e = JSON.parse(text) as TraceEvent | { format: string };
        if (!('action' in e) || !('state' in e)) {
          v1Bytes += Buffer.byteLength(text) + 1;
          continue;
        }
        let log = logs.get(e.node) ?? [];
        if (e.logChange) log = [...log.slice(0, e.logChange.keep), ...e.logChange.append];
        logs.set(e.node, log);
        longest = Math.max(longest, log.length);
        if (!whole) continue;
        const { logChange: _, state, ...rest } = e;
        const { logLength: __, ...fields } = state;
        v1Bytes += Buffer.byteLength(JSON.stringify({ ...rest, state: { ...fields, log } })) + 1;
      }
      const per = (n: number) => String(Math.round(n / run.events));
      row([steps, run.events, per(bytes), whole ? per(v1Bytes) : '(not rebuilt)', longest]);
    }
  } finally {
    removeTempDir(dir);
  }
}

/** A trace of exactly `events` events: a prefix of a run, which is itself a behaviour. */
function traceOf(seed: number, events: number, nodes: number): TraceInput {
  let steps = Math.max(200, events * 2);
  for (;;) {
    const run = runSchedule(generateSchedule(seed, { clusterSizes: [nodes], minSteps: steps, maxSteps: steps }));
    if (run.events >= events) {
      const text =
        run.trace
          .split('\n')
          .slice(0, events + 1)
          .join('\n') + '\n';
      const r = validateTraceText(`seed-${seed}`, text);
      if (!r.ok) throw new Error(`benchmark trace ${seed} is invalid`);
      return { file: `seed-${seed}`, ...r.trace };
    }
    steps *= 2;
  }
}

async function validationBench(): Promise<void> {
  const java: JavaRuntime = findJava();
  const jar: TlcJar = await findTlcJar();
  const tlc = { java, jar };
  // TLA2TOOLS_JAR picks the TLC measured here, e.g. a current build to compare with the bundled 2.15.
  const version = `${tlcVersion(java, jar)} (${jar.source})`;
  // JVM start-up and parsing of Raft.tla and RaftTrace.tla: a run with one
  // one-event trace, timed alone.
  const tiny = await checkTraces([traceOf(1, 1, 3)], { ...tlc, parallel: 1 });
  const startupMs = tiny.tlcMs / tiny.tlcRuns;
  const print = figures.table(
    `trace validation by ${version}: about 3 minutes; --skip-tlc yes skips it`,
    [
      ['workload', 25],
      ['events', 9],
      ['wall s', 8],
      ['events/s', 10],
      ['TLC runs', 10],
      ['TLC s (sum)', 13],
      ['start-up share', 0],
    ],
    [`${cpus().length} cores; one TLC run costs ${(startupMs / 1000).toFixed(2)} s before any event`],
  );
  const row = async (label: string, traces: TraceInput[]) => {
    const report = await checkTraces(traces, tlc);
    const bad = report.verdicts.filter((v) => v.status !== 'accepted').length;
    if (bad) throw new Error(`${bad} benchmark trace(s) not accepted`);
    const events = traces.reduce((n, t) => n + (t.eventCount ?? 0), 0);
    const share = (report.tlcRuns * startupMs) / report.tlcMs;
    print([
      label,
      events,
      (report.wallMs / 1000).toFixed(1),
      Math.round((events * 1000) / report.wallMs),
      report.tlcRuns,
      (report.tlcMs / 1000).toFixed(1),
      `${(share * 100).toFixed(0)}%`,
    ]);
  };
  for (const n of [2500, 5000, 10000]) await row(`1 trace of ${n}`, [traceOf(7, n, 5)]);
  await row(
    '1,000 traces of 100',
    Array.from({ length: 1000 }, (_, k) => traceOf(100 + k, 100, k % 2 ? 5 : 3)),
  );
}

/** Part 5: the in-process checker against TLC on the same traces, and the audit's pipeline per schedule. */
async function checkersBench(): Promise<void> {
  const tlc = { java: findJava(), jar: await findTlcJar() };
  const print = figures.table(
    `the two checkers of spec/Raft.tla on the same traces (${cpus().length} cores for TLC, one for the in-process checker); --skip-checkers yes skips it`,
    [
      ['workload', 37],
      ['events', 9],
      ['in-process events/s (cold, warm)', 35],
      ['TLC events/s (wall)', 22],
      ['ratio (warm / TLC)', 0],
    ],
  );
  const row = async (label: string, traces: TraceInput[]) => {
    const events = traces.reduce((n, t) => n + (t.eventCount ?? 0), 0);
    const rates: number[] = [];
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      for (const t of traces)
        if (checkTraceInProcess(t).status !== 'accepted')
          throw new Error(`${t.file}: the in-process checker did not accept a benchmark trace`);
      rates.push((events * 1000) / (performance.now() - t0));
    }
    const report = await checkTraces(traces, tlc);
    if (report.verdicts.some((v) => v.status !== 'accepted')) throw new Error('TLC did not accept a benchmark trace');
    const tlcRate = (events * 1000) / report.wallMs;
    const warm = Math.max(...rates.slice(1));
    print([
      label,
      events,
      `${Math.round(rates[0]!)}, ${Math.round(warm)}`,
      Math.round(tlcRate),
      `${(warm / tlcRate).toFixed(0)}x`,
    ]);
  };
  await row('1 trace of 10,000 events', [traceOf(7, 10_000, 5)]);
  const audit: TraceInput[] = [];
  for (let seed = 1; audit.length < 200; seed++) {
    const run = runSchedule(generateSchedule(seed), CAMPAIGN_RUN);
    const v = validateTraceText(`seed-${seed}`, run.trace);
    if (v.ok && v.trace.events.length > 0) audit.push({ file: `seed-${seed}`, ...v.trace });
  }
  await row("200 traces of the audit's schedules", audit);
  // The audit's screening, per schedule: run (with every simulator oracle),
  // validate the recorded trace, check it in process.
  const n = 1000;
  const t0 = performance.now();
  let events = 0;
  for (let seed = 1; seed <= n; seed++) {
    const run = runSchedule(generateSchedule(seed), CAMPAIGN_RUN);
    events += run.events;
    const v = validateTraceValues('x', run.header, run.recorded) ?? validateTraceText('x', run.trace);
    if (v.ok && v.trace.events.length > 0 && checkTraceInProcess({ file: 'x', ...v.trace }).status !== 'accepted')
      throw new Error(`seed ${seed} rejected`);
  }
  const s = (performance.now() - t0) / 1000;
  figures.note(
    `audit screening on one core: ${n} schedules (${events} events) in ${s.toFixed(1)} s = ${(n / s).toFixed(0)} schedules/s, ${Math.round(events / s)} events/s`,
  );
}

function traceLines(cluster: LocalCluster): number {
  let n = 0;
  for (const id of cluster.ids) {
    const file = join(cluster.dataDir(id), 'trace.ndjson');
    if (existsSync(file)) for (const _ of readLines(file)) n++;
  }
  return n;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** What one WAL-sized append and its fsync cost on the disk the cluster uses. */
function fsyncMicroseconds(): number {
  const dir = makeTempDir('raft-bench-fsync-');
  try {
    const file = new FileSystemDisk().openAppend(join(dir, 'probe.log'));
    const times: number[] = [];
    const bytes = Buffer.alloc(100, 1);
    for (let k = 0; k < 500; k++) {
      const t0 = performance.now();
      file.append(bytes);
      file.sync();
      times.push((performance.now() - t0) * 1000);
    }
    file.close();
    return percentile(
      times.sort((a, b) => a - b),
      50,
    );
  } finally {
    removeTempDir(dir);
  }
}

/** Committed writes per second and commit latency on a real 3-server cluster, with and without fsync. */
async function realClusterBench(writes: number, simEventsPerSecond: number): Promise<void> {
  const row = figures.table(
    `real cluster: 3 server processes on 127.0.0.1, ${writes} writes per row (client send to answer after commit and apply)`,
    [
      ['fsync', 7],
      ['clients', 9],
      ['writes/s', 10],
      ['median ms', 11],
      ['p99 ms', 8],
      ['trace events/s (all servers)', 30],
      ['simulator events/s ÷ real', 0],
    ],
    [
      `fsync on this machine's temp dir: ${fsyncMicroseconds().toFixed(0)} µs per 100-byte append + fsync (median of 500)`,
    ],
  );
  for (const fsync of [true, false]) {
    const dir = makeTempDir('raft-bench-cluster-');
    const cluster = await LocalCluster.create({ dir, servers: 3, fsync });
    try {
      for (const id of cluster.ids) cluster.start(id);
      await cluster.waitForLeader(30_000);
      for (const clients of [1, 16]) {
        const kv = Array.from(
          { length: clients },
          () => new KvClient({ servers: cluster.clientUrls, timeoutMs: 30_000 }),
        );
        await kv[0]!.put('warm', 'up');
        const latencies: number[] = [];
        let next = 0;
        const linesBefore = traceLines(cluster);
        const t0 = performance.now();
        await Promise.all(
          kv.map(async (client, c) => {
            while (next < writes) {
              const k = next++;
              const s0 = performance.now();
              await client.put(`k${k % 64}`, `c${c}-${k}`);
              latencies.push(performance.now() - s0);
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        const events = traceLines(cluster) - linesBefore;
        latencies.sort((a, b) => a - b);
        const eventsPerSecond = events / seconds;
        row([
          fsync ? 'on' : 'off',
          clients,
          Math.round(writes / seconds).toLocaleString('en-US'),
          percentile(latencies, 50).toFixed(1),
          percentile(latencies, 99).toFixed(1),
          Math.round(eventsPerSecond).toLocaleString('en-US'),
          `${(simEventsPerSecond / eventsPerSecond).toFixed(0)}x`,
        ]);
      }
    } finally {
      await cluster.stopAll();
      removeTempDir(dir);
    }
  }
}

async function nemesisBench(secondsList: number[]): Promise<void> {
  const java = findJava();
  const jar = await findTlcJar();
  const row = figures.table(
    "the nemesis: real 3-server clusters under seed 1's fault schedule, judged by merge, TLC and linearizability",
    [
      ['run s', 7],
      ['events', 8],
      ['events/s', 10],
      ['ops', 6],
      ['max log', 9],
      ['merge ms/10k ev', 17],
      ['TLC s', 7],
      ['TLC ev/s', 10],
      ['lin ms/1k ops', 15],
      ['verdict', 0],
    ],
  );
  for (const seconds of secondsList) {
    const dir = makeTempDir('raft-bench-nemesis-');
    try {
      const r = await runClusterCheck({ dir, servers: 3, seconds, seed: 1, tlc: { java, jar } });
      let maxLog = 0;
      if (r.traces.merged) {
        for (const line of readLines(r.traces.merged)) {
          const m = /"logLength":(\d+)/.exec(line.text);
          if (m) maxLog = Math.max(maxLog, Number(m[1]));
        }
      }
      const ev = r.traces.events;
      row([
        seconds,
        ev,
        (ev / seconds).toFixed(0),
        r.linearizability.operations,
        maxLog,
        (ev ? (r.traces.mergeMs / ev) * 10_000 : 0).toFixed(0),
        (r.tlc.ms / 1000).toFixed(1),
        (r.tlc.ms ? ev / (r.tlc.ms / 1000) : 0).toFixed(0),
        (r.linearizability.operations ? (r.linearizability.ms / r.linearizability.operations) * 1000 : 0).toFixed(2),
        `${r.verdict}${r.findings.length ? `: ${clip(r.findings[0]!.what, 80)}` : ''}`,
      ]);
    } finally {
      removeTempDir(dir);
    }
  }
  const lin = figures.table(
    'linearizability alone, generated linearizable histories (3 keys, 5 clients, 1 write in 20 unanswered)',
    [
      ['operations', 12],
      ['ms', 8],
      ['ms per 1,000 operations', 0],
    ],
  );
  for (const n of [1000, 10_000, 100_000]) {
    const h = generatedHistory(n, 3, 5, n);
    const t0 = performance.now();
    const verdict = checkLinearizability(h);
    const ms = performance.now() - t0;
    if (!verdict.linearizable) throw new Error('internal: a generated history came out not linearizable');
    lin([n, ms.toFixed(1), ((ms / n) * 1000).toFixed(2)]);
  }
}

/** Debian's chromium, headless, driven by playwright-core (which downloads nothing); null when it is not installed. */
async function chromiumIfPresent(path: string) {
  if (!existsSync(path)) return null;
  const { chromium } = await import('playwright-core');
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'];
  args.push('--disable-background-networking', '--disable-component-update', '--disable-sync');
  return chromium.launch({ executablePath: path, args });
}

async function reportsBench(): Promise<void> {
  const run = runSchedule(generateSchedule(7, { minSteps: 100_000, maxSteps: 100_000, clusterSizes: [3] }));
  const lines = run.trace.trimEnd().split('\n');
  let k = Math.floor(lines.length * 0.9);
  while (!lines[k]!.includes('"action":"AppendEntries"')) k++;
  const changed = JSON.parse(lines[k]!);
  changed.send.commitIndex += 7;
  lines[k] = JSON.stringify(changed);
  const dir = makeTempDir('raft-bench-report-');
  try {
    const file = join(dir, 'long.ndjson');
    writeFileAtomic(file, lines.join('\n') + '\n');
    const trace = validateTraceFile(file);
    if (!trace.ok) throw new Error('the long trace is malformed');
    const verdict = checkTraceInProcess({ file, ...trace.trace });
    if (verdict.status !== 'rejected') throw new Error(`the changed trace was not rejected (${verdict.status})`);
    const about = `${verdict.events.toLocaleString('en-US')} events, rejected at event ${verdict.diagnosis.event.i} (${verdict.diagnosis.kind})`;
    const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
    const browser = await chromiumIfPresent(chromiumPath);
    const row = figures.table(
      'the HTML report of one long rejected trace (in-process diagnosis, no TLC); --skip-reports yes skips it',
      [
        ['window (events)', 18],
        ['build (s)', 12],
        ['page (MB)', 12],
        ['open to drawn (s)', 20],
        ['click to state (s)', 0],
      ],
      [
        about,
        ...(browser ? [] : [`no chromium at ${chromiumPath} (make browser installs it): page build and size only`]),
      ],
    );
    try {
      for (const window of [1000, 4000, 20_000]) {
        const t0 = performance.now();
        const html = checkReportHtml({
          summary: {
            tool: 'in-process checker',
            traces: 1,
            events: verdict.events,
            accepted: 0,
            rejected: 1,
            errors: 0,
            tlcRuns: 0,
            seconds: 0,
            jsonReport: '-',
          },
          verdicts: [verdict],
          seconds: [0],
          kept: [],
          window,
          readTrace: () => ({ header: trace.trace.header, events: trace.trace.events }),
        });
        const build = (performance.now() - t0) / 1000;
        const page = join(dir, `report-${window}.html`);
        writeFileAtomic(page, html);
        let open = '-';
        let click = '-';
        if (browser) {
          const tab = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
          const t1 = performance.now();
          await tab.goto(`file://${page}`);
          await tab.locator('.event.failing').waitFor();
          open = ((performance.now() - t1) / 1000).toFixed(2);
          const t2 = performance.now();
          await tab.locator('.event.failing').click();
          await tab.locator('.state-panel h4', { hasText: `event ${verdict.diagnosis.event.i}:` }).waitFor();
          click = ((performance.now() - t2) / 1000).toFixed(2);
          await tab.close();
        }
        row([window, build.toFixed(2), (html.length / 1e6).toFixed(1), open, click]);
      }
    } finally {
      await browser?.close();
    }
  } finally {
    removeTempDir(dir);
  }
}

/** Part 7's settings: the paper's protocol, then both guards (what the real servers run by default). */
const GUARD_SETTINGS = [
  { label: 'off', guards: { preVote: false, checkQuorum: false } },
  { label: 'on', guards: { preVote: true, checkQuorum: true } },
] as const;

/** Part 7, on the simulator: each attack's fixed schedule over many seeds, availability summed, guards off and on. */
function simulatedAttacksBench(schedules: number): void {
  const row = figures.table(
    `availability under attack in the simulator: 3 servers, ${schedules} seeds each (src/sim/attacks.ts), PreVote and CheckQuorum off and on`,
    [
      ['attack', 20],
      ['guards', 8],
      ['elections/schedule', 20],
      ['highest term', 14],
      ['ticks unavailable', 19],
      ['longest (ticks)', 17],
      ['stranded leader ticks', 23],
      ['requests taken/refused', 0],
    ],
  );
  for (const attack of ATTACKS) {
    for (const { label, guards } of GUARD_SETTINGS) {
      const a = attackAvailability(attack, schedules, guards);
      row([
        attack,
        label,
        (a.elections / a.schedules).toFixed(1),
        a.highestTerm,
        `${((100 * a.unavailableTicks) / a.ticks).toFixed(1)} %`,
        a.longestWindow,
        a.strandedLeaderTicks,
        `${a.requests.accepted}/${a.requests.refused}`,
      ]);
    }
  }
}

/** Part 7: one real run per availability attack, judged like cluster-check, its availability figures in a row. */
async function availabilityBench(seconds: number): Promise<void> {
  simulatedAttacksBench(500);
  const tlc = { java: findJava(), jar: await findTlcJar() };
  const row = figures.table(
    `availability under attack: 3 real servers, ${seconds} s each (cluster-check --attack --guards none|both), PreVote and CheckQuorum off and on`,
    [
      ['attack', 20],
      ['guards', 8],
      ['elections won/started', 23],
      ['highest term', 14],
      ['step-downs', 12],
      ['no answer >= 1 s', 18],
      ['longest s', 11],
      ['answered', 10],
      ['p99 ms', 8],
      ['verdict', 0],
    ],
  );
  for (const attack of ATTACKS) {
    for (const { label, guards } of GUARD_SETTINGS) {
      const dir = makeTempDir('raft-bench-attack-');
      try {
        const faults = attackSchedule(attack, 1, seconds, 3);
        const r = await runClusterCheck({ dir, servers: 3, seconds, seed: 1, faults, guards, tlc });
        availabilityRow(row, attack, label, r);
      } finally {
        removeTempDir(dir);
      }
    }
  }
}

function availabilityRow(
  row: (cells: Array<string | number>) => void,
  attack: string,
  label: string,
  r: Awaited<ReturnType<typeof runClusterCheck>>,
): void {
  const a = r.availability;
  row([
    attack,
    label,
    `${a.elections ?? '-'}/${a.electionsStarted ?? '-'}`,
    a.highestTerm ?? '-',
    a.quorumStepDowns ?? '-',
    `${a.unavailable.count} (${(a.unavailable.totalMs / 1000).toFixed(1)} s)`,
    (a.unavailable.longestMs / 1000).toFixed(1),
    a.commands.answered,
    a.commands.p99Ms === null ? '-' : Math.round(a.commands.p99Ms),
    r.verdict,
  ]);
}

async function main(): Promise<number> {
  const { values } = parse(process.argv.slice(2), [
    'skip-availability',
    'availability-seconds',
    'schedules',
    'steps',
    'skip-tlc',
    'skip-cluster',
    'writes',
    'skip-nemesis',
    'nemesis-seconds',
    'skip-checkers',
    'skip-reports',
    'long-run',
    'long-run-snapshots',
    'only-long-run',
    'catch-up',
    'catch-up-snapshots',
    'only-catch-up',
    'catch-up-checker',
    'catch-up-tlc-runs',
    'disk-use',
    'disk-use-snapshots',
    'only-disk-use',
  ]);
  const writes = positiveInt('writes', values.writes, 2000);
  // Checked before any part runs: a typo must not cost the parts before it.
  const nemesisSeconds = (values['nemesis-seconds'] ?? '10,30,120')
    .split(',')
    .map((x) => positiveInt('nemesis-seconds', x.trim(), 0));
  if (nemesisSeconds.some((x) => x < 3))
    throw new UsageError('--nemesis-seconds takes run lengths of at least 3 s, e.g. 10,30,120');
  const attackSeconds = positiveInt('availability-seconds', values['availability-seconds'], 60);
  if (attackSeconds < 10) throw new UsageError('--availability-seconds takes at least 10');
  const extra = extraParts(values);
  if (await extra.only()) {
    reportJson({ tables: figures.tables });
    return 0;
  }
  const simEventsPerSecond = simulatorBench(values);
  oracleCostBench();
  traceSizeBench();
  if (values['skip-cluster'] !== 'yes') await realClusterBench(writes, simEventsPerSecond);
  if (values['skip-tlc'] !== 'yes') await validationBench();
  if (values['skip-nemesis'] !== 'yes') await nemesisBench(nemesisSeconds);
  if (values['skip-checkers'] !== 'yes') await checkersBench();
  if (values['skip-reports'] !== 'yes') await reportsBench();
  if (values['skip-availability'] !== 'yes') await availabilityBench(attackSeconds);
  await extra.all();
  reportJson({ tables: figures.tables });
  return 0;
}

/**
 * Parts 8 to 10, run only on request, their flags checked before any part
 * runs: only() runs the one an --only-* flag names (false if none does),
 * all() each one asked for.
 */
function extraParts(values: Record<string, string | undefined>): { only(): Promise<boolean>; all(): Promise<void> } {
  const count = (flag: string) => (values[flag] === undefined ? 0 : positiveInt(flag, values[flag], 0));
  const longRun = count('long-run');
  const policies = snapshotPolicies('long-run-snapshots', values['long-run-snapshots'] ?? '100');
  const catchUp = count('catch-up');
  const catchUpPolicies = snapshotPolicies('catch-up-snapshots', values['catch-up-snapshots'] ?? '100,0');
  const checker = values['catch-up-checker'] ?? 'tlc';
  if (checker !== 'tlc' && checker !== 'in-process')
    throw new UsageError(`--catch-up-checker takes tlc or in-process, got ${JSON.stringify(checker)}`);
  const tlcRuns = positiveInt('catch-up-tlc-runs', values['catch-up-tlc-runs'], 1);
  const diskUse = count('disk-use');
  const diskUsePolicies = snapshotPolicies('disk-use-snapshots', values['disk-use-snapshots'] ?? '100,0');
  if (diskUse && diskUse < 10) throw new UsageError(`--disk-use takes at least 10 seconds, got ${diskUse}`);
  const parts: Array<{ flag: string; needs: string; n: number; run: () => Promise<void> }> = [
    { flag: 'only-long-run', needs: '--long-run EVENTS', n: longRun, run: () => longRunBench(longRun, policies) },
    {
      flag: 'only-catch-up',
      needs: '--catch-up ENTRIES',
      n: catchUp,
      run: async () =>
        catchUpBench(
          figures,
          catchUp,
          catchUpPolicies,
          checker === 'in-process' ? null : { java: findJava(), jar: await findTlcJar(), parallel: tlcRuns },
        ),
    },
    {
      flag: 'only-disk-use',
      needs: '--disk-use SECONDS',
      n: diskUse,
      run: () => diskUseBench(figures, diskUse, diskUsePolicies),
    },
  ];
  for (const p of parts) if (values[p.flag] === 'yes' && !p.n) throw new UsageError(`--${p.flag} yes needs ${p.needs}`);
  return {
    async only() {
      const part = parts.find((p) => values[p.flag] === 'yes');
      if (part) await part.run();
      return part !== undefined;
    },
    async all() {
      for (const p of parts) if (p.n) await p.run();
    },
  };
}

/** A --*-snapshots list: entries per snapshot, 0 for none, e.g. 100,0. */
function snapshotPolicies(flag: string, text: string): number[] {
  return text.split(',').map((x) => {
    const n = Number(x.trim());
    if (!Number.isSafeInteger(n) || n < 0 || x.trim() === '')
      throw new UsageError(`--${flag} takes entries per snapshot (0: none), e.g. 100,0; got ${JSON.stringify(x)}`);
    return n;
  });
}

/**
 * Part 8: a long run with each snapshot policy, checked by TLC one run at a
 * time, its rate over the first and the last tenth of the trace compared.
 */
async function longRunBench(events: number, policies: readonly number[]): Promise<void> {
  const tlc = { java: findJava(), jar: await findTlcJar() };
  const print = figures.table(
    `a long run checked by TLC (3 servers, seed 4, the calm step mix, 64 entries per AppendEntries, about ${events.toLocaleString('en-US')} events), one TLC run at a time`,
    [
      ['snapshot every', 16],
      ['events', 11],
      ['longest log', 13],
      ['generated s', 13],
      ['checked s', 11],
      ['first 10 % ev/s', 17],
      ['last 10 % ev/s', 16],
      ['last/first', 12],
      ['node peak MB', 14],
      ['TLC peak MB', 0],
    ],
    [
      'longest log: the most entries any server held after its snapshot, at any event',
      "node peak MB: this process (generation and checker); TLC peak MB: the largest of its TLC runs' JVMs (sampled four times a second)",
    ],
  );
  for (const every of policies) {
    const dir = makeTempDir('bench-long-run-');
    try {
      const t0 = performance.now();
      const { path, count, longest } = await longRunTrace(dir, events, every);
      const generated = (performance.now() - t0) / 1000;
      const checked = validateTraceFile(path);
      if (!checked.ok) throw new Error(`the long run's trace is invalid: ${checked.problems[0]!.message}`);
      // About twenty TLC runs of whole chunks, one at a time: two over each tenth of the trace.
      const batch = 250 * Math.ceil(count / 20 / 250);
      const report = await checkTraces([{ file: path, ...checked.trace }], {
        ...tlc,
        parallel: 1,
        eventsPerBatch: batch,
      });
      if (report.verdicts[0]!.status !== 'accepted')
        throw new Error(`the long run (snapshot every ${every}) was not accepted`);
      // The first and the last tenth of the full runs (a short last run is mostly JVM start-up).
      const full = [...report.runs].sort((a, b) => a.from - b.from).filter((r) => r.events * 2 >= batch);
      const tenth = Math.max(1, Math.round(full.length / 10));
      const rate = (runs: readonly TlcRunTiming[]) =>
        (runs.reduce((a, r) => a + r.events, 0) * 1000) / runs.reduce((a, r) => a + r.ms, 0);
      const first = rate(full.slice(0, tenth));
      const last = rate(full.slice(-tenth));
      print([
        every === 0 ? 'none' : String(every),
        count,
        longest,
        generated.toFixed(0),
        (report.wallMs / 1000).toFixed(0),
        first.toFixed(0),
        last.toFixed(0),
        (last / first).toFixed(2),
        Math.round(process.resourceUsage().maxRSS / 1024),
        tlcPeakMb(report.runs),
      ]);
    } finally {
      removeTempDir(dir);
    }
  }
}

/** The largest peak memory of the TLC runs, in MB, or "unknown" where /proc could not say. */
function tlcPeakMb(runs: readonly TlcRunTiming[]): string | number {
  const peaks = runs.map((r) => r.peakRssBytes);
  if (peaks.length === 0 || peaks.some((p) => p === null)) return 'unknown';
  return Math.round(Math.max(...(peaks as number[])) / 2 ** 20);
}

/** The long run's trace on disk, about `events` events, and the longest log after a snapshot any of its events left. */
async function longRunTrace(dir: string, events: number, every: number) {
  const path = join(dir, `long-run-${every}.ndjson`);
  // About 1.6 events per step in the calm mix.
  const steps = Math.ceil(events / 1.6);
  const schedule = generateSchedule(4, {
    clusterSizes: [3],
    minSteps: steps,
    maxSteps: steps,
    weights: CALM_WEIGHTS,
    // Up to 64 entries per AppendEntries: at 2, a follower behind by a few hundred entries
    // catches up more slowly than elections come, and almost nothing commits.
    maxEntriesPerMessage: 64,
    ...(every > 0 ? { snapshotEvery: every } : {}),
  });
  const file = new TraceFileWriter(path);
  const run = await runScheduleAsync(schedule, { traceFile: file });
  file.commit();
  if (run.failure) throw new Error(`the long run failed: ${run.failure.invariant}: ${run.failure.detail}`);
  let longest = 0;
  for (const line of readLines(path)) {
    const length = /"logLength":(\d+)/.exec(line.text);
    const snapshot = /"snapshotIndex":(\d+)/.exec(line.text);
    if (length) longest = Math.max(longest, Number(length[1]) - Number(snapshot?.[1] ?? 0));
  }
  return { path, count: run.events, longest };
}

runTool('bench', main);
