// The HTML reports of make check, opened in a real browser (Debian's chromium,
// headless): the failing event of a rejected trace is highlighted, in view,
// with its diagnosis beside it; clicking an event shows every server's state
// after it; tables sort; nothing on the page errs or reaches the network.
// A screenshot of each page is kept in test-artifacts/screenshots/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceEvent } from '../src/raft/events.js';
import { applyEvent, startReplay } from '../src/trace/replay.js';
import { validateTraceFile } from '../src/trace/validate.js';
import { launchBrowser, openReport, type OpenedPage } from './browser.js';
import { needTlc } from './need-tlc.js';

interface ManifestEntry {
  file: string;
  verdict: string;
  line?: number;
  action?: string;
  path?: string;
  condition?: string;
}
const manifest = JSON.parse(readFileSync('traces/fixtures/manifest.json', 'utf8')) as ManifestEntry[];
const fixture = (file: string) => manifest.find((m) => m.file === file && !('specMutant' in m))!;

function checkTraces(args: string[]): {
  status: number | null;
  output: string;
  dir: string;
  html: string;
  json: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'report-'));
  const json = join(dir, 'check-report.json');
  const run = spawnSync('npx', ['tsx', 'tools/check-traces.ts', '--report', json, ...args], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr, dir, html: join(dir, 'check-report.html'), json };
}

function eventsOf(file: string): TraceEvent[] {
  const v = validateTraceFile(file);
  if (!v.ok) throw new Error(`fixture ${file} is invalid`);
  return [...v.trace.events];
}

/** The failing mark lies inside the diagram's scrolled viewport. */
async function inView(p: OpenedPage, diagram: string, selector: string): Promise<boolean> {
  return p.page.evaluate(
    ([d, s]) => {
      const scroller = document.querySelector(`details#${d} .scroller`)!.getBoundingClientRect();
      const mark = document.querySelector(`details#${d} ${s}`)!.getBoundingClientRect();
      return mark.left >= scroller.left && mark.right <= scroller.right;
    },
    [diagram, selector] as const,
  );
}

