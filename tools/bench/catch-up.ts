// Part 9 of the benchmark (tools/bench.ts): how long a follower far behind
// takes to catch up, by the leader's snapshot and by entries alone, on the
// simulator's clock, and the same runs checked by TLC.
import { join } from 'node:path';
import { Cluster } from '../../src/sim/cluster.js';
import { ATTACK_TIMING } from '../../src/sim/attacks.js';
import { TraceFileWriter } from '../../src/trace/recorder.js';
import { validateTraceFile } from '../../src/trace/validate.js';
import { checkTraces } from '../../src/check/trace-checker.js';
import { checkTraceInProcess } from '../../src/check/in-process-checker.js';
import type { JavaRuntime, TlcJar } from '../../src/tlc/jar.js';
import type { ServerId } from '../../src/raft/types.js';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import type { Figures } from '../../src/cli/figures.js';

/**
 * Entries a leader takes per client burst, and the ticks between bursts: one
 * a tick. (The core sends AppendEntries on every proposal, so a burst of
 * many puts as many messages in flight, each with up to 64 entries: a state
 * TLC takes far longer to fingerprint, for no more coverage.)
 */
const BURST = 1;
const TICKS_PER_BURST = 1;
/** Distinct keys the writes go to: the store, and so the snapshot, holds this many. */
const KEYS = 1000;

interface CatchUp {
  readonly behind: number;
  readonly ticks: number;
  /** Messages the leader sent the follower while it caught up, and the snapshots among them. */
  readonly sends: number;
  readonly snapshots: number;
  readonly events: number;
  readonly generatedMs: number;
}

/** The first live server other than `not`. */
function another(cluster: Cluster, not: ServerId): ServerId {
  return cluster.servers.find((s) => s !== not && cluster.isAlive(s))!;
}

/**
 * 3 servers (seed 4, PreVote and CheckQuorum on, the attacks' clock, 64
 * entries per AppendEntries): a leader is elected, one follower is cut off,
 * `entries` writes commit without it, and the follower is healed; the run
 * ticks on until the follower has committed all of them.
 */
function catchUpRun(path: string, entries: number, every: number, limitTicks: number): CatchUp {
  const t0 = performance.now();
  const file = new TraceFileWriter(path);
  const cluster = new Cluster({
    size: 3,
    seed: 4,
    timing: ATTACK_TIMING,
    params: { bench: 'catch-up', entries },
    traceFile: file,
    guards: { preVote: true, checkQuorum: true },
    maxEntriesPerMessage: 64,
    ...(every ? { snapshotEvery: every } : {}),
  });
  for (let t = 0; t < 60 && !cluster.leader(); t++) cluster.tick();
  const leader = cluster.leader();
  if (!leader) throw new Error('no leader was elected in 60 ticks');
  const follower = another(cluster, leader);
  cluster.partition([follower]);
  let written = 0;
  for (let guard = 0; written < entries && guard < 50 * entries; guard++) {
    for (let k = 0; k < BURST && written < entries; k++)
      if (cluster.clientRequestTo(leader, `k${written % KEYS}`) !== null) written++;
    for (let t = 0; t < TICKS_PER_BURST; t++) cluster.tick();
  }
  for (let t = 0; t < 200 && cluster.state(leader).commitIndex < cluster.state(leader).log.length; t++) cluster.tick();
  const target = cluster.state(leader).commitIndex;
  const behind = target - cluster.state(follower).commitIndex;
  const before = { sends: countSends(cluster), events: eventCount(cluster) };
  cluster.heal();
  let ticks = 0;
  while (cluster.state(follower).commitIndex < target && ticks < limitTicks) {
    cluster.tick();
    ticks++;
  }
  if (cluster.state(follower).commitIndex < target)
    throw new Error(`the follower had not caught up after ${limitTicks} ticks`);
  const after = { sends: countSends(cluster), events: eventCount(cluster) };
  file.commit();
  return {
    behind,
    ticks,
    sends: after.sends.all - before.sends.all,
    snapshots: after.sends.snapshots - before.sends.snapshots,
    events: after.events,
    generatedMs: performance.now() - t0,
  };
}

function countSends(cluster: Cluster): { all: number; snapshots: number } {
  const c = cluster.actionCounts();
  return { all: (c.AppendEntries ?? 0) + (c.SendSnapshot ?? 0), snapshots: c.SendSnapshot ?? 0 };
}

function eventCount(cluster: Cluster): number {
  return Object.values(cluster.actionCounts()).reduce((a: number, b) => a + (b ?? 0), 0);
}

/** A line on stderr per tenth of a TLC check's batches: a long check shows how far it is. */
function progress(every: number): (done: number, total: number) => void {
  const started = performance.now();
  let shown = 0;
  return (done, total) => {
    if (done < total && done * 10 < (shown + 1) * total) return;
    shown = Math.floor((done * 10) / total);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(
      `catch-up (${every ? `snapshot every ${every}` : 'entries only'}): TLC checked ${done} of ${total} batches in ${seconds} s\n`,
    );
  };
}

/** Part 9: a follower `entries` behind, caught up once per policy (0: entries only), each run checked by TLC. */
export async function catchUpBench(
  figures: Figures,
  entries: number,
  policies: readonly number[],
  /**
   * TLC and how many TLC runs check a trace's batches at once, or null to
   * judge with the in-process checker (the spec's transcription) instead.
   */
  tlc: { java: JavaRuntime; jar: TlcJar; parallel: number } | null,
): Promise<void> {
  const print = figures.table(
    `a follower ${entries.toLocaleString('en-US')} entries behind catching up (3 servers, seed 4, 64 entries per AppendEntries, the attacks' clock: heartbeats every 2 ticks, messages within 2), each run checked`,
    [
      ['catch up by', 22],
      ['behind', 9],
      ['ticks', 8],
      ['sends', 8],
      ['events', 10],
      ['generated s', 13],
      ['checked by', 22],
      ['check s', 0],
    ],
    [
      'ticks: from the heal until the follower has committed every entry; sends: the AppendEntries and snapshots all servers sent meanwhile',
    ],
  );
  for (const every of policies) {
    const dir = makeTempDir('bench-catch-up-');
    try {
      const path = join(dir, `catch-up-${every}.ndjson`);
      const run = catchUpRun(path, entries, every, 20 * entries);
      const checked = validateTraceFile(path);
      if (!checked.ok) throw new Error(`the catch-up trace is invalid: ${checked.problems[0]!.message}`);
      const t0 = performance.now();
      const input = { file: path, ...checked.trace };
      // An hour per TLC run: late in a 100,000-entry run a batch takes most of
      // the checker's default 10 min on busy cores (the history it starts from
      // holds every commit the cut-off follower has not snapshotted).
      const verdict = tlc
        ? (await checkTraces([input], { ...tlc, timeoutMs: 3_600_000, onBatchDone: progress(every) })).verdicts[0]!
        : checkTraceInProcess(input);
      const status = verdict.status;
      if (status === 'error' && 'message' in verdict) process.stderr.write(`catch-up: ${verdict.message}\n`);
      print([
        every ? `snapshot (every ${every})` : 'entries only',
        run.behind,
        run.ticks,
        every ? `${run.sends} (${run.snapshots} snapshots)` : run.sends,
        run.events,
        (run.generatedMs / 1000).toFixed(1),
        `${tlc ? 'TLC' : 'in-process'}: ${status}`,
        ((performance.now() - t0) / 1000).toFixed(0),
      ]);
    } finally {
      removeTempDir(dir);
    }
  }
}
