// The in-process checker of spec/Raft.tla: the committed fixtures get the
// verdicts and diagnoses TLC gives them, and the differential fuzzer (a
// small sample of `make fuzz-checkers`) finds no perturbed trace on which it
// and TLC disagree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { disagreement } from '../../src/check/differential.js';
import { checkTraceInProcess } from '../../src/check/in-process-checker.js';
import { checkTraces } from '../../src/check/trace-checker.js';
import { formatDiagnosis } from '../../src/verdict/diagnosis.js';
import type { Message } from '../../src/raft/types.js';
import { Rng } from '../../src/random/rng.js';
import { canonicalMessageKey } from '../../src/trace/replay.js';
import { validateTraceFile, validateTraceText } from '../../src/trace/validate.js';
import { needTlc } from '../support/need-tlc.js';

const FIXTURES = 'traces/fixtures';
// Entries with a specMutant are verdicts against a mutated copy of the spec, which this checker does not transcribe.
const manifest = (
  JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as Array<{
    file: string;
    verdict: string;
    line?: number;
    action?: string;
    path?: string;
    specMutant?: string;
  }>
).filter((f) => !f.specMutant);

function load(file: string) {
  const v = validateTraceText(file, readFileSync(file, 'utf8'));
  if (!v.ok) throw new Error(`${file} is malformed`);
  return { file, ...v.trace };
}

describe('the in-process checker', () => {
  it('gives every committed fixture its verdict, at the line and with the variable the manifest names', () => {
    for (const f of manifest) {
      const v = checkTraceInProcess(load(join(FIXTURES, f.file)));
      expect(v.status, f.file).toBe(f.verdict === 'accepted' ? 'accepted' : 'rejected');
      if (v.status === 'rejected' && f.line !== undefined) {
        expect(v.diagnosis.line, f.file).toBe(f.line);
        expect(v.diagnosis.event.action, f.file).toBe(f.action);
        if (f.path)
          expect(
            v.diagnosis.differences.map((d) => d.path),
            f.file,
          ).toContain(f.path);
      }
    }
  });

  it('diagnoses the rejected fixtures exactly as TLC does (same lines printed)', async () => {
    const tlc = await needTlc();
    const inputs = manifest.map((f) => load(join(FIXTURES, f.file)));
    const report = await checkTraces(inputs, { ...tlc, chunkSize: 10 });
    inputs.forEach((t, k) => {
      const a = report.verdicts[k]!;
      const b = checkTraceInProcess(t);
      expect(disagreement(a, b), t.file).toBeNull();
      if (a.status === 'rejected' && b.status === 'rejected')
        expect(formatDiagnosis(t.file, b.diagnosis)).toEqual(formatDiagnosis(t.file, a.diagnosis));
    });
  });

  it("reads a trace file as it goes, and refuses traces it cannot check with one line, as TLC's checker does", () => {
    const v = validateTraceFile(join(FIXTURES, 'accepted-split-vote.ndjson'));
    if (!v.ok) throw new Error('fixture');
    expect(checkTraceInProcess({ file: 'x.ndjson', ...v.trace }).status).toBe('accepted');
    const t = load(join(FIXTURES, 'accepted-split-vote.ndjson'));
    const ten = checkTraceInProcess({
      ...t,
      header: { ...t.header, nodes: Array.from({ length: 10 }, (_, k) => `n${k + 1}`) },
    });
    expect(ten).toMatchObject({ status: 'error' });
    expect((ten as { message: string }).message).toMatch(
      /^x?.*accepted-split-vote\.ndjson: the trace's cluster is n1, .*n10; the checker is configured for clusters n1\.\.nK of 1 to 9 servers$/,
    );
    expect(checkTraceInProcess({ ...t, events: [] })).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/no events/),
    });
  });

  it('keys messages exactly as the canonical JSON of their fields, whatever order they come in', () => {
    const rng = new Rng(5);
    const samples: Message[] = [];
    for (let k = 0; k < 200; k++) {
      const t = rng.intBetween(0, 3);
      const head = { source: `n${rng.intBetween(1, 5)}`, dest: `n${rng.intBetween(1, 5)}`, term: rng.intBetween(0, 9) };
      if (t === 0)
        samples.push({
          type: 'RequestVoteRequest',
          ...head,
          lastLogTerm: rng.intBetween(0, 9),
          lastLogIndex: rng.intBetween(0, 99),
        });
      if (t === 1) samples.push({ voteGranted: rng.intBetween(0, 1) === 1, ...head, type: 'RequestVoteResponse' });
      if (t === 2) {
        const entries = Array.from({ length: rng.intBetween(0, 3) }, () => ({
          value: `v"${rng.intBetween(0, 9)}\u2603`,
          term: rng.intBetween(1, 9),
        }));
        samples.push({
          type: 'AppendEntriesRequest',
          ...head,
          prevLogIndex: 1,
          prevLogTerm: 1,
          entries,
          commitIndex: rng.intBetween(0, 9),
        });
      }
      if (t === 3)
        samples.push({ type: 'AppendEntriesResponse', ...head, success: rng.intBetween(0, 1) === 1, matchIndex: 3 });
    }
    const canonical = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(canonical)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
            )
          : v;
    for (const m of samples) expect(canonicalMessageKey(m)).toBe(JSON.stringify(canonical(m)));
    // An extra field makes another message, not the same one.
    const m = samples.find((x) => x.type === 'RequestVoteRequest')!;
    expect(canonicalMessageKey({ ...m, extra: 1 } as unknown as Message)).not.toBe(canonicalMessageKey(m));
  });
});
