// TLC-backed trace validation: the committed fixtures are accepted or
// rejected where and why the manifest says; generated traces are accepted;
// chunking and batching do not change verdicts; bad input is never a pass.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTraces, formatDiagnosis, type CheckOptions, type TraceInput, type TraceVerdict } from '../src/check/trace-checker.js';
import { generateSchedule, runSchedule } from '../src/sim/schedule.js';
import { findJava, findTlcJar } from '../src/tlc/jar.js';
import { validateTraceFile, validateTraceText } from '../src/trace/validate.js';

interface Expectation {
  file: string;
  verdict: 'accepted' | 'rejected';
  line?: number;
  action?: string;
  path?: string;
  condition?: string;
}

const manifest = JSON.parse(readFileSync('traces/fixtures/manifest.json', 'utf8')) as Expectation[];
let tlc: Pick<CheckOptions, 'java' | 'jar'>;

beforeAll(async () => {
  try {
    tlc = { java: findJava(), jar: await findTlcJar() };
  } catch (err) {
    throw new Error(`these tests need TLC: ${(err as Error).message} (run make setup-tlc to see each route tried)`);
  }
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
    report.verdicts.forEach((v, k) => expectMatches(v, { ...manifest[k]!, file: join('traces/fixtures', manifest[k]!.file) }));
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
    for (let seed = 1; seed <= 16; seed++) inputs.push(fromText(`seed-${seed}`, runSchedule(generateSchedule(seed)).trace));
    const long = runSchedule(generateSchedule(99, { clusterSizes: [5], minSteps: 3000, maxSteps: 3000 }));
    inputs.push(fromText('long', long.trace));
    const report = await checkTraces(inputs, { ...tlc, chunkSize: 200 });
    for (const v of report.verdicts) expect(v, JSON.stringify(v).slice(0, 800)).toMatchObject({ status: 'accepted' });
    expect(inputs.some((i) => i.header.nodes.length === 3) && inputs.some((i) => i.header.nodes.length === 5)).toBe(true);
    expect(long.events).toBeGreaterThan(2000);
  });

  it('a trace of an unsupported cluster, an empty trace, and a TLC that times out are errors, never accepted', async () => {
    const good = readFileSync('traces/fixtures/accepted-split-vote.ndjson', 'utf8');
    const four = runSchedule({ ...generateSchedule(5), nodes: 4 }).trace;
    const report = await checkTraces([fromText('four.ndjson', four)], tlc);
    expect(report.verdicts[0]).toMatchObject({ status: 'error' });
    expect((report.verdicts[0] as { message: string }).message).toMatch(/^four.ndjson: the trace's cluster is n1, n2, n3, n4; the checker is configured for/);

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
    const r = run(['--report', report, 'traces/fixtures/accepted-split-vote.ndjson', 'traces/fixtures/accepted-follower-commit.ndjson']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/accepted\s+2/);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json).toMatchObject({ traces: 2, accepted: 2, rejected: 0, errors: 0 });
  });

  it('exits 1 with a diagnosis on a rejected trace, and one line per unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'check-cli-'));
    const truncated = join(dir, 'truncated.ndjson');
    writeFileSync(truncated, readFileSync('traces/fixtures/accepted-split-vote.ndjson', 'utf8').slice(0, -5));
    const r = run(['--report', join(dir, 'r.json'), 'traces/fixtures/rejected-two-votes-one-term.ndjson', truncated, join(dir, 'missing.ndjson')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('rejected-two-votes-one-term.ndjson:10: event 9 is not a step of the spec');
    expect(r.stderr).toContain('votedFor[n3]: implementation "n2", spec "n1"');
    expect(r.stderr).toMatch(new RegExp(`${truncated}:\\d+: truncated last line`));
    expect(r.stderr).toContain(`${join(dir, 'missing.ndjson')}: no such file`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toMatch(/accepted\s+0/);
  });
});
