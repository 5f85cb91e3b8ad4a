// The schedules that push a server behind its leader's compaction point do
// what they say: the server is sent a snapshot and installs it (or crashes as
// it does), snapshots are duplicated and reordered, and the correct
// implementation comes through each with every step logged and accepted.
import { describe, expect, it } from 'vitest';
import { COMPACTION_ATTACKS, compactionSchedule } from '../../src/sim/compaction.js';
import { parseSchedule, runSchedule } from '../../src/sim/schedule.js';
import { validateTraceText } from '../../src/trace/validate.js';
import { checkTraceInProcess } from '../../src/check/in-process-checker.js';
import { branch } from '../../src/audit/coverage.js';
import type { TracedState, TraceEvent } from '../../src/raft/events.js';

/** How often each snapshot branch of the coverage occurs in a trace. */
function snapshotBranches(trace: string): Record<string, number> {
  const v = validateTraceText('t', trace);
  if (!v.ok) throw new Error(JSON.stringify(v.problems));
  const out: Record<string, number> = {};
  const last = new Map<string, TracedState>();
  for (const e of v.trace.events as Iterable<TraceEvent>) {
    const b = branch(e, 'node' in e ? last.get(e.node) : undefined);
    if (/Snapshot/.test(b)) out[b] = (out[b] ?? 0) + 1;
    if ('state' in e) last.set(e.node, e.state);
  }
  return out;
}

describe('schedules behind the compaction point', () => {
  for (const attack of COMPACTION_ATTACKS) {
    it(`${attack}: a snapshot is installed, every step logged, and the in-process checker accepts the run`, () => {
      for (const seed of [1, 2]) {
        const schedule = compactionSchedule(attack, seed, 3);
        expect(schedule.snapshotEvery).toBe(3);
        const run = runSchedule(schedule, { checkLogged: true });
        expect(run.failure, JSON.stringify(run.failure)).toBeNull();
        const branches = snapshotBranches(run.trace);
        expect(branches['HandleInstallSnapshotRequest/installed'] ?? 0, `${attack} seed ${seed}`).toBeGreaterThan(0);
        if (attack === 'crash-during-install') expect(run.windowHits.installSnapshot ?? 0).toBeGreaterThan(0);
        const v = validateTraceText('t', run.trace);
        if (!v.ok) throw new Error('invalid trace');
        expect(checkTraceInProcess({ file: 't', ...v.trace }).status).toBe('accepted');
        // A saved schedule replays with its snapshot policy.
        expect(parseSchedule(JSON.stringify(schedule), 's.json')).toEqual(schedule);
      }
    });
  }

  it('a saved schedule with a bad snapshot policy gets one line naming the field', () => {
    const bad = JSON.stringify({ ...compactionSchedule('isolated-behind', 1, 3), snapshotEvery: 0 });
    expect(() => parseSchedule(bad, 's.json')).toThrow(
      's.json: snapshotEvery: must be a positive integer (entries applied between snapshots), got 0',
    );
  });
});
