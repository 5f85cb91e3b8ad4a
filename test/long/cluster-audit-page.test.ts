// The cluster audit's pages, from the command users type: a short audit of
// one server mutant and the correct servers writes cluster-audit.html, whose
// rows link to the report.html of the run that caught the mutant and of the
// correct servers' run; both open in chromium without errors.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import { openReport } from '../support/browser.js';
import { browserForPages } from '../support/report-pages.js';
import { tool } from '../support/tools.js';

const out = makeTempDir('cluster-audit-page-');
afterAll(() => removeTempDir(out));

describe('the cluster audit, in chromium', { timeout: 300_000 }, () => {
  const browser = browserForPages();

  it('links each row to the page of its run; the caught run shows its oracle failed', async () => {
    // Server mutant 107 (a transport that drops received frames) is caught by the message account in a short run.
    const args = ['--mutants', '107', '--runs', '1', '--correct-runs', '1', '--repeats', '1', '--seconds', '6'];
    const r = tool('cluster-audit', [...args, '--out', out], 280_000);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const page = join(out, 'cluster-audit.html');
    expect(existsSync(page)).toBe(true);
    const p = await openReport(browser(), page);
    try {
      expect(await p.page.locator('.verdict-line').textContent()).toMatch(
        /^1 of 1 mutant\(s\) caught; the correct servers passed 1 run/,
      );
      const links = await p.page
        .locator('#cluster-audit a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
      expect(links).toHaveLength(2);
      for (const href of links) expect(existsSync(join(out, href)), href).toBe(true);
      await p.screenshot('cluster-audit', true);
      expect(p.errors).toEqual([]);
      const caught = links.find((l) => l.startsWith('received-frames-silently-dropped/'))!;
      const run = JSON.parse(readFileSync(join(out, dirname(caught), 'report.json'), 'utf8')) as { verdict: string };
      expect(run.verdict).toBe('failed');
      await p.page.goto(`file://${join(out, caught)}`);
      const failed = await p.page
        .locator('#oracles tbody tr')
        .evaluateAll((rows) =>
          rows.filter((row) => row.children[1]!.textContent === 'failed').map((row) => row.children[0]!.textContent),
        );
      expect(failed).toContain('message accounting');
      expect(p.errors).toEqual([]);
      expect(p.requests).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});
