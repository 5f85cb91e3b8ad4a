// Benchmark (not a test), in six parts.
//   npm run bench [-- --schedules N --steps N --skip-tlc yes --skip-cluster yes --writes N
//                     --skip-nemesis yes --nemesis-seconds 10,30,120 --skip-checkers yes --skip-reports yes]
// Prints figures; exits 0 when every part ran, 1 if one failed (e.g. no TLC),
// 2 on wrong usage. Part 2 runs TLC for a few minutes; --skip-tlc yes skips it.
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

import { cpus } from 'node:os';
import { join } from 'node:path';
import { exitOnHelp, parse, positiveInt, UsageError } from '../src/cli/options.js';
import { checkTraces, type TraceInput } from '../src/check/trace-checker.js';
import { generateSchedule, runSchedule } from '../src/sim/schedule.js';
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
import { checkLinearizability, generatedHistory } from '../src/history/linearizability.js';
import { checkReportHtml } from '../src/report/check-report.js';
import { validateTraceFile } from '../src/trace/validate.js';
import { runTool } from '../src/cli/run-tool.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

/** Returns the simulator's events per second for 3 servers. */
function simulatorBench(values: Record<string, string | undefined>): number {
  const schedules = positiveInt('schedules', values.schedules, 20);
  const steps = positiveInt('steps', values.steps, 5000);
  const dir = makeTempDir('raft-bench-');
  console.log(`node ${process.version}; ${schedules} schedules of ${steps} steps per cluster size`);
  console.log('servers  steps/s    events/s(sim)  events/s(written)  bytes/event  events');
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
      console.log(
        `${String(nodes).padEnd(9)}${perSec(schedules * steps, simMs).padEnd(11)}${perSec(events, simMs).padEnd(15)}${perSec(events, simMs + writeMs).padEnd(19)}${String(Math.round(bytes / events)).padEnd(13)}${events}`,
      );
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
  console.log('\ncampaign oracles on 300 default schedules (seeds 1-300)');
  console.log('oracles                         schedules/s  events/s   events    time vs plain');
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
    console.log(
      `${name.padEnd(32)}${String(Math.round((plans.length * 1000) / ms)).padEnd(13)}${Math.round((events * 1000) / ms)
        .toLocaleString('en-US')
        .padEnd(11)}${String(events).padEnd(10)}${(ms / plainMs).toFixed(2)}x`,
    );
  }
}

/**
 * Trace size against run length: bytes per event of format 2 (log changes),
 * and of format 1 (the whole log in every event) rebuilt from the same run,
 * where that is affordable.
 */
function traceSizeBench(): void {
  const dir = makeTempDir('raft-bench-size-');
  console.log('\ntrace size by run length (3 servers, seed 1)');
  console.log('steps     events    format 2 bytes/event  format 1 bytes/event (whole logs)  longest log');
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
      console.log(
        `${String(steps).padEnd(10)}${String(run.events).padEnd(10)}${per(bytes).padEnd(22)}${(whole ? per(v1Bytes) : '(not rebuilt)').padEnd(35)}${longest}`,
      );
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
  console.log(
    `\ntrace validation by ${tlcVersion(java, jar)} (${jar.source}): about 3 minutes; --skip-tlc yes skips it`,
  );
  // JVM start-up and parsing of Raft.tla and RaftTrace.tla: a run with one
  // one-event trace, timed alone.
  const tiny = await checkTraces([traceOf(1, 1, 3)], { ...tlc, parallel: 1 });
  const startupMs = tiny.tlcMs / tiny.tlcRuns;
  console.log(
    `trace validation by TLC (${cpus().length} cores; one TLC run costs ${(startupMs / 1000).toFixed(2)} s before any event)`,
  );
  console.log('workload                 events   wall s  events/s  TLC runs  TLC s (sum)  start-up share');
  const row = async (label: string, traces: TraceInput[]) => {
    const report = await checkTraces(traces, tlc);
    const bad = report.verdicts.filter((v) => v.status !== 'accepted').length;
    if (bad) throw new Error(`${bad} benchmark trace(s) not accepted`);
    const events = traces.reduce((n, t) => n + (t.eventCount ?? 0), 0);
    const share = (report.tlcRuns * startupMs) / report.tlcMs;
    console.log(
      `${label.padEnd(25)}${String(events).padEnd(9)}${(report.wallMs / 1000).toFixed(1).padEnd(8)}${String(Math.round((events * 1000) / report.wallMs)).padEnd(10)}${String(report.tlcRuns).padEnd(10)}${(report.tlcMs / 1000).toFixed(1).padEnd(13)}${(share * 100).toFixed(0)}%`,
    );
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
  console.log(
    `\nthe two checkers of spec/Raft.tla on the same traces (${cpus().length} cores for TLC, one for the in-process checker); --skip-checkers yes skips it`,
  );
  console.log(
    'workload                             events   in-process events/s (cold, warm)   TLC events/s (wall)   ratio (warm / TLC)',
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
    console.log(
      `${label.padEnd(37)}${String(events).padEnd(9)}${`${Math.round(rates[0]!)}, ${Math.round(warm)}`.padEnd(35)}${String(Math.round(tlcRate)).padEnd(22)}${(warm / tlcRate).toFixed(0)}x`,
    );
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
  console.log(
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
  console.log(
    `\nreal cluster: 3 server processes on 127.0.0.1, ${writes} writes per row (client send to answer after commit and apply)`,
  );
  console.log(
    `fsync on this machine's temp dir: ${fsyncMicroseconds().toFixed(0)} µs per 100-byte append + fsync (median of 500)`,
  );
  console.log('fsync  clients  writes/s  median ms  p99 ms  trace events/s (all servers)  simulator events/s ÷ real');
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
        console.log(
          `${(fsync ? 'on' : 'off').padEnd(7)}${String(clients).padEnd(9)}${Math.round(writes / seconds)
            .toLocaleString('en-US')
            .padEnd(
              10,
            )}${percentile(latencies, 50).toFixed(1).padEnd(11)}${percentile(latencies, 99).toFixed(1).padEnd(8)}${Math.round(eventsPerSecond).toLocaleString('en-US').padEnd(30)}${(simEventsPerSecond / eventsPerSecond).toFixed(0)}x`,
        );
      }
    } finally {
      await cluster.stopAll();
      removeTempDir(dir);
    }
  }
}

