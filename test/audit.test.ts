// The mutant catalogue stays applicable, and a small audit runs in the suite:
// a few injected bugs must be caught (and shrunk), the correct implementation
// must come out clean. The full audit is `make audit`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countCoverage, unexercised, BRANCHES } from '../src/audit/coverage.js';
import { loadMutants, mutantProblem, scratchCopy } from '../src/audit/mutants.js';
import { generateSchedule, runSchedule } from '../src/sim/schedule.js';

describe('mutant catalogue', () => {
  const mutants = loadMutants();

  it('lists the twelve known bugs, each with a distinct name', () => {
    expect(mutants.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(mutants.map((m) => m.name)).size).toBe(12);
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
    const c = {};
    for (let seed = 1; seed <= 30; seed++) countCoverage(c, runSchedule(generateSchedule(seed)).trace);
    const never = unexercised(c);
    expect(never.length).toBeLessThan(BRANCHES.length / 2);
    expect(c).toHaveProperty(['HandleRequestVoteRequest/granted']);
    expect(unexercised({})).toEqual([...BRANCHES]);
  });
});

describe('a small audit', () => {
  it('catches the sampled mutants with short counterexamples, and finds the correct implementation clean', { timeout: 600_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'audit-'));
    const run = spawnSync(
      'npx',
      ['tsx', 'tools/audit.ts', '--mutants', '2,3,7,12', '--schedules', '400', '--seconds', '90', '--shrink-seconds', '20', '--correct-schedules', '60', '--out', out],
      { encoding: 'utf8' },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));
    expect(report.caught).toBe(4);
    for (const row of report.rows) {
      if (row.mutant) {
        expect(row.failure, row.mutant.name).not.toBeNull();
        expect(row.failure.shrunk.events, row.mutant.name).toBeLessThanOrEqual(row.failure.original.events);
        expect(row.failure.diagnosis.length).toBeGreaterThan(0);
      } else {
        expect(row.failure).toBeNull();
        expect(row.schedules).toBe(60);
      }
    }
    expect(readFileSync(join(out, 'audit.md'), 'utf8')).toContain('| 7 | voted-for-not-persisted |');
  });
});
