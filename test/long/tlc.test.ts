// The long tier of TLC itself (test/tlc/tlc.test.ts has the rest): a
// counterexample found and parsed, and runs side by side with a timeout.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { type JavaRuntime, type TlcJar } from '../../src/tlc/jar.js';
import { runTlc } from '../../src/tlc/run.js';
import { loadSpecMutants, mutatedSpecDir, type SpecMutant } from '../../src/audit/spec-mutants.js';

let java: JavaRuntime;
let jar: TlcJar;

beforeAll(async () => {
  ({ java, jar } = await needTlc());
}, 300_000);

/** A scratch copy of spec/ with one mutant of src/audit/catalogues/spec-mutants.json applied. */
function mutatedSpec(name: string): { dir: string; mutant: SpecMutant } {
  const mutant = loadSpecMutants().find((m) => m.name === name);
  if (!mutant) throw new Error(`no spec mutant ${name}`);
  return { dir: mutatedSpecDir(mutant), mutant };
}

describe('TLC on the bundled spec, at length', { timeout: 300_000 }, () => {
  it('finds the violation in the variant that grants votes without the log check, with a parsed counterexample', async () => {
    const { dir, mutant } = mutatedSpec('vote-without-log-check');
    const result = await runTlc({
      spec: join(dir, 'MCRaft.tla'),
      config: join(dir, 'MCRaftSmall.cfg'),
      workers: 2,
      java,
      jar,
    });
    const o = result.outcome;
    if (o.kind !== 'violation') throw new Error(`expected a violation, got ${JSON.stringify(o).slice(0, 500)}`);
    expect(o.property).toBe(mutant.killedBy!.property);
    expect(o.propertyKind).toBe('invariant');
    expect(o.trace[0]!.action).toBe('Initial predicate');
    expect(o.trace.map((s) => s.number)).toEqual(o.trace.map((_, k) => k + 1));
    const last = o.trace[o.trace.length - 1]!;
    // (TLC 2.15 names the step by its location here: the model's next-state
    // relation is a conjunction with the fault counter, which it cannot split.)
    expect(last.action).toMatch(/^(BecomeLeader|Action) line \d+/);
    // The new leader lacks an entry the history records as committed.
    const role = last.variables.role as Record<string, string>;
    const log = last.variables.log as Record<string, unknown[]>;
    const committed = last.variables.committed as Array<{ index: number; inTerm: number }>;
    const currentTerm = last.variables.currentTerm as Record<string, number>;
    const leaders = Object.keys(role).filter((s) => role[s] === 'Leader');
    expect(leaders.some((l) => committed.some((c) => c.inTerm < currentTerm[l]! && log[l]!.length < c.index))).toBe(
      true,
    );
  });

  it('runs concurrently, each run in its own metadir, and stops a run at its timeout', async () => {
    const [a, b, slow] = await Promise.all([
      runTlc({ spec: 'spec/MCRaft.tla', config: 'spec/MCRaftProgress.cfg', checkDeadlock: false, java, jar }),
      runTlc({ spec: 'spec/MCRaft.tla', config: 'spec/MCRaftProgress.cfg', checkDeadlock: false, java, jar }),
      runTlc({ spec: 'spec/MCRaft.tla', config: 'spec/MCRaft.cfg', java, jar, timeoutMs: 3000 }),
    ]);
    expect(a.outcome.kind).toBe('success');
    expect(b.outcome.kind).toBe('success');
    expect(a.distinctStates).toBe(b.distinctStates);
    expect(slow.outcome).toEqual({ kind: 'timeout', seconds: 3 });
  });
});