let browser: Browser;
beforeAll(async () => {
  await needTlc();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the check report of rejected traces, in a browser', () => {
  const diverged = fixture('rejected-commit-past-leader.ndjson');
  const disabled = fixture('rejected-commit-earlier-term.ndjson');
  let run: ReturnType<typeof checkTraces>;

  beforeAll(() => {
    run = checkTraces(
      [
        '--keep',
        'KEEP',
        `traces/fixtures/${diverged.file}`,
        `traces/fixtures/${disabled.file}`,
        'traces/fixtures/accepted-split-vote.ndjson',
      ].map((a) => (a === 'KEEP' ? join(tmpdir(), `kept-${process.pid}`) : a)),
    );
  });

  it('is written beside the JSON report, and the run fails', () => {
    expect(run.status, run.output).toBe(1);
    expect(existsSync(run.html), run.output).toBe(true);
    expect(run.output).toContain(`html report: ${run.html}`);
    expect(JSON.parse(readFileSync(run.json, 'utf8')).html).toBe(run.html);
  });

  it('highlights the failing event, in view, with the differing variable beside it, and shows its state', async () => {
    const p = await openReport(browser, run.html);
    try {
      const failing = p.page.locator('details#trace-1 .event.failing');
      await expect.poll(() => failing.count()).toBe(1);
      expect(await failing.getAttribute('data-event')).toBe(String(diverged.line! - 1));
      expect(await inView(p, 'trace-1', '.event.failing')).toBe(true);
      const diagnosis = p.page.locator('details#trace-1 .diagnosis');
      expect(await diagnosis.getAttribute('data-event')).toBe(String(diverged.line! - 1));
      const row = diagnosis.locator('table.differences tbody tr').first();
      expect(await row.locator('td').first().textContent()).toBe(diverged.path);
      expect(await row.locator('td.logged').textContent()).not.toBe(await row.locator('td.spec').textContent());
      // The diagram opens with the failing event selected: the panel shows the state after it.
      const panel = p.page.locator('.state-panel[data-for="trace-1"]');
      expect(await panel.locator('h4').textContent()).toContain(`State after event ${diverged.line! - 1}:`);
      expect(await p.page.locator('details#trace-1 .callout').textContent()).toContain(diverged.path!);
      await p.screenshot('check-rejected');
      expect(p.errors).toEqual([]);
      expect(p.requests).toEqual([]);
    } finally {
      await p.page.close();
    }
  });

  it('shows, for the event clicked, every server state the trace implies, and steps with the arrow keys', async () => {
    const events = eventsOf(`traces/fixtures/${diverged.file}`);
    const p = await openReport(browser, run.html);
    try {
      const panel = p.page.locator('.state-panel[data-for="trace-1"]');
      for (const k of [4, 17]) {
        await p.page.locator(`details#trace-1 .event[data-event="${k + 1}"]`).click();
        expect(await panel.locator('h4').textContent()).toContain(`State after event ${k + 1}:`);
        const replay = startReplay(['n1', 'n2', 'n3']);
        for (const e of events.slice(0, k + 1)) applyEvent(replay, e);
        for (const id of ['n1', 'n2', 'n3']) {
          const s = replay.state.servers[id]!;
          const row = panel.locator(`tr[data-server="${id}"]`);
          expect(await row.locator('td[data-field="term"]').textContent(), `${id} after event ${k + 1}`).toBe(
            String(s.state.term),
          );
          expect(await row.locator('td[data-field="role"]').textContent()).toBe(s.state.role);
          expect(await row.locator('td[data-field="commitIndex"]').textContent()).toBe(String(s.state.commitIndex));
          expect(await row.locator('td[data-field="log"] .log-entry').count()).toBe(s.log.length);
        }
      }
      await p.page.locator('details#trace-1 .scroller').press('ArrowRight');
      expect(await panel.locator('h4').textContent()).toContain('State after event 19:');
      expect(p.errors).toEqual([]);
    } finally {
      await p.page.close();
    }
  });

  it('lists each false enabling condition with its values for an action the spec does not allow', async () => {
    const p = await openReport(browser, run.html);
    try {
      const section = p.page.locator('details#trace-2');
      await section.evaluate((d) => ((d as HTMLDetailsElement).open = true));
      expect(await section.locator('.event.failing').getAttribute('data-event')).toBe(String(disabled.line! - 1));
      expect(await section.locator('table.conditions').textContent()).toContain(disabled.condition);
      expect(await section.locator('table.conditions').textContent()).toContain('matchIndex[i]');
      expect(p.errors).toEqual([]);
    } finally {
      await p.page.close();
    }
  });

  it('keeps the failing chunk for TLC by hand: the printed command gets the same verdict', () => {
    const report = JSON.parse(readFileSync(run.json, 'utf8'));
    const v = report.verdicts.find((x: { file: string }) => x.file.endsWith(diverged.file));
    expect(v.kept.command, run.output).toMatch(/tlc2\.TLC -config RaftTrace\.cfg .*RaftTrace\.tla$/);
    expect(run.output).toContain(v.kept.command);
    for (const f of ['Raft.tla', 'RaftTrace.tla', 'TraceData.tla', 'RaftTrace.cfg', 'README.txt'])
      expect(existsSync(join(v.kept.dir, f)), f).toBe(true);
    const tlc = spawnSync('bash', ['-c', v.kept.command], { encoding: 'utf8' });
    expect(tlc.status, tlc.stdout + tlc.stderr).toBe(0);
    const verdict = /<<\s*"raft-trace-verdict",\s*(\d+),\s*"(\w+)",\s*(\d+)/.exec(tlc.stdout);
    expect(verdict, tlc.stdout).not.toBeNull();
    expect(verdict![2]).toBe(v.diagnosis.kind);
    // The fixture fits in one chunk: TLC's k is the event's number in the trace.
    expect(Number(verdict![3])).toBe(v.diagnosis.event.i);
  });
});

describe('a long trace', () => {
  it('opens at a window around the failing event, built from the state rebuilt before it', async () => {
    const fx = fixture('rejected-vote-on-stale-term.ndjson');
    const run = checkTraces(['--window', '12', `traces/fixtures/${fx.file}`]);
    expect(run.status, run.output).toBe(1);
    const events = eventsOf(`traces/fixtures/${fx.file}`);
    const p = await openReport(browser, run.html);
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
    const gen = spawnSync('npx', ['tsx', 'tools/generate-traces.ts', '--count', '4', '--out', dir], {
      encoding: 'utf8',
    });
    expect(gen.status, gen.stdout + gen.stderr).toBe(0);
    const files = ['1', '2', '3', '4'].map((n) => join(dir, `seed-${n}.ndjson`)).filter(existsSync);
    expect(files.length, gen.stdout).toBe(4);
    const run = checkTraces(files);
    expect(run.status, run.output).toBe(0);
    const p = await openReport(browser, run.html);
    try {
      expect(await p.page.locator('.verdict-line').textContent()).toBe('All 4 trace(s) accepted by TLC.');
      expect(await p.page.locator('.trace-diagram').count()).toBe(0);
      const rows = p.page.locator('table#traces tbody tr');
      expect(await rows.count()).toBe(4);
      const eventsColumn = async () =>
        await rows.evaluateAll((rs) => rs.map((r) => Number((r as HTMLTableRowElement).cells[3]!.dataset.sort)));
      const header = p.page.locator('table#traces th', { hasText: 'events' });
      await header.click();
      const up = await eventsColumn();
      expect(up).toEqual([...up].sort((a, b) => a - b));
      await header.click();
      const down = await eventsColumn();
      expect(down).toEqual([...up].reverse());
      expect(new Set(up).size, 'four traces of distinct lengths make the order visible').toBeGreaterThan(1);
      await p.screenshot('check-accepted');
      expect(p.errors).toEqual([]);
      expect(p.requests).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});
