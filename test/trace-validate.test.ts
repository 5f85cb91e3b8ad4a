// Bad traces get one precise line each: file, line, field, what is wrong.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSchedule, runSchedule } from '../src/sim/schedule.js';
import { formatProblem, validateTraceFile, validateTraceText } from '../src/trace/validate.js';

let good: string;
let lines: Array<Record<string, any>>;

beforeAll(() => {
  good = runSchedule(generateSchedule(3)).trace;
  lines = good.trimEnd().split('\n').map((l) => JSON.parse(l));
});

function mutated(change: (events: Array<Record<string, any>>) => void): string {
  const copy = lines.map((l) => structuredClone(l));
  change(copy);
  return copy.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

function firstProblem(text: string): string {
  const result = validateTraceText('t.ndjson', text);
  if (result.ok) throw new Error('expected the trace to be rejected');
  return formatProblem(result.problems[0]!);
}

const lineOf = (action: string) => lines.findIndex((l) => l.action === action) + 1;

describe('trace validation', () => {
  it('accepts a generated trace', () => {
    const result = validateTraceText('t.ndjson', good);
    expect(result.ok).toBe(true);
  });

  it('names the line and field of a wrong type', () => {
    const text = mutated((ls) => {
      ls.find((l) => l.action === 'HandleRequestVoteRequest')!.send.voteGranted = 'yes';
    });
    expect(firstProblem(text)).toBe(`t.ndjson:${lineOf('HandleRequestVoteRequest')}: send.voteGranted: must be boolean`);
  });

  it('rejects an unknown event', () => {
    const text = mutated((ls) => {
      ls.find((l) => l.action === 'Timeout')!.action = 'Reboot';
    });
    expect(firstProblem(text)).toMatch(new RegExp(`^t.ndjson:${lineOf('Timeout')}: action: "Reboot" is not one of`));
  });

  it('rejects a missing field', () => {
    const text = mutated((ls) => {
      delete ls.find((l) => l.action === 'RequestVote')!.state.votedFor;
    });
    expect(firstProblem(text)).toBe(`t.ndjson:${lineOf('RequestVote')}: state.votedFor: missing`);
  });

  it('rejects a field the schema does not know', () => {
    const text = mutated((ls) => {
      ls.find((l) => l.action === 'Timeout')!.state.leaderId = 'n1';
    });
    expect(firstProblem(text)).toBe(`t.ndjson:${lineOf('Timeout')}: state.leaderId: unexpected field`);
  });

  it('rejects a truncated last line', () => {
    expect(firstProblem(good.slice(0, -10))).toMatch(/^t\.ndjson:\d+: /);
    expect(firstProblem(good.slice(0, -1))).toContain('truncated last line');
  });

  it('rejects malformed JSON, an empty file and a header without events', () => {
    const broken = good.split('\n');
    broken[2] = '{"i": 2,';
    expect(firstProblem(broken.join('\n'))).toMatch(/^t\.ndjson:3: not valid JSON/);
    expect(firstProblem('')).toBe('t.ndjson: empty file: a trace starts with a header line');
    expect(firstProblem(good.split('\n')[0] + '\n')).toBe('t.ndjson: the trace has a header but no events');
  });

  it('rejects events out of order and servers outside the cluster', () => {
    expect(firstProblem(mutated((ls) => void (ls[3]!.i = 99)))).toBe('t.ndjson:4: i: event number 99 on line 4, where 3 was due');
    const text = mutated((ls) => void (ls.find((l) => l.action === 'Timeout')!.node = 'n7'));
    expect(firstProblem(text)).toBe(`t.ndjson:${lineOf('Timeout')}: node: server "n7" is not in the header's nodes`);
  });

  it('rejects a message handled by a server it was not sent to', () => {
    const text = mutated((ls) => {
      const ev = ls.find((l) => l.action === 'HandleRequestVoteRequest')!;
      ev.msg.dest = ev.msg.source;
    });
    expect(firstProblem(text)).toBe(`t.ndjson:${lineOf('HandleRequestVoteRequest')}: msg.dest: must be the acting server ${lines[lineOf('HandleRequestVoteRequest') - 1]!.node}`);
  });

  it('rejects a byte order mark and a header that is not JSON, in one line each, without reading on', () => {
    expect(firstProblem('\uFEFF' + good)).toBe('t.ndjson:1: the file starts with a UTF-8 byte order mark; a trace is NDJSON without one');
    const result = validateTraceText('t.ndjson', 'not a header\n' + good.split('\n').slice(1).join('\n'));
    expect(!result.ok && result.problems.map(formatProblem)).toEqual([expect.stringMatching(/^t.ndjson:1: header: not valid JSON \(/)]);
  });

  it('rejects terms and indexes TLC cannot hold (2^31 and above), naming the field', () => {
    const line = lineOf('Timeout');
    const text = mutated((ls) => {
      ls[line - 1]!.state.term = 2 ** 31;
    });
    expect(firstProblem(text)).toBe(`t.ndjson:${line}: state.term: 2147483648 is too large: TLC's integers stop at 2147483647`);
    const ok = mutated((ls) => {
      ls[line - 1]!.state.term = 2 ** 31 - 1;
    });
    expect(validateTraceText('t.ndjson', ok).ok).toBe(true);
  });

  it('reports a missing file in one line', () => {
    const result = validateTraceFile('/nonexistent/x.ndjson');
    expect(result.ok).toBe(false);
    expect(!result.ok && formatProblem(result.problems[0]!)).toBe('/nonexistent/x.ndjson: no such file');
  });
});

// Each test starts node processes (npx tsx), which take seconds on a loaded machine.
describe('tools/validate-trace.ts', { timeout: 60_000 }, () => {
  it('exits 0 on valid traces and 1 with file:line messages, never a stack trace, on bad ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
    const ok = join(dir, 'ok.ndjson');
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(ok, good);
    writeFileSync(bad, good.slice(0, -1));
    const out = execFileSync('npx', ['tsx', 'tools/validate-trace.ts', ok], { encoding: 'utf8' });
    expect(out).toContain('1 of 1 trace(s) valid');
    const failed = spawnSync('npx', ['tsx', 'tools/validate-trace.ts', ok, bad, join(dir, 'missing.ndjson')], { encoding: 'utf8' });
    expect(failed.status).toBe(1);
    const errLines = failed.stderr.trim().split('\n');
    expect(errLines).toEqual([
      expect.stringMatching(new RegExp(`^${bad}:\\d+: truncated last line`)),
      `${join(dir, 'missing.ndjson')}: no such file`,
    ]);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });
});
