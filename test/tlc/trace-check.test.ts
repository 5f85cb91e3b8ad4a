// TLC-backed trace validation: the committed fixtures are accepted or
// rejected where and why the manifest says; generated traces are accepted;
// chunking and batching do not change verdicts; bad input is never a pass.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from './need-tlc.js';
import { loadSpecMutants, mutatedSpecDir } from '../src/audit/spec-mutants.js';
import { checkTraces, type CheckOptions, type TraceInput } from '../src/check/trace-checker.js';
import { formatDiagnosis, type TraceVerdict } from '../src/verdict/diagnosis.js';
import { generateSchedule, runSchedule } from '../src/sim/schedule.js';
import { validateTraceFile, validateTraceText } from '../src/trace/validate.js';

interface Expectation {
  file: string;
  verdict: 'accepted' | 'rejected' | 'unsafe';
  line?: number;
  action?: string;
  path?: string;
  condition?: string;
  /** Checked against the spec with this spec mutant applied. */
  specMutant?: string;
  property?: string;
}

const everything = JSON.parse(readFileSync('traces/fixtures/manifest.json', 'utf8')) as Expectation[];
/** The expectations against the bundled spec. */
const manifest = everything.filter((x) => !x.specMutant);
let tlc: Pick<CheckOptions, 'java' | 'jar'>;

beforeAll(async () => {
  tlc = await needTlc();
}, 300_000);

function load(file: string): TraceInput {
  const r = validateTraceFile(file);
  if (!r.ok) throw new Error(`${file} is not a valid trace: ${JSON.stringify(r.problems)}`);
  return { file, ...r.trace };
}

