// The long tier of the audit (test/unit/audit.test.ts has the catalogue and
// the coverage): a small audit run through its command catches the sampled
// mutants with 1-minimal counterexamples that TLC confirms, and its HTML page
// reads right in a browser.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { BRANCHES, CLIENT_ROWS, WINDOW_ROWS } from '../../src/audit/coverage.js';
import { launchBrowser, openReport } from '../support/browser.js';

describe('a small audit', () => {
  /** The audit's output folder, once it has run. */
  let audited: string | null = null;
  let browser: Browser | null = null;
  afterAll(async () => {
    await browser?.close();
  });

  it(
    'catches the sampled mutants with 1-minimal counterexamples that TLC confirms, by the right oracle, and finds the correct implementation clean',
    { timeout: 600_000 },
    () => {
      const out = mkdtempSync(join(tmpdir(), 'audit-'));
      const run = spawnSync(
        'npx',
        [
          'tsx',
          'tools/audit.ts',
          '--mutants',
          '2,7,12,14,15',
          '--schedules',
          '400',
          '--seconds',
          '90',
          '--shrink-seconds',
          '15',
          '--correct-schedules',
          '300',
          '--out',
          out,
        ],
        { encoding: 'utf8' },
      );
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));
      expect(report.caught).toBe(5);
      for (const row of report.rows) {
        if (row.mutant) {
          const f = row.failure;
          expect(f, row.mutant.name).not.toBeNull();
          expect(f.shrunk.events, row.mutant.name).toBeLessThanOrEqual(f.original.events);
          // Shrunk in this process until no single step can go or be simpler, no server dropped.
          expect(f.shrunk.minimal, row.mutant.name).toBe(true);
          expect(f.shrunk.events, row.mutant.name).toBeLessThanOrEqual(30);
          expect(f.diagnosis.length).toBeGreaterThan(0);
          // TLC judged the counterexample (and each campaign's sample) and agreed with the in-process checker.
          if (f.oracle === 'tlc') expect(f.confirmedByTlc, row.mutant.name).toBe(true);
          expect(row.confirmed.traces, row.mutant.name).toBeGreaterThan(0);
          // The saved counterexample replays to the same failure.
          expect(readFileSync(join(f.dir, 'trace.ndjson'), 'utf8').split('\n').length - 2).toBeGreaterThanOrEqual(
            f.shrunk.events,
          );
        } else {
          expect(row.failure).toBeNull();
          expect(row.schedules).toBe(300);
          expect(row.confirmed.traces).toBeGreaterThan(0);
        }
      }
      // Only a client that still believes in a deposed leader reaches mutant 14's bug; TLC then rejects the step.
      expect(report.rows.find((r: { mutant: { id: number } | null }) => r.mutant?.id === 14).failure.oracle).toBe(
        'tlc',
      );
      // A swallowed vote request is no step at all: only the unlogged-step check sees it.
      expect(report.rows.find((r: { mutant: { id: number } | null }) => r.mutant?.id === 15).failure.oracle).toBe(
        'unlogged',
      );
      expect(run.stdout).toMatch(/TLC judged \d+ traces .* and agreed with the in-process checker on each/);
      const md = readFileSync(join(out, 'audit.md'), 'utf8');
      expect(md).toContain('| 7 | voted-for-not-persisted |');
      expect(md).toMatch(/\| deposed leader \| [1-9]\d* \|/);
      expect(md).toContain('## Progress phase (correct implementation)');
      audited = out;
    },
  );

  it('writes an HTML page, read in a browser: the kill table, each counterexample drawn with its flagged event, the coverage chart', async () => {
    expect(audited, 'the small audit above did not finish').not.toBeNull();
    const report = JSON.parse(readFileSync(join(audited!, 'audit.json'), 'utf8'));
    browser = await launchBrowser();
    const p = await openReport(browser, join(audited!, 'audit.html'));
    expect(await p.page.locator('.verdict-line').textContent()).toMatch(
      /^5 of 5 injected bugs caught; correct implementation clean over 300 schedules/,
    );
    const rows = p.page.locator('table#kills tbody tr');
    expect(await rows.count()).toBe(6);
    expect(await p.page.locator('table#kills td.caught').count()).toBe(5);
    // Every counterexample is drawn; the flagged event is the one the oracle named.
    expect(await p.page.locator('details.trace-diagram .diagram').count()).toBe(5);
    for (const [k, row] of (
      report.rows as Array<{
        mutant: { id: number } | null;
        failure: { oracle: string; diagnosis: string[]; what: string } | null;
      }>
    ).entries()) {
      if (!row.failure) continue;
      const section = p.page.locator(`details#counterexample-${k + 1}`);
      await section.evaluate((d) => ((d as HTMLDetailsElement).open = true));
      const flagged = await section.locator('.event.failing').getAttribute('data-event');
      const named =
        row.failure.oracle === 'tlc'
          ? /event (\d+) is not a step/.exec(row.failure.diagnosis[0]!)![1]
          : /after event (\d+)/.exec(row.failure.what + row.failure.diagnosis.join(' '))![1];
      expect(flagged, `mutant ${row.mutant!.id}`).toBe(named);
      if (row.failure.oracle === 'tlc')
        expect(
          await section.locator('.diagnosis table.differences, .diagnosis table.conditions').count(),
          `mutant ${row.mutant!.id}`,
        ).toBeGreaterThan(0);
    }
    // Clicking an event of the first counterexample shows every server's state after it.
    await p.page.locator('details#counterexample-1 .event[data-event="1"]').click();
    expect(await p.page.locator('.state-panel[data-for="counterexample-1"] h4').textContent()).toMatch(
      /^State after event 1: /,
    );
    expect(await p.page.locator('.state-panel[data-for="counterexample-1"] tr[data-server]').count()).toBe(3);
    // The coverage chart has a bar per action and branch, none of them empty after 300 schedules.
    expect(await p.page.locator('#coverage .bar-row').count()).toBe(
      BRANCHES.length + CLIENT_ROWS.length + WINDOW_ROWS.length,
    );
    expect(
      await p.page.locator('#coverage .bar-row[data-row="HandleRequestVoteRequest/granted"] .count').textContent(),
    ).toMatch(/^[1-9][\d,]*$/);
    await p.screenshot('audit');
    expect(p.errors).toEqual([]);
    expect(p.requests).toEqual([]);
  });
});
