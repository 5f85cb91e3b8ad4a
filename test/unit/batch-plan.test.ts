// The TLC checker's plan, without TLC: how traces are grouped and divided
// into runs, and what happens to a batch a TLC run could not finish.
import { describe, expect, it } from 'vitest';
import { afterFailure, planBatches, type PlannedTrace } from '../../src/check/batch-plan.js';
import type { TraceHeader } from '../../src/raft/events.js';

function trace(file: string, servers: number, eventCount: number, maxEntriesPerMessage = 3): PlannedTrace {
  const nodes = Array.from({ length: servers }, (_, k) => `n${k + 1}`);
  const header = { nodes, params: { maxEntriesPerMessage } } as unknown as TraceHeader;
  return { file, header, eventCount };
}

const options = { chunkSize: 250, eventsPerBatch: 15_000, parallel: 2, clusterProblem: () => null };

describe('the batch plan', () => {
  it('groups traces by cluster and entry bound, in the order given, and refuses empty ones by name', () => {
    const plan = planBatches(
      [trace('a', 3, 100), trace('b', 5, 100), trace('c', 3, 0), trace('d', 3, 100), trace('e', 3, 100, 1)],
      options,
    );
    expect(plan.problems).toEqual(new Map([[2, 'c: the trace has no events']]));
    expect(plan.clusters.map((c) => [c.servers.join(','), c.maxEntries, c.members])).toEqual([
      ['n1,n2,n3', 3, [0, 3]],
      ['n1,n2,n3,n4,n5', 3, [1]],
      ['n1,n2,n3', 1, [4]],
    ]);
  });

  it('passes on why a cluster cannot be checked', () => {
    const plan = planBatches([trace('a', 3, 10), trace('b', 4, 10)], {
      ...options,
      clusterProblem: (h) => (h.nodes.length === 4 ? 'four servers' : null),
    });
    expect(plan.problems.get(1)).toBe('b: four servers');
    expect(plan.clusters).toHaveLength(1);
  });

  it('gives a small workload one run, and a large one a whole number of rounds of the parallel runs', () => {
    const [small] = planBatches([trace('a', 3, 1999)], options).clusters;
    expect(small!.count).toBe(1);
    expect(small!.target).toBe(1999);
    // 40,000 events at 15,000 a run: 3 runs, rounded up to 2 rounds of 2.
    const [large] = planBatches([trace('a', 3, 20_000), trace('b', 3, 20_000)], options).clusters;
    expect(large!.count).toBe(4);
    expect(large!.target).toBe(10_000);
  });

  it('never plans more runs than there are chunks', () => {
    const [c] = planBatches([trace('a', 3, 2500)], { ...options, eventsPerBatch: 10, parallel: 8 }).clusters;
    expect(c!.count).toBe(10);
    expect(c!.target).toBe(250);
  });
});

describe('a batch TLC could not finish', () => {
  const open = ['c1', 'c2', 'c3', 'c4', 'c5'];

  it('fails every open chunk when TLC stopped for its budget or health, and runs none again', () => {
    expect(afterFailure(open.slice(0, 2), 'TLC timed out', false, null)).toEqual({
      failed: [
        ['c1', ': not checked: TLC timed out'],
        ['c2', ': not checked: TLC timed out'],
      ],
      retries: [],
    });
  });

  it('gives up the chunk TLC named for a data error, and runs the rest again', () => {
    const r = afterFailure(open, 'bad value', true, { chunk: 'c3', why: ':7: TLC could not evaluate it' });
    expect(r.failed).toEqual([['c3', ':7: TLC could not evaluate it']]);
    expect(r.retries).toEqual([['c1', 'c2', 'c4', 'c5']]);
  });

  it('halves the batch when TLC names no chunk, until the bad one is alone', () => {
    expect(afterFailure(open, 'bad value', true, null)).toEqual({
      failed: [],
      retries: [
        ['c1', 'c2', 'c3'],
        ['c4', 'c5'],
      ],
    });
    expect(afterFailure(['c4'], 'bad value', true, null)).toEqual({
      failed: [['c4', ': not checked: bad value']],
      retries: [],
    });
  });

  it('does nothing when every chunk got its verdict', () => {
    expect(afterFailure([], 'whatever', true, null)).toEqual({ failed: [], retries: [] });
  });
});