async function nemesisBench(secondsList: number[]): Promise<void> {
  console.log(
    "\nthe nemesis: real 3-server clusters under seed 1's fault schedule, judged by merge, TLC and linearizability",
  );
  const java = findJava();
  const jar = await findTlcJar();
  console.log('run s  events  events/s  ops  max log  merge ms/10k ev  TLC s  TLC ev/s  lin ms/1k ops  verdict');
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
      console.log(
        `${String(seconds).padStart(5)}  ${String(ev).padStart(6)}  ${(ev / seconds).toFixed(0).padStart(8)}  ${String(r.linearizability.operations).padStart(4)}  ${String(maxLog).padStart(7)}  ${(ev ? (r.traces.mergeMs / ev) * 10_000 : 0).toFixed(0).padStart(15)}  ${(r.tlc.ms / 1000).toFixed(1).padStart(5)}  ${(r.tlc.ms ? ev / (r.tlc.ms / 1000) : 0).toFixed(0).padStart(8)}  ${(r.linearizability.operations ? (r.linearizability.ms / r.linearizability.operations) * 1000 : 0).toFixed(2).padStart(13)}  ${r.verdict}${r.findings.length ? `: ${r.findings[0]!.what.slice(0, 80)}` : ''}`,
      );
    } finally {
      removeTempDir(dir);
    }
  }
  console.log('linearizability alone, generated linearizable histories (3 keys, 5 clients, 1 write in 20 unanswered):');
  console.log('operations  ms      ms per 1,000 operations');
  for (const n of [1000, 10_000, 100_000]) {
    const h = generatedHistory(n, 3, 5, n);
    const t0 = performance.now();
    const verdict = checkLinearizability(h);
    const ms = performance.now() - t0;
    if (!verdict.linearizable) throw new Error('internal: a generated history came out not linearizable');
    console.log(`${String(n).padStart(10)}  ${ms.toFixed(1).padStart(6)}  ${((ms / n) * 1000).toFixed(2)}`);
  }
}

async function reportsBench(): Promise<void> {
  console.log(
    '\nthe HTML report of one long rejected trace (in-process diagnosis, no TLC); --skip-reports yes skips it',
  );
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
    console.log(
      `  ${verdict.events.toLocaleString('en-US')} events, rejected at event ${verdict.diagnosis.event.i} (${verdict.diagnosis.kind})`,
    );
    const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
    const browser = existsSync(chromiumPath)
      ? await (
          await import('playwright-core')
        ).chromium.launch({
          executablePath: chromiumPath,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        })
      : null;
    if (!browser) console.log(`  no chromium at ${chromiumPath} (make browser installs it): page build and size only`);
    try {
      console.log('  window (events)   build (s)   page (MB)   open to drawn (s)   click to state (s)');
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
        console.log(
          `  ${String(window).padStart(15)}   ${build.toFixed(2).padStart(9)}   ${(html.length / 1e6).toFixed(1).padStart(9)}   ${open.padStart(17)}   ${click.padStart(18)}`,
        );
      }
    } finally {
      await browser?.close();
    }
  } finally {
    removeTempDir(dir);
  }
}

async function main(): Promise<void> {
  const { values } = parse(process.argv.slice(2), [
    'schedules',
    'steps',
    'skip-tlc',
    'skip-cluster',
    'writes',
    'skip-nemesis',
    'nemesis-seconds',
    'skip-checkers',
    'skip-reports',
  ]);
  const writes = positiveInt('writes', values.writes, 2000);
  const simEventsPerSecond = simulatorBench(values);
  oracleCostBench();
  traceSizeBench();
  if (values['skip-cluster'] !== 'yes') await realClusterBench(writes, simEventsPerSecond);
  if (values['skip-tlc'] !== 'yes') await validationBench();
  if (values['skip-nemesis'] !== 'yes') {
    const list = (values['nemesis-seconds'] ?? '10,30,120')
      .split(',')
      .map((x) => positiveInt('nemesis-seconds', x.trim(), 0));
    if (list.some((x) => x < 3))
      throw new UsageError('--nemesis-seconds takes run lengths of at least 3 s, e.g. 10,30,120');
    await nemesisBench(list);
  }
  if (values['skip-checkers'] !== 'yes') await checkersBench();
  if (values['skip-reports'] !== 'yes') await reportsBench();
}

runTool('bench', main);
