// Election timers in the trace (format 3 on) and the spec's rule for them
// (Raft.tla's RestartsElectionTimer): the correct core records a restart
// exactly where Raft makes one, both checkers reject a restart recorded or
// left out against the rule, at the same event and with the same lines, and
// traces of format 2 (no timers recorded) are still read and not judged on
// them. The audit's sample: a timer mutant of the core is caught by TLC.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTraceInProcess } from '../../src/check/in-process-checker.js';
import { removeTempDir } from '../../src/files/cleanup.js';
import { checkTraces } from '../../src/check/trace-checker.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';
import { formatDiagnosis, type TraceVerdict } from '../../src/verdict/diagnosis.js';
import { fromText } from '../support/fixtures.js';
import { needTlc } from '../support/need-tlc.js';
import { tool } from '../support/tools.js';

type Json = Record<string, unknown>;

/** A simulated run's trace, as header and events. */
function run(seed: number): { header: Json; events: Json[] } {
  const text = runSchedule(generateSchedule(seed, { clusterSizes: [3], minSteps: 120, maxSteps: 120 })).trace;
  const [header, ...events] = text.trimEnd().split('\n');
  return { header: JSON.parse(header!) as Json, events: events.map((l) => JSON.parse(l) as Json) };
}

const text = (header: Json, events: Json[]) => [header, ...events].map((x) => JSON.stringify(x)).join('\n') + '\n';

/** The trace with the timer of the first event that `pick` chooses flipped; that event's line. */
function flipped(t: { header: Json; events: Json[] }, pick: (e: Json) => boolean): { text: string; line: number } {
  const k = t.events.findIndex(pick);
  expect(k, 'the run has such an event').toBeGreaterThanOrEqual(0);
  const events = t.events.map((e, j) => {
    if (j !== k) return e;
    const { timer, ...rest } = e;
    return timer ? rest : { ...rest, timer: true };
  });
  return { text: text(t.header, events), line: k + 2 };
}

const lines = (v: TraceVerdict) => (v.status === 'rejected' ? formatDiagnosis('t', v.diagnosis) : [v.status]);

describe('election timers in the trace', () => {
  it('the correct core records a restart exactly on a Timeout, a granted vote and an AppendEntries of its term', () => {
    let restarts = 0;
    for (const seed of [1, 2, 3]) {
      const t = run(seed);
      expect(t.header.version).toBe(4);
      const term = new Map<string, number>();
      for (const e of t.events) {
        const node = e.node as string | undefined;
        if (!node) continue;
        const before = term.get(node) ?? 0;
        const msg = e.msg as { term: number } | undefined;
        const send = e.send as { voteGranted?: boolean } | undefined;
        const expected =
          e.action === 'Timeout' ||
          (e.action === 'HandleRequestVoteRequest' && send?.voteGranted === true) ||
          (e.action === 'HandleAppendEntriesRequest' && msg!.term === before);
        expect(e.timer === true, `seed ${seed} event ${String(e.i)} ${String(e.action)}`).toBe(expected);
        if (expected) restarts++;
        term.set(node, (e.state as { term: number }).term);
      }
    }
    expect(restarts).toBeGreaterThan(30);
  });

  it('both checkers reject a restart recorded on a refused vote, or left out of an AppendEntries, at that event, saying why', async () => {
    const tlc = await needTlc();
    const refused = (e: Json) => e.action === 'HandleRequestVoteRequest' && !e.timer;
    const t = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(run).find((x) => x.events.some(refused))!;
    const cases = [
      flipped(t, refused),
      flipped(t, (e) => e.action === 'HandleAppendEntriesRequest' && e.timer === true),
      flipped(t, (e) => e.action === 'UpdateTerm'),
    ];
    const inputs = cases.map((c, k) => fromText(`case-${k}.ndjson`, c.text));
    const report = await checkTraces(inputs, { ...tlc, chunkSize: 25 });
    cases.forEach((c, k) => {
      const byTlc = report.verdicts[k]!;
      const inProcess = checkTraceInProcess(inputs[k]!);
      expect(byTlc.status).toBe('rejected');
      if (byTlc.status !== 'rejected') return;
      expect(byTlc.diagnosis.line).toBe(c.line);
      expect(byTlc.diagnosis.differences.map((d) => d.path)).toEqual([
        `election timer restarted [${String((byTlc.diagnosis.event as { node: string }).node)}]`,
      ]);
      expect(lines(inProcess)).toEqual(lines(byTlc));
      expect(lines(byTlc).join('\n')).toMatch(/likely cause: n\d (did not restart|restarted) its election countdown/);
    });
  });

  it('a trace of format 2 is read as before: its timers are not judged', async () => {
    const tlc = await needTlc();
    const t = run(2);
    const wrong = flipped(t, (e) => e.action === 'UpdateTerm');
    const v2 = fromText('v2.ndjson', wrong.text.replace('"version":4', '"version":2'));
    expect(checkTraceInProcess(v2).status).toBe('accepted');
    expect((await checkTraces([v2], tlc)).verdicts[0]!.status).toBe('accepted');
  });

  it("the audit catches a timer mutant of the core (a refused vote restarting the countdown) by TLC's rule, 1-minimal", () => {
    const out = mkdtempSync(join(tmpdir(), 'audit-timer-'));
    try {
      const r = tool(
        'audit',
        ['--mutants', '18', '--schedules', '100', '--shrink-seconds', '15', '--correct-schedules', '50', '--out', out],
        300_000,
      );
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));
      const row = report.rows.find((x: { mutant: { id: number } | null }) => x.mutant?.id === 18);
      expect(row.failure.oracle).toBe('tlc');
      expect(row.failure.confirmedByTlc).toBe(true);
      expect(row.failure.shrunk.minimal).toBe(true);
      expect(row.failure.diagnosis.join('\n')).toMatch(
        /election timer restarted \[n\d\]: implementation true, spec false/,
      );
    } finally {
      removeTempDir(out);
    }
  });
});
