// Part 10 of the benchmark (tools/bench.ts): what a real 3-server cluster
// keeps on disk under a steady write load, with a snapshot policy and
// without one, sampled through the run.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KvClient } from '../../src/client/kv-client.js';
import { LocalCluster } from '../../src/server/local-cluster.js';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import type { Figures } from '../../src/cli/figures.js';

/** Samples per run (one every tenth of it). */
const SAMPLES = 10;
/** Concurrent clients writing, and the keys they write (the store, and so the snapshot, holds this many). */
const CLIENTS = 4;
const KEYS = 256;

/** The bytes of a server's durable state (log, mark, snapshot files), and of its trace, which is the harness's. */
function bytesOf(dir: string): { state: number; trace: number } {
  let state = 0;
  let trace = 0;
  for (const name of readdirSync(dir)) {
    const size = statSync(join(dir, name)).size;
    if (name === 'trace.ndjson') trace += size;
    else if (name.startsWith('wal.log')) state += size;
  }
  return { state, trace };
}

/** Writes until `until` (ms, performance clock) from CLIENTS clients, each bounded by the time; returns the writes answered. */
async function writeLoad(cluster: LocalCluster, until: number): Promise<number> {
  let answered = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const client = new KvClient({ servers: cluster.clientUrls, timeoutMs: 10_000 });
      while (performance.now() < until) {
        const k = next++;
        try {
          await client.put(`k${k % KEYS}`, `c${c}-${k}`);
          answered++;
        } catch {
          // An unanswered write (a leader change): the next one goes on.
        }
      }
    }),
  );
  return answered;
}

/** Part 10: the durable state's size on every server through `seconds` of writes, per snapshot policy (0: none). */
export async function diskUseBench(figures: Figures, seconds: number, policies: readonly number[]): Promise<void> {
  const print = figures.table(
    `disk use of a real 3-server cluster under ${seconds} s of writes (${CLIENTS} clients, ${KEYS} keys, fsync on), per server, largest of the three`,
    [
      ['snapshot every', 16],
      ['writes', 9],
      ['state at 10 %', 15],
      ['at 50 %', 10],
      ['at 100 %', 10],
      ['largest', 10],
      ['trace at 100 %', 0],
    ],
    [
      "state: wal.log, its mark and the snapshot files; the trace (trace.ndjson) is the harness's record of every event, and grows with the run either way",
    ],
  );
  for (const every of policies) {
    const dir = makeTempDir('bench-disk-use-');
    const cluster = await LocalCluster.create({
      dir,
      servers: 3,
      lifetimeSeconds: seconds + 600,
      ...(every ? { snapshotEvery: every } : {}),
    });
    try {
      for (const id of cluster.ids) cluster.start(id);
      await cluster.waitForLeader(30_000);
      const t0 = performance.now();
      const load = writeLoad(cluster, t0 + seconds * 1000);
      const samples: Array<{ state: number; trace: number }> = [];
      for (let k = 1; k <= SAMPLES; k++) {
        await new Promise((r) => setTimeout(r, t0 + (k * seconds * 1000) / SAMPLES - performance.now()));
        const sizes = cluster.ids.map((id) => bytesOf(cluster.dataDir(id)));
        samples.push({
          state: Math.max(...sizes.map((s) => s.state)),
          trace: Math.max(...sizes.map((s) => s.trace)),
        });
      }
      const writes = await load;
      const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
      print([
        every ? String(every) : 'none',
        writes,
        kib(samples[0]!.state),
        kib(samples[SAMPLES / 2 - 1]!.state),
        kib(samples[SAMPLES - 1]!.state),
        kib(Math.max(...samples.map((s) => s.state))),
        kib(samples[SAMPLES - 1]!.trace),
      ]);
    } finally {
      await cluster.stopAll();
      removeTempDir(dir);
    }
  }
}
