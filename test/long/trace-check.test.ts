// The long tier of trace checking by TLC (test/tlc/trace-check.test.ts has
// the rest): verdicts that do not depend on chunking or batch-mates, random
// schedules at length, errors that cost no batch-mate its verdict, every
// cluster size, the safety properties whole and against spec mutants, client
// values of tens of kilobytes, and the heartbeat of a long check. Needs Java
// and TLC: fails (never skips) without them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { everything, expectMatches, fromText, load, manifest } from '../support/fixtures.js';
import { loadSpecMutants, mutatedSpecDir } from '../../src/audit/spec-mutants.js';
import { formatDiagnosis, type TraceVerdict } from '../../src/verdict/diagnosis.js';
import { checkTraces, type CheckOptions, type TraceInput } from '../../src/check/trace-checker.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';

let tlc: Pick<CheckOptions, 'java' | 'jar'>;

beforeAll(async () => {
  tlc = await needTlc();
}, 300_000);

describe('trace validation by TLC, at length', { timeout: 600_000 }, () => {
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
      // (A run can end short of the boundary: a schedule with few events in it.)
      if (events.length <= boundary) return -1;
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

describe('tools/check-traces.ts, at length', { timeout: 300_000 }, () => {
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
      { encoding: 'utf8', env: { ...process.env, RAFT_PROGRESS_SECONDS: '0.3' } },
    );
    const seconds = (performance.now() - t0) / 1000;
    expect(r.status, r.stderr).toBe(0);
    const beats = r.stdout.split('\n').filter((l) => /^ {2}check: [0-9?]+\/[0-9?]+ TLC runs done, \d+ s$/.test(l));
    console.log(`${beats.length} progress lines in ${seconds.toFixed(1)} s`);
    // The one run ends once: every line before it is a heartbeat. (A line
    // every 0.3 s: the run takes 2 to 4 s, by the machine's speed and load.)
    expect(seconds).toBeGreaterThan(2);
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats[0]).toMatch(/ 0\/\? TLC runs done/);
  });
});

describe('trace validation by TLC, more at length', { timeout: 600_000 }, () => {
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
});
