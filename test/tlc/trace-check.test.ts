// TLC-backed trace validation: the committed fixtures are accepted or
// rejected where and why the manifest says; generated traces are accepted;
// chunking and batching do not change verdicts; bad input is never a pass.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { expectMatches, fromText, load, manifest } from '../support/fixtures.js';
import { checkTraces, type CheckOptions } from '../../src/check/trace-checker.js';
import { formatDiagnosis, type TraceVerdict } from '../../src/verdict/diagnosis.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';
import { checkTraceInProcess } from '../../src/check/in-process-checker.js';

let tlc: Pick<CheckOptions, 'java' | 'jar'>;

beforeAll(async () => {
  tlc = await needTlc();
}, 300_000);

describe('trace validation by TLC', { timeout: 300_000 }, () => {
  it('the manifest lists at least six wrong fixtures and several correct ones', () => {
    expect(manifest.filter((x) => x.verdict === 'rejected').length).toBeGreaterThanOrEqual(6);
    expect(manifest.filter((x) => x.verdict === 'accepted').length).toBeGreaterThanOrEqual(3);
  });

  it('accepts each correct fixture and rejects each wrong one at its line, naming the variable or condition', async () => {
    const inputs = manifest.map((x) => load(join('traces/fixtures', x.file)));
    const report = await checkTraces(inputs, tlc);
    report.verdicts.forEach((v, k) =>
      expectMatches(v, { ...manifest[k]!, file: join('traces/fixtures', manifest[k]!.file) }),
    );
  });

  it('reads traces of format version 1 (whole logs) as before: the same fixtures in that format get the same verdicts', async () => {
    const v1 = manifest.map((x) => load(join('traces/fixtures/v1', x.file)));
    expect(v1.every((t) => t.header.version === 1)).toBe(true);
    const v2 = manifest.map((x) => load(join('traces/fixtures', x.file)));
    expect(v2.every((t) => t.header.version === 2)).toBe(true);
    const [old, now] = await Promise.all([
      checkTraces(v1, { ...tlc, chunkSize: 5 }),
      checkTraces(v2, { ...tlc, chunkSize: 5 }),
    ]);
    old.verdicts.forEach((v, k) => {
      expectMatches(v, { ...manifest[k]!, file: join('traces/fixtures/v1', manifest[k]!.file) });
      const strip = (x: TraceVerdict) =>
        JSON.parse(JSON.stringify({ ...x, file: '' }, (key, val) => (key === 'event' ? val.action : val)));
      expect(strip(v)).toEqual(strip(now.verdicts[k]!));
    });
  });

  it('client values with any characters reach TLC: CR, quotes, backslashes, a snowman, an emoji, the escape mark', async () => {
    const odd = ['a\rb', '\u2603', 'x\u{1F600}y', 'q"u\\o', '~0041', 'tab\tnew\nline'];
    // The first default schedule whose trace holds at least as many distinct client values as there are odd ones.
    const distinctValues = (trace: string) => new Set(trace.match(/"value":"[^"]*"/g) ?? []).size;
    let seed = 1;
    while (distinctValues(runSchedule(generateSchedule(seed)).trace) < odd.length) seed++;
    const base = runSchedule(generateSchedule(seed)).trace;
    const seen = new Map<string, string>();
    const rename = (v: string) => {
      if (!seen.has(v)) seen.set(v, odd[seen.size % odd.length]! + (seen.size >= odd.length ? String(seen.size) : ''));
      return seen.get(v)!;
    };
    const text = base
      .split('\n')
      .map((line) =>
        line
          ? JSON.stringify(JSON.parse(line, (k, v) => (k === 'value' && typeof v === 'string' ? rename(v) : v)))
          : line,
      )
      .join('\n');
    expect(seen.size).toBeGreaterThanOrEqual(odd.length);
    // The same trace, with one logged entry's value changed at its first ClientRequest: a rejection that names both values.
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"action":"ClientRequest"'));
    const event = JSON.parse(lines[at]!);
    event.logChange.append[event.logChange.append.length - 1].value = '\u2603 other';
    lines[at] = JSON.stringify(event);
    const report = await checkTraces(
      [
        fromText('odd.ndjson', text),
        fromText('odd-wrong.ndjson', lines.join('\n')),
        load('traces/fixtures/accepted-split-vote.ndjson'),
      ],
      tlc,
    );
    expect(
      report.verdicts.map((v) => v.status),
      JSON.stringify(report.verdicts).slice(0, 800),
    ).toEqual(['accepted', 'rejected', 'accepted']);
    const d = (report.verdicts[1] as Extract<TraceVerdict, { status: 'rejected' }>).diagnosis;
    expect(d.line).toBe(at + 1);
    expect(formatDiagnosis('odd-wrong.ndjson', d).join('\n')).toContain('\u2603 other');
  });

  it('holds a run to the entries per AppendEntries its header records: more than that is rejected, by both checkers', async () => {
    // A schedule whose run sends an AppendEntries of more than two entries when it may carry eight.
    const wide = (seed: number) => runSchedule({ ...generateSchedule(seed), maxEntriesPerMessage: 8 });
    const carriesMore = (trace: string) => /"entries":\[(\{[^}]*\},){2,}\{/.test(trace);
    let seed = 1;
    while (!carriesMore(wide(seed).trace)) seed++;
    const text = wide(seed).trace;
    const honest = fromText('wide.ndjson', text);
    const claimsTwo = fromText(
      'claims-two.ndjson',
      text.replace('"maxEntriesPerMessage":8', '"maxEntriesPerMessage":2'),
    );
    const report = await checkTraces([honest, claimsTwo], tlc);
    expect(report.verdicts.map((v) => v.status)).toEqual(['accepted', 'rejected']);
    expect(checkTraceInProcess(honest).status).toBe('accepted');
    const local = checkTraceInProcess(claimsTwo);
    expect(local.status).toBe('rejected');
    // Both stop at the first AppendEntries that carries more than two entries (on its line, the header being
    // line 1): the spec's request differs from the logged one.
    const line = text.split('\n').findIndex((l) => l.includes('"action":"AppendEntries"') && carriesMore(l)) + 1;
    for (const v of [report.verdicts[1]!, local]) {
      expect(v.status === 'rejected' && v.diagnosis).toMatchObject({ line, kind: 'diverged' });
    }
  });

  it('a trace whose data TLC cannot read is an error of its own, and its batch-mates are still checked', async () => {
    // The schema keeps integers below 2^31 (TLC's limit); a caller of
    // checkTraces that skips it can still hand TLC a term it cannot read, so
    // that the whole generated module fails to parse: the batch is split
    // until the trace at fault is alone.
    const good = [
      'accepted-split-vote.ndjson',
      'accepted-refused-votes.ndjson',
      'accepted-stale-append-agrees.ndjson',
    ].map((f) => load(join('traces/fixtures', f)));
    const big = load('traces/fixtures/accepted-follower-commit.ndjson');
    const events = [...big.events].map((e, k) =>
      k === 3 && 'state' in e ? { ...e, state: { ...e.state, term: 2 ** 31 } } : e,
    );
    const report = await checkTraces([good[0]!, { ...big, file: 'huge-term.ndjson', events }, good[1]!, good[2]!], tlc);
    expect(report.verdicts.map((v) => v.status)).toEqual(['accepted', 'error', 'accepted', 'accepted']);
    expect((report.verdicts[1] as { message: string }).message).toMatch(/^huge-term.ndjson: not checked: TLC failed: /);
    expect(report.retries).toBeGreaterThanOrEqual(2);
  });
});

describe('tools/check-traces.ts', { timeout: 300_000 }, () => {
  const run = (args: string[]) => spawnSync('npx', ['tsx', 'tools/check-traces.ts', ...args], { encoding: 'utf8' });

  it('exits 0 when every trace is accepted, and writes the JSON report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-cli-'));
    const report = join(dir, 'report.json');
    const r = run([
      '--report',
      report,
      'traces/fixtures/accepted-split-vote.ndjson',
      'traces/fixtures/accepted-follower-commit.ndjson',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/accepted\s+2/);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json).toMatchObject({ traces: 2, accepted: 2, rejected: 0, errors: 0 });
  });

  it('exits 1 with a diagnosis on a rejected trace, and one line per unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-cli-'));
    const truncated = join(dir, 'truncated.ndjson');
    writeFileSync(truncated, readFileSync('traces/fixtures/accepted-split-vote.ndjson', 'utf8').slice(0, -5));
    const bom = join(dir, 'bom.ndjson');
    writeFileSync(bom, '\uFEFF' + readFileSync('traces/fixtures/accepted-split-vote.ndjson', 'utf8'));
    const noHeader = join(dir, 'no-header.ndjson');
    writeFileSync(
      noHeader,
      'hello\n' + readFileSync('traces/fixtures/accepted-split-vote.ndjson', 'utf8').split('\n').slice(1).join('\n'),
    );
    const r = run([
      '--report',
      join(dir, 'r.json'),
      'traces/fixtures/rejected-two-votes-one-term.ndjson',
      truncated,
      join(dir, 'missing.ndjson'),
      bom,
      noHeader,
      'traces/fixtures/accepted-follower-commit.ndjson',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bom}:1: the file starts with a UTF-8 byte order mark`);
    expect(r.stderr).toMatch(new RegExp(`${noHeader}:1: header: not valid JSON`));
    expect(r.stdout).toMatch(/accepted\s+1/);
    expect(r.stdout).toMatch(/not checked \(errors\)\s+4/);
    expect(r.stderr).toContain('rejected-two-votes-one-term.ndjson:10: event 9 is not a step of the spec');
    expect(r.stderr).toContain('votedFor[n3]: implementation "n2", spec "n1"');
    expect(r.stderr).toMatch(new RegExp(`${truncated}:\\d+: truncated last line`));
    expect(r.stderr).toContain(`${join(dir, 'missing.ndjson')}: no such file`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--checker in-process judges as TLC does, without Java; --checker both runs the two and says they agree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-cli-'));
    const fixtures = readdirSync('traces/fixtures')
      .filter((f) => f.endsWith('.ndjson'))
      .map((f) => join('traces/fixtures', f));
    const by = (checker: string) => run(['--checker', checker, '--report', join(dir, `${checker}.json`), ...fixtures]);
    const tlc = by('tlc');
    const inProcess = by('in-process');
    const both = by('both');
    for (const r of [tlc, inProcess, both]) expect(r.status, r.stderr).toBe(1);
    // The same diagnoses, line for line.
    expect(inProcess.stderr).toBe(tlc.stderr);
    expect(inProcess.stdout).toMatch(/^trace validation by the in-process checker$/m);
    expect(inProcess.stdout).toMatch(/TLC runs\s+0/);
    expect(both.stdout).toMatch(/checkers\s+agree on every trace/);
    const report = JSON.parse(readFileSync(join(dir, 'both.json'), 'utf8'));
    expect(report).toMatchObject({ checker: 'both', disagreements: [], rejected: 7 });
    const wrong = run(['--checker', 'tla', 'traces/fixtures/accepted-split-vote.ndjson']);
    expect(wrong.stderr).toBe('check-traces: --checker must be one of tlc, in-process, both, got "tla"\n');
    expect(wrong.status).toBe(2);
  });
});
