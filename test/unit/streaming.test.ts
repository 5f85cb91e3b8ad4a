// Traces of any length: recorded to disk as they happen, read back line by
// line, and of a size per event that does not grow with the run.
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linesOf, readLines } from '../../src/files/lines.js';
import { CALM_WEIGHTS, generateSchedule, runSchedule } from '../../src/sim/schedule.js';
import { TraceFileWriter } from '../../src/trace/recorder.js';
import { TraceReadError, validateTraceFile, validateTraceText } from '../../src/trace/validate.js';
import { applyEvent, startReplay } from '../../src/trace/replay.js';
import { TraceDataWriter } from '../../src/check/tla-emit.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'raft-streaming-'));

function streamed(seed: number, steps: number, dir: string) {
  const path = join(dir, `seed-${seed}-${steps}.ndjson`);
  const file = new TraceFileWriter(path);
  const run = runSchedule(generateSchedule(seed, { clusterSizes: [3], minSteps: steps, maxSteps: steps }), {
    traceFile: file,
  });
  file.commit();
  return { path, run };
}

describe('reading lines in bounded memory', () => {
  it('gives the same lines as splitting the text, across buffer boundaries and multi-byte characters', () => {
    const dir = scratch();
    // A line longer than the 1 MiB buffer, with a snowman and an emoji placed
    // so that some fall across a buffer boundary; a CR; no final newline.
    const long = 'x'.repeat((1 << 20) - 2) + '\u2603\u{1F600}'.repeat(5000);
    const text = `first\n${long}\nthird\r\n\n\u2603 last`;
    const path = join(dir, 'lines.txt');
    writeFileSync(path, text);
    const read = [...readLines(path)];
    expect(read).toEqual([...linesOf(text)]);
    expect(read.map((l) => l.text)).toEqual(text.split('\n'));
    expect(read.map((l) => l.ended)).toEqual([true, true, true, true, false]);
    writeFileSync(path, 'a\nb\n');
    expect([...readLines(path)]).toEqual([
      { text: 'a', ended: true },
      { text: 'b', ended: true },
    ]);
    writeFileSync(path, '');
    expect([...readLines(path)]).toEqual([]);
  });
});

describe('traces streamed to disk', () => {
  it('are byte-identical to the traces recorded in memory', () => {
    const dir = scratch();
    const { path, run } = streamed(11, 3000, dir);
    const inMemory = runSchedule(generateSchedule(11, { clusterSizes: [3], minSteps: 3000, maxSteps: 3000 }));
    expect(run.trace).toBe('');
    expect(run.events).toBe(inMemory.events);
    expect(readFileSync(path, 'utf8')).toBe(inMemory.trace);
  });

  it('take about the same bytes per event in a short run and in a run twenty times longer', () => {
    const dir = scratch();
    const short = streamed(21, 2_000, dir);
    const long = streamed(21, 40_000, dir);
    const perEvent = (r: { path: string; run: { events: number } }) => statSync(r.path).size / r.run.events;
    // With whole logs in every event (format 1) the long run's figure was
    // many times the short one's; with log changes it stays put.
    expect(long.run.events).toBeGreaterThan(15 * short.run.events);
    expect(perEvent(long) / perEvent(short)).toBeLessThan(1.3);
    expect(perEvent(long)).toBeLessThan(600);
  });

  it('are validated in one pass and read again, event by event, each time the check iterates them', () => {
    const dir = scratch();
    const { path, run } = streamed(31, 3000, dir);
    const result = validateTraceFile(path);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.trace.eventCount).toBe(run.events);
    let first = 0;
    for (const e of result.trace.events) first += e.i === first + 1 ? 1 : 0;
    expect(first).toBe(run.events);
    expect([...result.trace.events].length).toBe(run.events);
    // A file changed after it was validated is not trusted.
    appendFileSync(path, '{"i": 1}\n');
    expect(() => [...result.trace.events]).toThrow(TraceReadError);
  });
});

describe('trace data for TLC', () => {
  it('keeps every line of the generated module short, however long the logs', () => {
    // TLC scans each module line by line at a cost that grows with the
    // square of a line's length: a long log must not be one line.
    const run = runSchedule(generateSchedule(21, { clusterSizes: [3], minSteps: 40_000, maxSteps: 40_000 }));
    const parsed = validateTraceText('t', run.trace);
    if (!parsed.ok) throw new Error('invalid');
    const replay = startReplay(parsed.trace.header.nodes);
    for (const e of parsed.trace.events) applyEvent(replay, e);
    const longest = Math.max(...Object.values(replay.state.servers).map((s) => s.log.length));
    expect(longest).toBeGreaterThan(300);
    const writer = new TraceDataWriter();
    const text = writer.globalState(replay.state, parsed.trace.header.nodes) + '\n' + writer.definitions();
    expect(text.length).toBeGreaterThan(20_000);
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(2_000);
  });

  it('with snapshots, a chunk start holds the logs after the snapshots and only the commits a property can still read', () => {
    // A long run with a snapshot every 5 entries, calm enough that most entries commit (no crashes or
    // partitions): the chunk starts stay small however far it goes.
    const weights = CALM_WEIGHTS;
    const run = runSchedule(
      generateSchedule(4, {
        clusterSizes: [3],
        minSteps: 40_000,
        maxSteps: 40_000,
        snapshotEvery: 5,
        weights,
        maxEntriesPerMessage: 64,
      }),
    );
    const parsed = validateTraceText('t', run.trace);
    if (!parsed.ok) throw new Error('invalid');
    const nodes = parsed.trace.header.nodes;
    const replay = startReplay(nodes);
    const writer = new TraceDataWriter();
    const starts: string[] = [];
    let k = 0;
    for (const e of parsed.trace.events) {
      applyEvent(replay, e);
      if (++k % 500 === 0) starts.push(writer.globalState(replay.state, nodes));
    }
    const s = replay.state;
    const below = Math.min(...nodes.map((id) => s.servers[id]!.state.snapshotIndex ?? 0));
    expect(below).toBeGreaterThan(100);
    const definitions = writer.definitions();
    // Pruned by the lowest snapshot, keeping each snapshot's own record.
    expect(definitions).toMatch(/Cm\d+ == \{c \\in Cm\d+ : c\.index > \d+ \\\/ c\.index \\in \{[\d,]+\}\}/);
    // Each start's logs are the entries after the snapshots: the last start writes fewer than the run's log.
    const lastLogs = nodes.map((id) => s.servers[id]!.log.length - (s.servers[id]!.state.snapshotIndex ?? 0));
    expect(Math.max(...lastLogs)).toBeLessThan(60);
    expect(starts.at(-1)).toContain(`startSnapshotIndex |-> [`);
  });
});