function fromText(file: string, text: string): TraceInput {
  const r = validateTraceText(file, text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return { file, ...r.trace };
}

function expectMatches(v: TraceVerdict, x: Expectation): void {
  if (x.verdict === 'accepted') {
    expect(v, JSON.stringify(v).slice(0, 600)).toMatchObject({ status: 'accepted' });
    return;
  }
  if (v.status !== 'rejected') throw new Error(`${x.file} should be rejected, got ${JSON.stringify(v).slice(0, 400)}`);
  const d = v.diagnosis;
  expect(d.line).toBe(x.line);
  expect(d.event.action).toBe(x.action);
  if (x.path) expect(d.differences.map((p) => p.path)).toContain(x.path);
  if (x.condition) expect(d.falseConditions.map((c) => c.condition)).toContain(x.condition);
  const text = formatDiagnosis(x.file, d).join('\n');
  expect(text).toContain(`${x.file}:${x.line}:`);
  expect(text).toContain(x.path ?? x.condition!);
}

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

  it('gives the same verdicts whatever the chunk size, batch size or batch-mates', async () => {
    const inputs = manifest.map((x) => load(join('traces/fixtures', x.file)));
    const together = await checkTraces(inputs, { ...tlc, chunkSize: 7, eventsPerBatch: 40, parallel: 2 });
    const alone = await Promise.all(inputs.map((i) => checkTraces([i], { ...tlc, chunkSize: 1000 })));
    together.verdicts.forEach((v, k) => {
      expectMatches(v, { ...manifest[k]!, file: join('traces/fixtures', manifest[k]!.file) });
      expect(JSON.stringify(v)).toBe(JSON.stringify(alone[k]!.verdicts[0]));
    });
  });

  it('accepts traces of random schedules on 3 and 5 servers, long ones across many chunks', async () => {
    const inputs: TraceInput[] = [];
    for (let seed = 1; seed <= 16; seed++)
      inputs.push(fromText(`seed-${seed}`, runSchedule(generateSchedule(seed)).trace));
    const long = runSchedule(generateSchedule(99, { clusterSizes: [5], minSteps: 3000, maxSteps: 3000 }));
    inputs.push(fromText('long', long.trace));
    const report = await checkTraces(inputs, { ...tlc, chunkSize: 200 });
    for (const v of report.verdicts) expect(v, JSON.stringify(v).slice(0, 800)).toMatchObject({ status: 'accepted' });
    expect(inputs.some((i) => i.header.nodes.length === 3) && inputs.some((i) => i.header.nodes.length === 5)).toBe(
      true,
    );
    expect(long.events).toBeGreaterThan(2000);
  });

  it('evaluating each safety property whole after every event gives the same verdicts as the incremental check', async () => {
    const inputs = manifest.map((x) => load(join('traces/fixtures', x.file)));
    inputs.push(
      fromText('long', runSchedule(generateSchedule(7, { clusterSizes: [3], minSteps: 400, maxSteps: 400 })).trace),
    );
    const [incremental, whole] = await Promise.all([
      checkTraces(inputs, tlc),
      checkTraces(inputs, { ...tlc, wholeInvariants: true }),
    ]);
    expect(JSON.stringify(whole.verdicts)).toBe(JSON.stringify(incremental.verdicts));
    expect(incremental.verdicts.at(-1)).toMatchObject({ status: 'accepted' });
  });

  it('checks the safety properties on every traced state, with the elections and commits of earlier chunks', async () => {
    // Against the spec with the Figure 8 bug, every step of this trace is a
    // step of the spec: only the safety check can reject it.
    const unsafe = everything.filter((x) => x.verdict === 'unsafe');
    expect(unsafe.length).toBeGreaterThanOrEqual(1);
    for (const x of unsafe) {
      const m = loadSpecMutants().find((y) => y.name === x.specMutant)!;
      const dir = mutatedSpecDir(m);
      try {
        const input = load(join('traces/fixtures', x.file));
        // Small chunks: the commit and the election that breaks Leader
        // Completeness fall in different chunks, so the history must carry over.
        for (const options of [{ chunkSize: 1000 }, { chunkSize: 4 }, { chunkSize: 4, wholeInvariants: true }]) {
          const report = await checkTraces([input], { ...tlc, ...options, specDir: dir });
          const v = report.verdicts[0]!;
          if (v.status !== 'rejected')
            throw new Error(`${x.file} should be rejected as unsafe, got ${JSON.stringify(v).slice(0, 400)}`);
          expect(v.diagnosis).toMatchObject({ kind: 'unsafe', line: x.line, brokenProperties: [x.property] });
          expect(v.diagnosis.event.action).toBe(x.action);
          expect(formatDiagnosis(x.file, v.diagnosis)[0]).toBe(
            `${x.file}:${x.line}: event ${x.line! - 1} breaks ${x.property}: BecomeLeader(n2)`,
          );
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('one bad trace never costs its batch-mates their verdicts, and its later chunks decide nothing', async () => {
    // A leader's nextIndex logged as 99 at its last event before the end of
    // the third chunk (event 750), where its next event, in the fourth
    // chunk, is an AppendEntries: the chunk holding the bad event is rejected
    // there, and the next chunk, which starts from that logged state, makes
    // TLC fail with an evaluation error. The four other traces of the batch
    // must still be accepted. The first seed from 201 with such an event is used.
    const long = (seed: number) =>
      runSchedule(generateSchedule(seed, { clusterSizes: [3], minSteps: 1500, maxSteps: 2000 })).trace;
    const boundary = 750;
    const target = (lines: string[]): number => {
      const events = lines
        .slice(1)
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { action: string; node?: string });
      for (let i = boundary; i > boundary - 100; i--) {
        const e = events[i - 1]!;
        if (e.action !== 'AppendEntries') continue;
        if (events.slice(i, boundary).some((x) => x.node === e.node)) continue;
        const next = events.slice(boundary).find((x) => x.node === e.node);
        if (next?.action === 'AppendEntries') return i;
      }
      return -1;
    };
    let badSeed = 201;
    while (target(long(badSeed).split('\n')) < 0) badSeed++;
    let at = -1;
    let leader = '';
    const traces = [1, 2, badSeed, 202 + badSeed, 401 + badSeed].map((seed) => {
      const text = long(seed);
      if (seed !== badSeed) return fromText(`seed-${seed}`, text);
      const lines = text.split('\n');
      at = target(lines);
      const e = JSON.parse(lines[at]!);
      leader = e.node;
      for (const peer of Object.keys(e.state.nextIndex)) e.state.nextIndex[peer] = 99;
      lines[at] = JSON.stringify(e);
      return fromText('seed-bad', lines.join('\n'));
    });
    const report = await checkTraces(traces, { ...tlc, parallel: 1 });
    const byFile = Object.fromEntries(report.verdicts.map((v) => [v.file, v]));
    for (const f of ['seed-1', 'seed-2', `seed-${202 + badSeed}`, `seed-${401 + badSeed}`])
      expect(byFile[f], JSON.stringify(byFile[f]).slice(0, 400)).toMatchObject({ status: 'accepted' });
    const bad = byFile['seed-bad']!;
    if (bad.status !== 'rejected')
      throw new Error(`seed ${badSeed} should be rejected, got ${JSON.stringify(bad).slice(0, 400)}`);
    expect(bad.diagnosis.line).toBe(at + 1);
    expect(bad.diagnosis.differences.map((d) => d.path).some((p) => p.startsWith(`nextIndex[${leader}]`))).toBe(true);
    // The batch was run again without the chunk that made TLC fail.
    expect(report.retries).toBeGreaterThanOrEqual(1);
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

  it('client values of tens of kilobytes reach TLC whole, in short lines, escapes and all (a long line made TLC read the module for minutes)', async () => {
    const text = readFileSync('traces/fixtures/accepted-follower-commit.ndjson', 'utf8');
    // Escapes (~xxxx) at every distance from the 128-character pieces' ends.
    const long = (tag: string) =>
      `${tag}:` + Array.from({ length: 6000 }, (_, k) => `${'y'.repeat(k % 7)}\u00e9~"${k}`).join('');
    const values = new Map<string, string>();
    const renamed = text.replace(/"value":"([^"]*)"/g, (_, v: string) => {
      if (!values.has(v)) values.set(v, long(v));
      return `"value":${JSON.stringify(values.get(v))}`;
    });
    expect([...values.values()].every((v) => v.length > 50_000)).toBe(true);
    const lines = renamed.split('\n');
    const at = lines.findIndex((l) => l.includes('"action":"ClientRequest"'));
    const event = JSON.parse(lines[at]!);
    const entry = event.logChange.append[event.logChange.append.length - 1];
    entry.value = entry.value.slice(0, -1) + 'Z';
    lines[at] = JSON.stringify(event);
    const report = await checkTraces(
      [fromText('long-values.ndjson', renamed), fromText('long-values-wrong.ndjson', lines.join('\n'))],
      { ...tlc, keepDir: mkdtempSync(join(tmpdir(), 'long-values-')) },
    );
    expect(
      report.verdicts.map((v) => v.status),
      JSON.stringify(report.verdicts).slice(0, 800),
    ).toEqual(['accepted', 'rejected']);
    const d = (report.verdicts[1] as Extract<TraceVerdict, { status: 'rejected' }>).diagnosis;
    expect(d.line).toBe(at + 1);
    // (Quoted in the diagnosis as JSON quotes it.)
    expect(formatDiagnosis('long-values-wrong.ndjson', d).join('\n')).toContain(
      JSON.stringify(entry.value).slice(-300),
    );
    // The module TLC read: no line much longer than a piece.
    const kept = readFileSync(join(report.kept[0]!.dir, 'TraceData.tla'), 'utf8');
    expect(Math.max(...kept.split('\n').map((l) => l.length))).toBeLessThan(1000);
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

  it('clusters of 1 to 9 servers are checked; a larger one, an empty trace, and a TLC that times out are errors, never accepted', async () => {
    const good = readFileSync('traces/fixtures/accepted-split-vote.ndjson', 'utf8');
    // Every size from 1 to 9 is checked (a lone server elects itself and commits alone); 10 is refused.
    const sized = [1, 2, 4, 6, 9].map((n) =>
      fromText(`size-${n}.ndjson`, runSchedule({ ...generateSchedule(5), nodes: n }).trace),
    );
    const lone = sized[0]!.events as readonly { action: string }[];
    for (const a of ['BecomeLeader', 'ClientRequest', 'AdvanceCommitIndex'])
      expect(lone.map((e) => e.action)).toContain(a);
    const ten = fromText('ten.ndjson', runSchedule({ ...generateSchedule(5), nodes: 10 }).trace);
    const report = await checkTraces([...sized, ten], tlc);
    expect(
      report.verdicts.map((v) => v.status),
      JSON.stringify(report.verdicts).slice(0, 600),
    ).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted', 'error']);
    expect((report.verdicts[5] as { message: string }).message).toBe(
      "ten.ndjson: the trace's cluster is n1, n2, n3, n4, n5, n6, n7, n8, n9, n10; the checker is configured for clusters n1..nK of 1 to 9 servers",
    );

    const empty = await checkTraces([{ file: 'empty.ndjson', header: fromText('x', good).header, events: [] }], tlc);
    expect(empty.verdicts[0]).toMatchObject({ status: 'error', message: 'empty.ndjson: the trace has no events' });

    const slow = await checkTraces([load('traces/fixtures/accepted-split-vote.ndjson')], { ...tlc, timeoutMs: 50 });
    expect(slow.verdicts[0]).toMatchObject({ status: 'error' });
    expect((slow.verdicts[0] as { message: string }).message).toMatch(/TLC failed: TLC did not finish within/);
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

  it('in a log (no terminal), says every few seconds that TLC is still at work, also while one TLC run lasts long', () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-cli-'));
    // One trace whose single TLC run takes seconds: its client values are long.
    const text = readFileSync('traces/fixtures/accepted-follower-commit.ndjson', 'utf8').replace(
      /"value":"([^"]*)"/g,
      (_, v: string) => `"value":"${v}${'p'.repeat(250_000)}"`,
    );
    const trace = join(dir, 'slow.ndjson');
    writeFileSync(trace, text);
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/check-traces.ts', '--report', join(dir, 'r.json'), trace],
      { encoding: 'utf8', env: { ...process.env, RAFT_PROGRESS_SECONDS: '1' } },
    );
    const seconds = (performance.now() - t0) / 1000;
    expect(r.status, r.stderr).toBe(0);
    const beats = r.stdout.split('\n').filter((l) => /^ {2}check: [0-9?]+\/[0-9?]+ TLC runs done, \d+ s$/.test(l));
    console.log(`${beats.length} progress lines in ${seconds.toFixed(1)} s`);
    // The one run ends once: every line before it is a heartbeat.
    expect(seconds).toBeGreaterThan(4);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats[0]).toMatch(/ 0\/\? TLC runs done/);
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
});
