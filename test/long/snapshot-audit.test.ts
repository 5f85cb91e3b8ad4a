// The audit of the snapshot mutants (33 to 37 of src/audit/catalogues/mutants.json):
// each runs its campaign with a snapshot every 3 entries, every fifth schedule
// leaving a server behind the compaction point (src/sim/compaction.ts), and
// each is caught, shrunk, and confirmed by TLC where the spec check caught it;
// the correct implementation, with a snapshot policy on a third of its
// seeds, stays clean.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the snapshot mutants', () => {
  it(
    'are each caught by the audit, TLC agreeing, and the correct implementation with snapshots is clean',
    { timeout: 900_000 },
    () => {
      const out = mkdtempSync(join(tmpdir(), 'snapshot-audit-'));
      try {
        const run = spawnSync(
          'npx',
          [
            'tsx',
            'tools/audit.ts',
            '--mutants',
            '33,34,35,36,37',
            '--schedules',
            '2000',
            '--seconds',
            '120',
            '--shrink-seconds',
            '15',
            '--correct-schedules',
            '150',
            '--out',
            out,
          ],
          { encoding: 'utf8' },
        );
        expect(run.status, run.stdout + run.stderr).toBe(0);
        const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));
        expect(report.caught).toBe(5);
        for (const row of report.rows) {
          if (!row.mutant) {
            expect(row.failure).toBeNull();
            continue;
          }
          const f = row.failure;
          expect(f, row.mutant.name).not.toBeNull();
          expect(f.shrunk.events, row.mutant.name).toBeLessThanOrEqual(f.original.events);
          if (f.oracle === 'tlc') expect(f.confirmedByTlc, row.mutant.name).toBe(true);
          // The counterexample holds the snapshot step the bug is in.
          expect(readFileSync(join(f.dir, 'trace.ndjson'), 'utf8'), row.mutant.name).toMatch(/Snapshot/);
        }
        expect(run.stdout).toMatch(/TLC judged \d+ traces .* and agreed with the in-process checker on each/);
        // The correct implementation's coverage took every snapshot branch.
        expect(run.stdout).not.toMatch(/never exercised: [^\n]*Snapshot/);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
  );
});
