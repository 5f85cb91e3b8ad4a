// A real browser for the report tests: Debian's chromium, headless, driven by
// playwright-core (which downloads nothing). Without chromium the tests fail,
// never skip, with a line that says how to get it. Each page records what
// would tell a reader the page is broken: console errors, uncaught
// exceptions, and any request that leaves the file (a report must open
// offline). Screenshots are kept in test-artifacts/screenshots/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../../src/files/repo-root.js';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `the browser tests need Debian's package chromium at ${CHROMIUM}: run make browser (apt-get install -y chromium, as root), or set CHROMIUM to a Chromium binary`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox: CI runs as root. No background networking: the machine's
    // network is closed, and a report must not need it anyway.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface OpenedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, as text. */
  readonly errors: string[];
  /** URLs the page asked for beyond its own file. */
  readonly requests: string[];
  screenshot(name: string, fullPage?: boolean): Promise<string>;
}

export async function openReport(browser: Browser, file: string): Promise<OpenedPage> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  return {
    page,
    errors,
    requests,
    async screenshot(name: string, fullPage = false) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage });
      return path;
    },
  };
}
