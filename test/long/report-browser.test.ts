// The long tier of the report pages in a browser
// (test/system/report-browser.test.ts has the rest): a long trace opens at a
// window around its failing event, and the page of a whole accepted run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEvent, startReplay } from '../../src/trace/replay.js';
import { openReport } from '../support/browser.js';
import { browserForPages, checkTraces, eventsOf, fixture, inView } from '../support/report-pages.js';

const browser = browserForPages();

describe('a long trace', () => {
  it('opens at a window around the failing event, built from the state rebuilt before it', async () => {
    const fx = fixture('rejected-vote-on-stale-term.ndjson');
    const run = checkTraces(['--window', '12', `traces/fixtures/${fx.file}`]);
    expect(run.status, run.output).toBe(1);
    const events = eventsOf(`traces/fixtures/${fx.file}`);
    const p = await openReport(browser(), run.html);
    try {
      const note = await p.page.locator('details#trace-1 .window-note').textContent();
      const [, first, last, total] = /Showing events (\d+) to (\d+) of (\d+)/.exec(note ?? '')!.map(Number);
      expect(total).toBe(events.length);
      expect(last! - first! + 1).toBe(12);
      expect(first).toBeGreaterThan(1);
      expect(await p.page.locator('details#trace-1 .event').count()).toBe(12);
      expect(await p.page.locator('details#trace-1 .event.failing').getAttribute('data-event')).toBe(
        String(fx.line! - 1),
      );
      expect(await inView(p, 'trace-1', '.event.failing')).toBe(true);
      // The window's first event shows the state the whole trace implies there.
      await p.page.locator(`details#trace-1 .event[data-event="${first}"]`).click();
      const replay = startReplay(['n1', 'n2', 'n3']);
      for (const e of events.slice(0, first)) applyEvent(replay, e);
      const panel = p.page.locator('.state-panel[data-for="trace-1"]');
      for (const id of ['n1', 'n2', 'n3']) {
        const s = replay.state.servers[id]!;
        expect(await panel.locator(`tr[data-server="${id}"] td[data-field="votedFor"]`).textContent()).toBe(
          String(s.state.votedFor),
        );
        expect(await panel.locator(`tr[data-server="${id}"] td[data-field="log"] .log-entry`).count()).toBe(
          s.log.length,
        );
      }
      expect(p.errors).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});

describe('the check report of an accepted run, in a browser', () => {
  it('says every trace was accepted, draws no diagram, and sorts its table by the column clicked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accepted-'));
    const gen = spawnSync('npx', ['tsx', 'tools/generate-traces.ts', '--count', '11', '--out', dir], {
      encoding: 'utf8',
    });
    expect(gen.status, gen.stdout + gen.stderr).toBe(0);
    const seeds = Array.from({ length: 11 }, (_, k) => k + 1);
    const files = seeds.map((n) => join(dir, `seed-${n}.ndjson`)).filter(existsSync);
    expect(files.length, gen.stdout).toBe(11);
    // In the order a shell lists them: seed-1, seed-10, seed-11, seed-2, ...
    const run = checkTraces([...files].sort());
    expect(run.status, run.output).toBe(0);
    const p = await openReport(browser(), run.html);
    try {
      expect(await p.page.locator('.verdict-line').textContent()).toBe('All 11 trace(s) accepted by TLC.');
      expect(await p.page.locator('.trace-diagram').count()).toBe(0);
      const rows = p.page.locator('table#traces tbody tr');
      expect(await rows.count()).toBe(11);
      // Names sort in natural order: seed-2 before seed-10.
      await p.page.locator('table#traces th', { hasText: /^trace$/ }).click();
      const names = await rows.evaluateAll((rs) => rs.map((r) => (r as HTMLTableRowElement).cells[1]!.textContent));
      expect(names.map((n) => Number(/seed-(\d+)/.exec(n ?? '')![1]))).toEqual(seeds);
      const eventsColumn = async () =>
        await rows.evaluateAll((rs) => rs.map((r) => Number((r as HTMLTableRowElement).cells[3]!.dataset.sort)));
      const header = p.page.locator('table#traces th', { hasText: 'events' });
      await header.click();
      const up = await eventsColumn();
      expect(up).toEqual([...up].sort((a, b) => a - b));
      await header.click();
      const down = await eventsColumn();
      expect(down).toEqual([...up].reverse());
      expect(new Set(up).size, 'traces of distinct lengths make the order visible').toBeGreaterThan(1);
      await p.screenshot('check-accepted');
      expect(p.errors).toEqual([]);
      expect(p.requests).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});
