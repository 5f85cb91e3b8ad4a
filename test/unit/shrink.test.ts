// The shrinker on a toy problem, with no Raft in it: a "schedule" of numbers
// fails when it holds a 3 and, later, a 7; each step is one event; a step is
// made simpler by counting it down. The shrinker must find the 1-minimal
// schedule [3, 7], on the fewest servers, and say it is minimal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shrinkSchedule, type ShrinkProblem, type Shrinkable } from '../../src/audit/shrink.js';

type Toy = Shrinkable<number> & { readonly seed: number };

/** The index of the step at which the toy fails (a 7 after a 3), or -1. */
function failingStep(steps: readonly number[]): number {
  const three = steps.indexOf(3);
  return three < 0 ? -1 : steps.findIndex((s, k) => k > three && s === 7);
}

function toyProblem(needsNodes = 1, deadline = performance.now() + 10_000): ShrinkProblem<number, Toy, string> {
  return {
    judge: (t) => {
      const k = failingStep(t.steps);
      if (k < 0 || t.nodes < needsNodes) return null;
      return { events: k + 1, cut: { ...t, steps: t.steps.slice(0, k + 1) }, verdict: `fails at step ${k}` };
    },
    simplifications: (s) => (s > 0 ? [s - 1] : []),
    fewestNodes: 3,
    pairsUpTo: 40,
    deadline,
  };
}

describe('the shrinker', () => {
  it('shrinks any failing schedule to the 1-minimal [3, 7] on the fewest servers, and says it is minimal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 60 }),
        fc.constantFrom(3, 5),
        (before, between, nodes) => {
          const steps = [...before, 3, ...between, 7, 9, 9];
          const start: Toy = { nodes, seed: 1, steps };
          const events = failingStep(steps) + 1;
          const r = shrinkSchedule(start, events, 'first', toyProblem());
          expect(r.best).toEqual({ nodes: 3, seed: 1, steps: [3, 7] });
          expect(r.events).toBe(2);
          expect(r.verdict).toBe('fails at step 1');
          expect(r.minimal).toBe(true);
          expect(r.rounds).toBeGreaterThan(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps the servers a failure needs', () => {
    const r = shrinkSchedule({ nodes: 5, seed: 1, steps: [1, 3, 4, 7] }, 4, 'first', toyProblem(5));
    expect(r.best.nodes).toBe(5);
    expect(r.best.steps).toEqual([3, 7]);
  });

  it('makes a step simpler when that still fails: an 8 counts down to the 7 that is needed', () => {
    const r = shrinkSchedule({ nodes: 3, seed: 1, steps: [3, 8, 8] }, 3, 'first', {
      ...toyProblem(),
      judge: (t) => {
        const k = t.steps.findIndex((s, j) => j > 0 && t.steps[0] === 3 && s >= 7);
        return k < 0 ? null : { events: k + 1, cut: { ...t, steps: t.steps.slice(0, k + 1) }, verdict: 'v' };
      },
    });
    expect(r.best.steps).toEqual([3, 7]);
  });

  it('says a schedule is not minimal when the deadline came first', () => {
    const r = shrinkSchedule({ nodes: 3, seed: 1, steps: [1, 3, 4, 7] }, 4, 'first', toyProblem(1, 0));
    expect(r.minimal).toBe(false);
    expect(r.best.steps).toEqual([1, 3, 4, 7]);
  });
});
