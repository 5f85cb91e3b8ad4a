// The long tier of the two checkers' agreement (test/tlc/in-process-checker.test.ts
// has the fixtures): the differential fuzzer's sample, every kind of
// perturbation, judged by TLC and by the in-process checker alike.
import { describe, expect, it } from 'vitest';
import { formatFuzzTable, fuzzCheckers } from '../../src/check/differential.js';
import { Rng } from '../../src/random/rng.js';
import { needTlc } from '../support/need-tlc.js';

describe('the differential fuzzer (a sample of make fuzz-checkers)', () => {
  it(
    'finds TLC and the in-process checker in agreement on every perturbed trace, of every kind, a third at chunk boundaries',
    { timeout: 300_000 },
    async () => {
      const tlc = await needTlc();
      const report = await fuzzCheckers({
        count: 100,
        rng: new Rng(11),
        firstSeed: 11,
        bases: 6,
        schedule: { minSteps: 40, maxSteps: 100 },
        tlc: { ...tlc, chunkSize: 20 },
      });
      const table = formatFuzzTable(report).join('\n');
      expect(
        report.disagreements.map((d) => `${d.perturbation.kind} ${d.perturbation.what}: ${d.detail}`),
        table,
      ).toEqual([]);
      expect(report.basesRejected, table).toEqual([]);
      expect(report.checked, table).toBeGreaterThanOrEqual(78);
      for (const row of report.rows) expect(row.made, `${row.kind}\n${table}`).toBe(10);
      // Both reject what breaks the trace, and both accept what cannot (a cut trace is a behaviour's prefix).
      // (A timer restart recorded where Raft makes none, or left out where it makes one, is always rejected.)
      for (const kind of ['post-state', 'sent-message', 'consumed-message', 'timer']) {
        expect(report.rows.find((r) => r.kind === kind)!.rejected, `${kind}\n${table}`).toBeGreaterThan(5);
      }
      // (A retargeted RequestVote or AppendEntries names its new peer too, and is a step of the spec if that message is never received.)
      expect(report.rows.find((r) => r.kind === 'retarget')!.rejected, table).toBeGreaterThan(2);
      expect(report.rows.find((r) => r.kind === 'truncate')!.accepted, table).toBe(10);
      const atBoundary = report.rows.reduce((n, r) => n + r.atBoundary, 0);
      expect(atBoundary, table).toBeGreaterThanOrEqual(30);
    },
  );
});
