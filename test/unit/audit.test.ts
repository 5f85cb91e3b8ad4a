// The mutant catalogue stays applicable, and a small audit runs in the suite:
// a few injected bugs must be caught (and shrunk), the correct implementation
// must come out clean. The full audit is `make audit`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countCoverage,
  unexercised,
  BRANCHES,
  CLIENT_ROWS,
  WINDOW_ROWS,
  type Coverage,
} from '../../src/audit/coverage.js';
import { loadMutants, mutantProblem, scratchCopy } from '../../src/audit/mutants.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';

describe('mutant catalogue', () => {
  const mutants = loadMutants();

  it('lists the thirty-seven known bugs, each with a distinct name, the newer ones naming the real bug they are modelled on', () => {
    expect(mutants.map((m) => m.id)).toEqual(Array.from({ length: 37 }, (_, k) => k + 1));
    expect(new Set(mutants.map((m) => m.name)).size).toBe(37);
    // The guards' bugs run with the guards on, and the snapshots' with snapshots on, or they would never run.
    for (const m of mutants.filter((x) => x.id > 21 && x.id <= 32))
      expect(m.guards, m.name).toEqual({ preVote: true, checkQuorum: true });
    for (const m of mutants.filter((x) => x.id > 32)) expect(m.snapshotEvery, m.name).toBe(3);
    for (const m of mutants.filter((x) => x.id > 12)) expect(m.bug, m.name).toMatch(/[\w-]+\/[\w-]+#\d+/);
  });

  it('every mutant still applies to the current code, at exactly one place', () => {
    for (const m of mutants) expect(mutantProblem(m), m.name).toBeNull();
  });

  it('a mutant is applied to a scratch copy only', () => {
    const m = mutants[6]!;
    const dir = scratchCopy(m);
    expect(readFileSync(join(dir, m.file), 'utf8')).toContain(m.replace);
    expect(readFileSync(m.file, 'utf8')).not.toContain(m.replace);
  });

  it('a stale mutant is reported, not silently skipped', () => {
    expect(mutantProblem({ ...mutants[0]!, find: 'this text is not in the code' })).toMatch(/matches 0 places/);
  });
});

describe('coverage', () => {
  it('counts actions and branches across traces, and lists the ones never seen', () => {
    const c: Coverage = {};
    for (let seed = 1; seed <= 30; seed++) countCoverage(c, runSchedule(generateSchedule(seed)));
    const never = unexercised(c);
    expect(never.filter((b) => (BRANCHES as readonly string[]).includes(b)).length).toBeLessThan(BRANCHES.length / 2);
    expect(c).toHaveProperty(['HandleRequestVoteRequest/granted']);
    expect(c['client → deposed leader']).toBeGreaterThan(0);
    expect(c['client → follower']).toBeGreaterThan(0);
    expect(unexercised({})).toEqual([
      ...BRANCHES,
      ...CLIENT_ROWS.filter((r) => r !== 'client → no leader known'),
      ...WINDOW_ROWS,
    ]);
  });
});
