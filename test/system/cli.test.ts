// Every tool answers --help with its usage and exit codes, says what is
// wrong with its arguments in one line before starting any long job, and
// never hangs or loses a user's files over a bad path or option.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tool } from '../support/tools.js';

const TOOLS = readdirSync('tools')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));

describe('--help', { timeout: 120_000 }, () => {
  it('covers every tool', () => expect(TOOLS.length).toBeGreaterThanOrEqual(10));

  it.each(TOOLS)('%s --help prints its usage and exit codes and does nothing else', (name) => {
    const r = tool(name, ['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(name === 'bench' ? /npm run bench/ : new RegExp(`npx tsx tools/${name}\\.ts`));
    expect(r.stdout).toMatch(/[Ee]xits? /);
  });
});

describe('bad arguments', { timeout: 120_000 }, () => {
  const fixture = 'traces/fixtures/accepted-split-vote.ndjson';

  it('check-traces without a file prints the usage and exits 2', () => {
    const r = tool('check-traces', []);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^check-traces: name at least one trace file\n/);
    expect(r.stderr).toContain('npx tsx tools/check-traces.ts');
  });

  it('a report path that cannot be written is refused at once, in one line, before TLC runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    for (const [report, why] of [
      ['/proc/nope/r.json', /\/proc\/nope: cannot create this directory/],
      [dir, /is a directory, where a file is needed/],
      [join(fixture, 'r.json'), /a parent of it is a file|is a file, where a directory is needed/],
    ] as const) {
      const r = tool('check-traces', ['--report', report, fixture], 30_000);
      expect(r.error, 'no hang').toBeUndefined();
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(why)]);
      expect(r.stdout).not.toContain('checking');
    }
  });

  it("a negative number gets the option's own message, not the argument parser's", () => {
    for (const [name, args, message] of [
      ['generate-traces', ['--count', '-3'], 'generate-traces: --count must be a positive integer, got "-3"'],
      ['check-traces', ['--timeout', '-5', fixture], 'check-traces: --timeout must be a positive integer, got "-5"'],
      ['soak', ['--schedules', '-1'], 'soak: --schedules must be a positive integer, got "-1"'],
      ['cluster-audit', ['--repeats', '0'], 'cluster-audit: --repeats must be a positive integer, got "0"'],
      ['generate-traces', ['--max-entries', '0'], 'generate-traces: --max-entries must be a positive integer, got "0"'],
      ['soak', ['--max-entries', '-2'], 'soak: --max-entries must be a positive integer, got "-2"'],
      ['cluster-check', ['--max-entries', '1.5'], 'cluster-check: --max-entries must be a positive integer, got "1.5"'],
    ] as const) {
      const r = tool(name, [...args]);
      expect(r.stderr.trim()).toBe(message);
      expect(r.status).toBe(2);
    }
  });

  it('a pattern that matches no trace is wrong usage (exit 2), as a missing TRACES is', () => {
    const r = tool('check-traces', ['traces/no-such-folder/*.ndjson']);
    expect(r.stderr).toBe('check-traces: the pattern traces/no-such-folder/*.ndjson matches no file\n');
    expect(r.status).toBe(2);
  });

  it('generate-traces under an impossible --out fails at once instead of spinning', () => {
    const r = tool('generate-traces', ['--count', '1', '--out', '/proc/x'], 30_000);
    expect(r.error, 'no hang').toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('generate-traces: /proc/x: cannot create this directory (ENOENT)');
  });

  it('generate-traces --replace keeps the old traces when the options are wrong, and replaces them when right', () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-'));
    writeFileSync(join(out, 'seed-77.ndjson'), 'old');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expect(tool('generate-traces', ['--count', '0', '--out', out, '--replace']).status).toBe(2);
    expect(readFileSync(join(out, 'seed-77.ndjson'), 'utf8')).toBe('old');
    const r = tool('generate-traces', ['--count', '2', '--out', out, '--replace']);
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['notes.txt', 'seed-1.ndjson', 'seed-2.ndjson']);
  });

  it('replay names the field of a malformed schedule in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const file = join(dir, 'schedule.json');
    writeFileSync(
      file,
      JSON.stringify({ nodes: 3, seed: 1, steps: [{ kind: 'tick' }, { kind: 'deliver', pick: 'x' }] }),
    );
    const r = tool('replay', [file]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`replay: ${file}: steps[1].pick: must be a non-negative integer, got "x"`);
  });

  it('tools without options refuse arguments instead of doing their job', () => {
    for (const name of ['setup-tlc', 'build-fixtures']) {
      const r = tool(name, ['--force']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^${name}: takes no arguments`));
    }
    const v = tool('validate-trace', ['--strict', fixture]);
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/^validate-trace: unknown option --strict/);
  });

  it('make check with an empty TRACES says so instead of generating traces', () => {
    const r = spawnSync('make', ['--no-print-directory', 'check', 'TRACES='], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('make check: TRACES is empty');
    expect(r.stdout).not.toContain('generate-traces');
  });

  it('a report goes to traces/reports/ by default, and a missing input path creates no folder', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    const missing = join(cwd, 'in', 'a.ndjson');
    const loader = pathToFileURL(resolve('node_modules/tsx/dist/esm/index.mjs')).href;
    const r = spawnSync(process.execPath, ['--import', loader, resolve('tools/check-traces.ts'), missing], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${missing}: no such file`);
    expect(existsSync(join(cwd, 'in'))).toBe(false);
    expect(JSON.parse(readFileSync(join(cwd, 'traces', 'reports', 'check-report.json'), 'utf8'))).toMatchObject({
      traces: 1,
      accepted: 0,
      errors: 1,
    });
  });
});
