// The long tier of the adversary (test/unit/adversary.test.ts has the rest):
// the soak command catches the mutants that only the unlogged-step and
// progress oracles can see.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the new mutants are caught by the new oracles (simulator only, no TLC)', () => {
  const soak = (mutant: string) => {
    const out = mkdtempSync(join(tmpdir(), 'soak-'));
    return spawnSync(
      'npx',
      ['tsx', 'tools/soak.ts', '--mutant', mutant, '--schedules', '300', '--shrink-seconds', '10', '--out', out],
      { encoding: 'utf8' },
    );
  };

  it('a swallowed vote request: unlogged step', { timeout: 120_000 }, () => {
    const run = soak('repeated-vote-request-swallowed');
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/caught by unlogged step/);
  });

  it('a follower whose rejections keep its election timer: no progress', { timeout: 180_000 }, () => {
    const run = soak('rejected-append-keeps-election-timer');
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/caught by progress/);
    expect(run.stdout).toMatch(/no progress in the progress phase after the schedule/);
  });
});
