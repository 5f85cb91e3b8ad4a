// Property tests over fast-check schedules: whatever the adversary does within
// the fault model, no safety invariant breaks; a seed and schedule replay to
// the same bytes; every trace is schema-valid.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSchedule, runSchedule, scheduleArbitrary, type Schedule } from '../../src/sim/schedule.js';
import { keepTraceIfAsked } from '../../src/trace/record-env.js';
import { validateTraceText } from '../../src/trace/validate.js';

const RUNS = 1000;

function describeFailure(schedule: Schedule, run: ReturnType<typeof runSchedule>): string {
  const f = run.failure!;
  return `${f.invariant} at step ${f.step} (seed ${f.seed}, ${schedule.nodes} nodes): ${f.detail}`;
}

for (const nodes of [3, 5]) {
  describe(`${nodes} servers`, () => {
    it(`no safety invariant breaks across ${RUNS} random schedules, and the runs make progress`, () => {
      let runs = 0;
      let committing = 0;
      let withLeader = 0;
      fc.assert(
        fc.property(scheduleArbitrary({ clusterSizes: [nodes] }), (schedule) => {
          const run = runSchedule(schedule);
          runs++;
          keepTraceIfAsked(`property-${nodes}-${runs}`, run.trace);
          if (run.failure) throw new Error(describeFailure(schedule, run));
          if (run.committed > 0) committing++;
          if (run.stepsWithLeader > 0) withLeader++;
        }),
        { numRuns: RUNS, seed: 20261126 + nodes },
      );
      expect(runs).toBe(RUNS);
      // A harness whose schedules never elect or commit would pass vacuously.
      expect(withLeader / runs).toBeGreaterThan(0.5);
      expect(committing / runs).toBeGreaterThan(0.25);
    });
  });
}

describe('determinism', () => {
  it('the same seed and schedule produce byte-identical traces', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), (seed) => {
        const a = runSchedule(generateSchedule(seed));
        const b = runSchedule(generateSchedule(seed));
        expect(b.trace).toBe(a.trace);
        expect(a.trace.length).toBeGreaterThan(0);
      }),
      { numRuns: 50, seed: 7 },
    );
  });

  it('a different seed changes the trace', () => {
    expect(runSchedule(generateSchedule(1)).trace).not.toBe(runSchedule(generateSchedule(2)).trace);
  });
});

describe('schema', () => {
  it('every trace of 200 random runs passes the schema', () => {
    let events = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const run = runSchedule(generateSchedule(seed));
      const result = validateTraceText(`seed-${seed}`, run.trace);
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(result.trace.events).toHaveLength(run.events);
      events += run.events;
    }
    expect(events).toBeGreaterThan(200 * 50);
  });
});
