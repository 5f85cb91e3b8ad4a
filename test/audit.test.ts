// The mutant catalogue stays applicable, and a small audit runs in the suite:
// a few injected bugs must be caught (and shrunk), the correct implementation
// must come out clean. The full audit is `make audit`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countCoverage, unexercised, BRANCHES, CLIENT_ROWS, WINDOW_ROWS, type Coverage } from '../src/audit/coverage.js';
import { loadMutants, mutantProblem, scratchCopy } from '../src/audit/mutants.js';
import { generateSchedule, runSchedule } from '../src/sim/schedule.js';

describe('mutant catalogue', () => {
  const mutants = loadMutants();

  it('lists the seventeen known bugs, each with a distinct name, the newer ones naming the real bug they are modelled on', () => {
    expect(mutants.map((m) => m.id)).toEqual(Array.from({ length: 17 }, (_, k) => k + 1));
    expect(new Set(mutants.map((m) => m.name)).size).toBe(17);
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
    expect(unexercised({})).toEqual([...BRANCHES, ...CLIENT_ROWS.filter((r) => r !== 'client → no leader known'), ...WINDOW_ROWS]);
  });
});

describe('a small audit', () => {
  it('catches the sampled mutants with short counterexamples, by the right oracle, and finds the correct implementation clean', { timeout: 600_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'audit-'));
    const run = spawnSync(
      'npx',
      ['tsx', 'tools/audit.ts', '--mutants', '2,7,12,14', '--schedules', '400', '--seconds', '90', '--shrink-seconds', '20', '--correct-schedules', '60', '--out', out],
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
    // Only a client that still believes in a deposed leader reaches mutant 14's bug; TLC then rejects the step.
    expect(report.rows.find((r: { mutant: { id: number } | null }) => r.mutant?.id === 14).failure.oracle).toBe('tlc');
    const md = readFileSync(join(out, 'audit.md'), 'utf8');
    expect(md).toContain('| 7 | voted-for-not-persisted |');
    expect(md).toMatch(/\| deposed leader \| [1-9]\d* \|/);
    expect(md).toContain('## Progress phase (correct implementation)');
  });
});
