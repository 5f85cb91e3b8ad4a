// Benchmark (not a test): simulator throughput and trace writing, for 3 and 5
// servers, on long fast-check schedules.
//   npm run bench [-- --schedules N --steps N]
// Prints schedule steps per second (simulation, invariant checks and trace
// serialization included), trace events written per second (to files, with
// atomic rename), and the trace size per event.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, positiveInt, UsageError } from '../src/sim/cli-options.js';
import { generateSchedule, runSchedule } from '../src/sim/schedule.js';
import { writeFileAtomic } from '../src/trace/recorder.js';

function main(): void {
  const { values } = parse(process.argv.slice(2), ['schedules', 'steps']);
  const schedules = positiveInt('schedules', values.schedules, 20);
  const steps = positiveInt('steps', values.steps, 5000);
  const dir = mkdtempSync(join(tmpdir(), 'raft-bench-'));
  console.log(`node ${process.version}; ${schedules} schedules of ${steps} steps per cluster size`);
  console.log('servers  steps/s    events/s(sim)  events/s(written)  bytes/event  events');
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
      console.log(
        `${String(nodes).padEnd(9)}${perSec(schedules * steps, simMs).padEnd(11)}${perSec(events, simMs).padEnd(15)}${perSec(events, simMs + writeMs).padEnd(19)}${String(Math.round(bytes / events)).padEnd(13)}${events}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
