// What the tlc and long tiers check of the spec's models: the correct spec
// passes a model, and a spec mutant is killed by the model and property its
// catalogue entry names. The tlc tier runs the models and kills of seconds,
// the long tier the rest.
import { rmSync } from 'node:fs';
import { expect } from 'vitest';
import { loadSpecMutants, mutatedSpecDir, type SpecMutant } from '../../src/audit/spec-mutants.js';
import type { JavaRuntime, TlcJar } from '../../src/tlc/jar.js';
import { findModel, MODELS } from '../../src/tlc/models.js';
import { runModel } from '../../src/tlc/models.js';

export interface Tlc {
  readonly java: JavaRuntime;
  readonly jar: TlcJar;
}

/** The models of seconds: the liveness model. The test models take minutes each. */
export const QUICK_PASSES = MODELS.filter((m) => m.liveness).map((m) => m.name);
export const LONG_PASSES = MODELS.filter((m) => m.use === 'test' && !m.liveness).map((m) => m.name);

/**
 * The suite kills the mutants whose models take seconds (MCRaftProgress,
 * MCRaftSmall, the snapshots' MCRaftSnapshotFaults and the guards'
 * MCRaftGuards); those that need the larger
 * models, minutes each, are killed by `make spec-audit`, which fails if any
 * model lost reach.
 */
const QUICK_MODELS = new Set(['MCRaftProgress', 'MCRaftSmall', 'MCRaftSnapshotFaults', 'MCRaftGuards']);
/** Of those, five kills of seconds, one per property they break: the tlc tier's; the long tier has the rest. */
const QUICK_KILL_NAMES = new Set([
  'quorum-off-by-one',
  'failed-response-sets-match-index',
  'commit-index-moves-backwards',
  'leader-stays-leader-on-higher-term',
  'check-quorum-counts-leader-twice',
]);

export const KILL_SAMPLE = loadSpecMutants().filter((m) => m.killedBy && QUICK_MODELS.has(m.killedBy.model));
export const QUICK_KILLS = KILL_SAMPLE.filter((m) => QUICK_KILL_NAMES.has(m.name));
export const LONG_KILLS = KILL_SAMPLE.filter((m) => !QUICK_KILL_NAMES.has(m.name));

export async function expectModelPasses(name: string, { java, jar }: Tlc): Promise<void> {
  const run = await runModel(findModel(name)!, { workers: 2, java, jar, timeoutMs: 600_000 });
  expect(run.result.outcome, run.result.output.slice(-1500)).toEqual({ kind: 'success' });
  expect(run.result.distinctStates).toBeGreaterThan(name === 'MCRaftProgress' ? 1000 : 40_000);
}

export async function expectKilled(m: SpecMutant, { java, jar }: Tlc): Promise<void> {
  const model = findModel(m.killedBy!.model)!;
  const dir = mutatedSpecDir(m);
  try {
    const run = await runModel(model, { specDir: dir, workers: 2, java, jar, timeoutMs: 600_000 });
    const o = run.result.outcome;
    if (o.kind !== 'violation') throw new Error(`${m.name} survived ${model.name}: ${JSON.stringify(o).slice(0, 300)}`);
    expect(o.property).toBe(m.killedBy!.property);
    expect(o.trace.length).toBeGreaterThan(1);
    expect(o.trace[0]!.action).toBe('Initial predicate');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
