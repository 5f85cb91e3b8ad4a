// The HTML reports of make check, opened in a real browser (Debian's chromium,
// headless): the failing event of a rejected trace is highlighted, in view,
// with its diagnosis beside it; clicking an event shows every server's state
// after it; tables sort; nothing on the page errs or reaches the network.
// A screenshot of each page is kept in test-artifacts/screenshots/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';
import { compactionSchedule } from '../../src/sim/compaction.js';
import { applyEvent, startReplay } from '../../src/trace/replay.js';
import { openReport } from '../support/browser.js';
import {
  browserForPages,
  checkTraces,
  diagnosisOutsideItsBox,
  eventsOf,
  fixture,
  inView,
} from '../support/report-pages.js';

const browser = browserForPages();

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
    const p = await openReport(browser(), run.html);
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
      // Every abbreviation on the diagram's marks is spelled out in its legend, and only those.
      const marks = new Set(await p.page.locator('details#trace-1 text.abbr').allTextContents());
      const legend = await p.page.locator('details#trace-1 .legend .abbreviation').allTextContents();
      expect(new Set(legend.map((l) => l.split(' ')[0]))).toEqual(marks);
      expect(legend).toContain('BL BecomeLeader');
      await p.screenshot('check-rejected');
      expect(p.errors).toEqual([]);
      expect(p.requests).toEqual([]);
    } finally {
      await p.page.close();
    }
  });

  it('shows, for the event clicked, every server state the trace implies, and steps with the arrow keys', async () => {
    const events = eventsOf(`traces/fixtures/${diverged.file}`);
    const p = await openReport(browser(), run.html);
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
    const p = await openReport(browser(), run.html);
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

describe('the diagnosis beside the diagram, in a browser', () => {
  it('keeps every cell of a diagnosis with long values inside its box, clear of the state panel', async () => {
    // Two messages of about 90 characters each in the differences table.
    const run = checkTraces(['traces/fixtures/rejected-two-votes-one-term.ndjson']);
    expect(run.status, run.output).toBe(1);
    const p = await openReport(browser(), run.html);
    try {
      await expect.poll(() => p.page.locator('details#trace-1 .diagnosis td').count()).toBeGreaterThan(3);
      const outside = await diagnosisOutsideItsBox(p, 'details#trace-1');
      expect(outside).toEqual([]);
      await p.screenshot('check-long-values');
      expect(p.errors).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});

/** A long run of 3 servers whose last server event is made wrong (its term), so that its page opens there: the trace file. */
function longRunMadeWrongAtItsEnd(seed: number, steps: number): string {
  const text = runSchedule(generateSchedule(seed, { clusterSizes: [3], minSteps: steps, maxSteps: steps })).trace;
  const lines = text.trimEnd().split('\n');
  let last = lines.length - 1;
  while (!lines[last]!.includes('"state"')) last--;
  const e = JSON.parse(lines[last]!);
  e.state.term += 7;
  lines[last] = JSON.stringify(e);
  const file = join(mkdtempSync(join(tmpdir(), 'long-run-')), 'long.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('the state panel of a long run, in a browser', () => {
  it('shows a long log compactly: its last entries and the changed ones, the rest folded, each entry once', async () => {
    const file = longRunMadeWrongAtItsEnd(3, 1500);
    const run = checkTraces([file]);
    expect(run.status, run.output).toBe(1);
    const p = await openReport(browser(), run.html);
    try {
      const panel = p.page.locator('.state-panel[data-for="trace-1"]');
      await expect.poll(() => panel.locator('td[data-field="log"]').count()).toBe(3);
      const logs = await panel.locator('td[data-field="log"]').evaluateAll((cells) =>
        cells.map((c) => ({
          entries: c.querySelectorAll('.log-entry').length,
          shown: [...c.querySelectorAll('.log-entry')].filter((x) => x.checkVisibility()).length,
          summary: c.querySelector('summary')?.textContent ?? '',
        })),
      );
      const longest = Math.max(...logs.map((l) => l.entries));
      expect(longest, 'the run makes a long log').toBeGreaterThan(30);
      for (const l of logs) {
        if (l.entries <= 5) continue;
        expect(l.shown).toBeLessThanOrEqual(8);
        expect(l.summary).toMatch(new RegExp(`^${l.entries} entries, \\d+ committed: ${l.entries - l.shown} more$`));
      }
      expect((await panel.boundingBox())!.height).toBeLessThan(700);
      // Unfolded on demand: every entry then shows.
      await panel.locator('details.log-rest summary').first().click();
      const unfolded = await panel
        .locator('td[data-field="log"]')
        .first()
        .evaluate((c) => [...c.querySelectorAll('.log-entry')].every((x) => x.checkVisibility()));
      expect(unfolded).toBe(true);
      await p.screenshot('check-long-log');
      expect(p.errors).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});

describe('messages sent before the window of a long run, in a browser', () => {
  it('are short stubs into their receipt, not lines across the window, and the legend says so', async () => {
    // Drawn in a window of 150 events, which opens mid-run.
    const file = longRunMadeWrongAtItsEnd(5, 800);
    const run = checkTraces(['--checker', 'in-process', '--window', '150', file]);
    expect(run.status, run.output).toBe(1);
    const p = await openReport(browser(), run.html);
    try {
      await expect.poll(() => p.page.locator('details#trace-1 .arrow').count()).toBeGreaterThan(20);
      const spans = await p.page.locator('details#trace-1 .arrow').evaluateAll((paths) =>
        paths.map((a) => {
          const [x1, , x2] = a.getAttribute('d')!.replace(/[ML]/g, '').trim().split(/\s+/).map(Number);
          return { before: a.classList.contains('before-window'), width: Math.abs(x2! - x1!) };
        }),
      );
      const stubs = spans.filter((s) => s.before);
      expect(stubs.length, 'the window opens with messages in flight').toBeGreaterThan(0);
      // Three event columns (22 px each) at most.
      for (const s of stubs) expect(s.width).toBeLessThanOrEqual(66);
      expect(await p.page.locator('details#trace-1 .legend .line.before-window').count()).toBe(1);
      await p.screenshot('check-window-stubs');
      expect(p.errors).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});

describe('a rejected run with snapshots, in a browser', () => {
  it('draws the snapshot events and messages, and shows a log after its snapshot with the snapshot first', async () => {
    // A run that compacts and installs snapshots, its first install's commitIndex changed.
    const text = runSchedule(compactionSchedule('isolated-behind', 1, 3)).trace;
    const lines = text.trimEnd().split('\n');
    const at = lines.findIndex((l) => {
      if (!l.includes('"action":"HandleInstallSnapshotRequest"')) return false;
      const e = JSON.parse(l);
      return e.state.snapshotIndex === e.msg.lastIncludedIndex && e.state.snapshotIndex > 0;
    });
    const e = JSON.parse(lines[at]!);
    e.state.commitIndex -= 1;
    lines[at] = JSON.stringify(e);
    const file = join(mkdtempSync(join(tmpdir(), 'snapshot-page-')), 'snapshots.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const run = checkTraces(['--checker', 'in-process', file]);
    expect(run.status, run.output).toBe(1);
    expect(run.output).toContain('left its commitIndex elsewhere');
    const p = await openReport(browser(), run.html);
    try {
      await expect.poll(() => p.page.locator('details#trace-1 .event.failing').count()).toBe(1);
      expect(await p.page.locator('details#trace-1 .arrow.InstallSnapshotRequest').count()).toBeGreaterThan(0);
      // The failing event's server holds a snapshot: its log cell starts with it.
      await p.page.locator('details#trace-1 .event.failing').click();
      const cell = p.page.locator(`.state-panel[data-for="trace-1"] tr[data-server="${e.node}"] td[data-field="log"]`);
      expect(await cell.locator('.log-entry').first().textContent()).toMatch(/^1-\d+: snapshot to t\d+$/);
      await p.screenshot('check-snapshots');
      expect(p.errors).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});
