// --json and the one exit-code convention, as a script meets them: stdout is
// one JSON document of the same shape for every command (its result, or the
// error it stopped on), the lines for people go to stderr, the exit code is
// 0 pass, 1 finding, 2 usage; a command that reports nothing refuses --json;
// and text meant for a pipe carries no colour codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';

const dir = mkdtempSync(join(tmpdir(), 'raft-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const raftTla = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, ['tools/raft-tla.mjs', ...args], { encoding: 'utf8', timeout: 120_000, env });

interface Doc {
  command: string;
  exitCode: number;
  result?: Record<string, unknown>;
  error?: string;
}

/** stdout is one JSON document and nothing else; its exitCode is the process's. */
function documentOf(r: ReturnType<typeof raftTla>): Doc {
  const doc = JSON.parse(r.stdout) as Doc;
  expect(Object.keys(doc).sort()).toEqual(['command', 'exitCode', doc.error === undefined ? 'result' : 'error'].sort());
  expect(doc.exitCode).toBe(r.status);
  return doc;
}

const fixtures = (prefix: string) =>
  ['split-vote', 'refused-votes'].map((n) => `traces/fixtures/${prefix}-${n}.ndjson`).filter(existsSync);

describe('--json', { timeout: 180_000 }, () => {
  it('check: the JSON report as result, the diagnosis on stderr, exit 1 for a rejected trace', () => {
    const report = join(dir, 'check', 'report.json');
    const r = raftTla([
      'check',
      '--json',
      '--checker',
      'in-process',
      '--report',
      report,
      ...fixtures('accepted'),
      'traces/fixtures/rejected-two-votes-one-term.ndjson',
    ]);
    const doc = documentOf(r);
    expect(doc).toMatchObject({ command: 'check', exitCode: 1, result: { checker: 'in-process', rejected: 1 } });
    // The document is the report file's content, not a second account of it.
    expect(doc.result).toEqual(JSON.parse(readFileSync(report, 'utf8')));
    expect(r.stderr).toMatch(/rejected-two-votes-one-term\.ndjson:\d+: event \d+/);
    expect(r.stderr).toMatch(/^trace validation by the in-process checker$/m);
  });

  it('validate: each file with its problems; exit 0 when all are valid', () => {
    const ok = raftTla(['validate', '--json', ...fixtures('accepted')]);
    expect(documentOf(ok)).toMatchObject({ command: 'validate', exitCode: 0, result: { invalid: 0 } });
    const bad = raftTla(['validate', '--json', 'package.json']);
    const doc = documentOf(bad);
    expect(doc.exitCode).toBe(1);
    expect(JSON.stringify(doc.result)).toMatch(/package\.json:1/);
  });

  it('generate and soak: what they wrote and ran, with their verdicts', () => {
    const out = join(dir, 'generated');
    const gen = documentOf(raftTla(['generate', '--json', '--count', '2', '--out', out]));
    expect(gen.exitCode).toBe(0);
    expect(gen.result!.traces).toEqual([join(out, 'seed-1.ndjson'), join(out, 'seed-2.ndjson')]);
    const soak = documentOf(raftTla(['soak', '--json', '--schedules', '3', '--out', join(dir, 'soak')]));
    expect(soak).toMatchObject({ command: 'soak', exitCode: 0, result: { verdict: 'clean', schedules: 3 } });
  });

  it('bench: each table with its title, columns and rows, the tables themselves on stderr', () => {
    const skip = ['tlc', 'cluster', 'nemesis', 'checkers', 'reports', 'availability'].flatMap((p) => [
      `--skip-${p}`,
      'yes',
    ]);
    const r = raftTla(['bench', '--json', '--schedules', '2', '--steps', '300', ...skip]);
    const doc = documentOf(r);
    expect(doc.exitCode).toBe(0);
    const tables = (doc.result as { tables: Array<{ title: string; columns: string[]; rows: string[][] }> }).tables;
    expect(tables.map((t) => t.title.split(':')[0])).toEqual([
      'the simulator',
      'campaign oracles on 300 default schedules (seeds 1-300)',
      'trace size by run length (3 servers, seed 1)',
    ]);
    for (const t of tables) {
      expect(t.rows.length).toBeGreaterThan(1);
      for (const row of t.rows) expect(row).toHaveLength(t.columns.length);
      // What people read is the same table, on stderr.
      expect(r.stderr).toContain(t.title);
    }
  });

  it('wrong usage: the error in the document, one line on stderr, exit 2', () => {
    const r = raftTla(['check', '--json', '--checker', 'oracle', 'x.ndjson']);
    expect(documentOf(r)).toEqual({
      command: 'check',
      exitCode: 2,
      error: '--checker must be one of tlc, in-process, both, got "oracle"',
    });
    expect(r.stderr).toBe('check-traces: --checker must be one of tlc, in-process, both, got "oracle"\n');
  });

  it('every command that takes --json says so in its help; the others refuse it as wrong usage', () => {
    for (const [name, c] of Object.entries(COMMANDS)) {
      const help = raftTla([name, '--help']).stdout;
      expect(help, name).toMatch(/exits? .*0|exits? 0|Exits/i);
      if (c.json) expect(help, name).toMatch(/--json prints one\s+JSON\s+document/);
      else {
        const r = raftTla([name, '--json']);
        expect(r.status, name).toBe(2);
        expect(r.stderr, name).toMatch(/--json/);
      }
    }
  });
});

describe('colour', { timeout: 60_000 }, () => {
  it('is never written to a pipe, and not with NO_COLOR', () => {
    const files = [...fixtures('accepted'), 'traces/fixtures/rejected-two-votes-one-term.ndjson'];
    const args = ['check', '--checker', 'in-process', '--report', join(dir, 'colour', 'r.json'), ...files];
    for (const env of [process.env, { ...process.env, NO_COLOR: '1', FORCE_COLOR: '1' }]) {
      const r = raftTla(args, env);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/rejected +1/);
      expect(r.stdout + r.stderr).not.toContain(String.fromCharCode(27));
    }
  });
});
