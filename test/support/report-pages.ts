// What the tiers that open the check report in a browser share: the fixtures'
// manifest, the check command run into a folder of its own, a fixture's
// events, whether a mark lies inside a diagram's scrolled viewport, and one
// browser per test file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceEvent } from '../../src/raft/events.js';
import { validateTraceFile } from '../../src/trace/validate.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type OpenedPage } from './browser.js';
import { needTlc } from './need-tlc.js';

export interface ManifestEntry {
  file: string;
  verdict: string;
  line?: number;
  action?: string;
  path?: string;
  condition?: string;
}
export const manifest = JSON.parse(readFileSync('traces/fixtures/manifest.json', 'utf8')) as ManifestEntry[];
export const fixture = (file: string) => manifest.find((m) => m.file === file && !('specMutant' in m))!;

export function checkTraces(args: string[]): {
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

export function eventsOf(file: string): TraceEvent[] {
  const v = validateTraceFile(file);
  if (!v.ok) throw new Error(`fixture ${file} is invalid`);
  return [...v.trace.events];
}

/** The failing mark lies inside the diagram's scrolled viewport. */
export async function inView(p: OpenedPage, diagram: string, selector: string): Promise<boolean> {
  return p.page.evaluate(
    ([d, s]) => {
      const scroller = document.querySelector(`details#${d} .scroller`)!.getBoundingClientRect();
      const mark = document.querySelector(`details#${d} ${s}`)!.getBoundingClientRect();
      return mark.left >= scroller.left && mark.right <= scroller.right;
    },
    [diagram, selector] as const,
  );
}

/** One browser for a test file's pages: launched before its tests (once TLC is found, which the pages need), closed after them. */
export function browserForPages(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    await needTlc();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/** Whatever of a diagram section's diagnosis lies outside its box or overlaps the state panel, as text (none: an empty list). */
export async function diagnosisOutsideItsBox(p: OpenedPage, section: string): Promise<string[]> {
  return p.page.locator(section).evaluate((el) => {
    const box = (e: Element) => e.getBoundingClientRect();
    const diagnosis = el.querySelector('.diagnosis');
    if (!diagnosis) return ['no diagnosis in the section'];
    const d = box(diagnosis);
    const panel = box(el.querySelector('.state-panel')!);
    const out: string[] = [];
    for (const cell of diagnosis.querySelectorAll('th, td, pre, p, h4')) {
      const c = box(cell);
      if (c.left < d.left - 0.5 || c.right > d.right + 0.5)
        out.push(`${cell.tagName} ${c.left}..${c.right} outside ${d.left}..${d.right}`);
    }
    const overlap = d.right > panel.left && panel.right > d.left && d.bottom > panel.top && panel.bottom > d.top;
    if (overlap) out.push(`the diagnosis ${d.left}..${d.right} overlaps the state panel ${panel.left}..${panel.right}`);
    return out;
  });
}
