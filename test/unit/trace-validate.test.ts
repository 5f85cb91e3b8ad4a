// Bad traces get one precise line each: file, line, field, what is wrong.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';
import { formatProblem, validateTraceFile, validateTraceText } from '../../src/trace/validate.js';

let good: string;
let lines: Array<Record<string, any>>;

beforeAll(() => {
  good = runSchedule(generateSchedule(3)).trace;
  lines = good
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
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
    expect(firstProblem(text)).toBe(
      `t.ndjson:${lineOf('HandleRequestVoteRequest')}: send.voteGranted: must be boolean`,
    );
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

  it('a blank line is one problem, with one count of the later events it shifts, not a problem per line', () => {
    const withBlank = good.split('\n');
    withBlank.splice(4, 0, '');
    const r = validateTraceText('t.ndjson', withBlank.join('\n'));
    if (r.ok) throw new Error('a blank line was accepted');
    expect(r.problems.map(formatProblem)).toEqual([
      't.ndjson:5: blank line: a trace holds one JSON value on every line',
      `t.ndjson: and ${lines.length - 4} later event(s) numbered as if the blank line(s) were not there (remove the blank lines)`,
    ]);
    // An event out of place after the blank line is still named.
    withBlank[8] = JSON.stringify({ ...JSON.parse(withBlank[8]!), i: 77 });
    const again = validateTraceText('t.ndjson', withBlank.join('\n'));
    expect(again.ok ? [] : again.problems.map(formatProblem)).toContain(
      't.ndjson:9: i: event number 77 on line 9, where 8 was due',
    );
  });

  it("a header must name params.maxEntriesPerMessage, the spec's bound, as the TLC checker requires", () => {
    expect(firstProblem(mutated((ls) => void delete ls[0]!.params.maxEntriesPerMessage))).toBe(
      't.ndjson:1: params.maxEntriesPerMessage: header: missing',
    );
    expect(firstProblem(mutated((ls) => void (ls[0]!.params.maxEntriesPerMessage = 0)))).toBe(
      't.ndjson:1: params.maxEntriesPerMessage: header: must be >= 1',
    );
  });

  it('rejects events out of order and servers outside the cluster', () => {
    expect(firstProblem(mutated((ls) => void (ls[3]!.i = 99)))).toBe(
      't.ndjson:4: i: event number 99 on line 4, where 3 was due',
    );
    const text = mutated((ls) => void (ls.find((l) => l.action === 'Timeout')!.node = 'n7'));
    expect(firstProblem(text)).toBe(`t.ndjson:${lineOf('Timeout')}: node: server "n7" is not in the header's nodes`);
  });

  it('rejects a message handled by a server it was not sent to', () => {
    const text = mutated((ls) => {
      const ev = ls.find((l) => l.action === 'HandleRequestVoteRequest')!;
      ev.msg.dest = ev.msg.source;
    });
    expect(firstProblem(text)).toBe(
      `t.ndjson:${lineOf('HandleRequestVoteRequest')}: msg.dest: must be the acting server ${lines[lineOf('HandleRequestVoteRequest') - 1]!.node}`,
    );
  });

  it('rejects a byte order mark and a header that is not JSON, in one line each, without reading on', () => {
    expect(firstProblem('\uFEFF' + good)).toBe(
      't.ndjson:1: the file starts with a UTF-8 byte order mark; a trace is NDJSON without one',
    );
    const result = validateTraceText('t.ndjson', 'not a header\n' + good.split('\n').slice(1).join('\n'));
    expect(!result.ok && result.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^t.ndjson:1: header: not valid JSON \(/),
    ]);
  });

  it('rejects terms and indexes TLC cannot hold (2^31 and above), naming the field', () => {
    const line = lineOf('Timeout');
    const text = mutated((ls) => {
      ls[line - 1]!.state.term = 2 ** 31;
    });
    expect(firstProblem(text)).toBe(
      `t.ndjson:${line}: state.term: 2147483648 is too large: TLC's integers stop at 2147483647`,
    );
    const ok = mutated((ls) => {
      ls[line - 1]!.state.term = 2 ** 31 - 1;
    });
    expect(validateTraceText('t.ndjson', ok).ok).toBe(true);
  });

  it('checks each log change against the log the earlier events built', () => {
    const at = lines.findIndex((l) => l.logChange && l.logChange.keep === 0 && l.logChange.append.length > 0) + 1;
    expect(at).toBeGreaterThan(1);
    const before =
      lines
        .slice(1, at - 1)
        .filter((l) => l.node === lines[at - 1]!.node && l.state)
        .at(-1)?.state.logLength ?? 0;
    const beyond = mutated((ls) => {
      ls[at - 1]!.logChange.keep = before + 1;
    });
    expect(firstProblem(beyond)).toMatch(
      new RegExp(
        `^t.ndjson:${at}: logChange.keep: ${before + 1}, but the log of n\\d held ${before} entries before this event$`,
      ),
    );
    const length = mutated((ls) => {
      ls[at - 1]!.state.logLength += 1;
    });
    expect(firstProblem(length)).toMatch(
      new RegExp(
        `^t.ndjson:${at}: state.logLength: \\d+, but the log of n\\d rebuilt from the events holds \\d+ entries$`,
      ),
    );
    const dropped = mutated((ls) => {
      delete ls[at - 1]!.logChange;
    });
    expect(firstProblem(dropped)).toMatch(new RegExp(`^t.ndjson:${at}: state.logLength: `));
  });

  it('says in durability terms when a restart recovered fewer entries than the events wrote, or more', () => {
    const at = lines.findIndex((l) => l.action === 'Restart' && l.state.logLength >= 1) + 1;
    expect(at, 'seed 3 restarts a server that holds entries').toBeGreaterThan(1);
    const node = lines[at - 1]!.node as string;
    const written = lines[at - 1]!.state.logLength as number;
    const lost = mutated((ls) => {
      ls[at - 1]!.state.logLength = written - 1;
    });
    expect(firstProblem(lost)).toBe(
      `t.ndjson:${at}: state.logLength: ${written - 1}: ${node}'s restart recovered ${written - 1} entries, ` +
        `but the events before it wrote ${written}: entry ${written} lost at restart`,
    );
    const ghosts = mutated((ls) => {
      ls[at - 1]!.state.logLength = written + 2;
    });
    expect(firstProblem(ghosts)).toBe(
      `t.ndjson:${at}: state.logLength: ${written + 2}: ${node}'s restart recovered ${written + 2} entries, ` +
        `but the events before it wrote ${written}: entries ${written + 1} to ${written + 2} appeared at restart, never written`,
    );
  });

  it('reads a version 1 trace (whole logs) as log changes, and refuses versions it does not know', () => {
    const v1 = readFileSync('traces/fixtures/v1/accepted-follower-commit.ndjson', 'utf8');
    const v2 = readFileSync('traces/fixtures/accepted-follower-commit.ndjson', 'utf8');
    const a = validateTraceText('v1.ndjson', v1);
    const b = validateTraceText('v2.ndjson', v2);
    if (!a.ok || !b.ok) throw new Error('fixtures must be valid');
    expect(a.trace.events).toEqual(b.trace.events);
    expect(a.trace.events.some((e) => 'logChange' in e && e.logChange)).toBe(true);
    const v6 = v2.replace('"version":2', '"version":6');
    expect(firstProblem(v6)).toBe('t.ndjson:1: version: header: 6 is not one of 1, 2, 3, 4, 5');
    // A version 1 event in a version 2 trace is named as such.
    const mixed = v2.split('\n')[0] + '\n' + v1.split('\n').slice(1).join('\n');
    expect(firstProblem(mixed)).toBe(
      't.ndjson:2: state.log: a whole log is trace format version 1, but the header says version 2 (log changes, state.logLength)',
    );
  });

  it('holds a trace to what its header says of snapshots: fields, events and messages only with snapshots on, in version 5', () => {
    const seed = [1, 2, 3, 4, 5, 6, 7, 8].find((k) =>
      runSchedule(generateSchedule(k, { snapshotEvery: 2 })).trace.includes('"action":"TakeSnapshot"'),
    )!;
    const text = runSchedule(generateSchedule(seed, { snapshotEvery: 2 })).trace;
    expect(validateTraceText('s.ndjson', text).ok).toBe(true);
    const ls = text.trimEnd().split('\n');
    const at = ls.findIndex((l) => l.includes('"action":"TakeSnapshot"'));
    const edit = (k: number, f: (e: Record<string, any>) => void) => {
      const copy = [...ls];
      const e = JSON.parse(copy[k]!);
      f(e);
      copy[k] = JSON.stringify(e);
      return copy.join('\n') + '\n';
    };
    const header = (f: (h: Record<string, any>) => void) => edit(0, f);
    expect(firstProblem(header((h) => (h.version = 4)))).toMatch(
      /^t\.ndjson:2: state\.snapshotIndex: is format version 5 \(snapshots\), but the header says version 4$/,
    );
    expect(firstProblem(header((h) => delete h.params.snapshots))).toBe(
      "t.ndjson:2: state.snapshotIndex: belongs to snapshots, but the header's params do not say snapshots: true",
    );
    expect(firstProblem(edit(at, (e) => delete e.state.snapshotTerm))).toBe(
      `t.ndjson:${at + 1}: state.snapshotTerm: missing: the run had snapshots on`,
    );
    expect(firstProblem(edit(at, (e) => (e.index = e.index + 1)))).toMatch(
      new RegExp(`^t\\.ndjson:${at + 1}: index: \\d+, but the post-state's snapshotIndex is \\d+$`),
    );
    // The state machine's content never reaches a trace.
    const send = ls.findIndex((l) => l.includes('"action":"SendSnapshot"'));
    expect(firstProblem(edit(send, (e) => (e.send.data = '{}')))).toBe(
      `t.ndjson:${send + 1}: send.data: unexpected field`,
    );
    // A change that keeps fewer entries than the snapshot covers.
    const after = ls.findIndex((l, k) => k > at && l.includes('"logChange"') && JSON.parse(l).state.snapshotIndex > 0);
    expect(firstProblem(edit(after, (e) => (e.logChange.keep = e.state.snapshotIndex - 1)))).toMatch(
      new RegExp(`^t\\.ndjson:${after + 1}: logChange\\.keep: \\d+ is inside the post-state's snapshot`),
    );
  });

  it('reports a missing file in one line', () => {
    const result = validateTraceFile('/nonexistent/x.ndjson');
    expect(result.ok).toBe(false);
    expect(!result.ok && formatProblem(result.problems[0]!)).toBe('/nonexistent/x.ndjson: no such file');
  });
});

// Each test starts node processes (npx tsx), which take seconds on a loaded machine.
