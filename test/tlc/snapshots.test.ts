// Snapshots end to end in the simulator: servers compact their logs, a leader
// sends its snapshot to a follower that was cut off past the compaction point,
// a server restarts from its snapshot; the run is recorded event for event
// (nothing unlogged), and both checkers accept the trace, in chunks that
// start from compacted logs, and reject it where a snapshot step is changed.
import { beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { fromText } from '../support/fixtures.js';
import { checkTraces, type CheckOptions } from '../../src/check/trace-checker.js';
import { checkTraceInProcess } from '../../src/check/in-process-checker.js';
import { Cluster } from '../../src/sim/cluster.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';
import { formatDiagnosis } from '../../src/verdict/diagnosis.js';

let tlc: Pick<CheckOptions, 'java' | 'jar'>;

beforeAll(async () => {
  tlc = await needTlc();
}, 300_000);

/** Ticks the cluster, comparing it with its trace after every tick. */
function run(c: Cluster, ticks: number, each?: (t: number) => void): void {
  for (let t = 0; t < ticks; t++) {
    c.tick();
    each?.(t);
    c.checkLogged();
  }
}

/** Ticks until some server leads (at most 300 ticks). */
function leaderOf(c: Cluster): string {
  for (let t = 0; t < 300 && !c.leader(); t++) run(c, 1);
  const leader = c.leader();
  if (!leader) throw new Error('no leader after 300 ticks');
  return leader;
}

/** A follower cut off while the others commit and compact past it, then healed; the leader crashed and restarted from its snapshot. */
function scenario(): Cluster {
  const c = new Cluster({ size: 3, seed: 3, snapshotEvery: 3, checkLogged: true });
  const first = leaderOf(c);
  c.partition([c.servers.find((id) => id !== first)!]);
  run(c, 80, (t) => {
    if (t % 8 === 0) c.clientRequest(`k${t % 3}`);
  });
  c.heal();
  run(c, 80);
  const leader = leaderOf(c);
  c.crash(leader);
  run(c, 40);
  c.restart(leader);
  run(c, 80, (t) => {
    if (t % 10 === 0) c.clientRequest('k9');
  });
  // Quiet, so that every server learns every commit.
  run(c, 100);
  return c;
}

describe('snapshots in a simulated run', { timeout: 300_000 }, () => {
  it('compacts, sends, installs and restarts from snapshots, every step logged, and the state machines agree', () => {
    const c = scenario();
    const actions = c.recorder.events.map((e) => e.action);
    for (const a of ['TakeSnapshot', 'SendSnapshot', 'HandleInstallSnapshotRequest'] as const)
      expect(actions, a).toContain(a);
    // A restart recovered a snapshot: its commitIndex starts there.
    const restarts = c.recorder.events.filter((e) => e.action === 'Restart' && 'state' in e);
    expect(restarts.some((e) => 'state' in e && (e.state.snapshotIndex ?? 0) > 0)).toBe(true);
    c.checkLogged(true);
    const states = c.servers.map((id) => JSON.stringify(c.kv(id).snapshot()));
    expect(new Set(states).size).toBe(1);
    expect(c.servers.map((id) => c.kv(id).lastApplied)).toEqual(c.servers.map(() => c.kv('n1').lastApplied));
  });

  it('both checkers accept the trace, whole and in chunks of 7 events that start from compacted logs', async () => {
    const input = fromText('snapshots.ndjson', scenario().recorder.toNdjson());
    expect(input.header).toMatchObject({ version: 5, params: { snapshots: true, snapshotEvery: 3 } });
    expect(checkTraceInProcess(input).status).toBe('accepted');
    for (const options of [{}, { chunkSize: 7 }, { chunkSize: 7, wholeInvariants: true }]) {
      const report = await checkTraces([input], { ...tlc, ...options });
      expect(report.verdicts[0], JSON.stringify(report.verdicts[0]).slice(0, 800)).toMatchObject({
        status: 'accepted',
      });
    }
  });

  it('generated runs with a snapshot every 2 entries, with and without the guards, are accepted by both checkers', async () => {
    const inputs = [1, 2, 3, 4, 5, 6].map((seed) => {
      const guards = seed % 2 === 0 ? { guards: { preVote: true, checkQuorum: true } } : {};
      const r = runSchedule(generateSchedule(seed, { snapshotEvery: 2, ...guards }), { checkLogged: true });
      return fromText(`seed-${seed}.ndjson`, r.trace);
    });
    const all = inputs.flatMap((x) => [...x.events]).map((e) => e.action);
    expect(all).toContain('TakeSnapshot');
    expect(all).toContain('HandleInstallSnapshotRequest');
    const report = await checkTraces(inputs, { ...tlc, chunkSize: 25 });
    expect(report.verdicts.map((v) => v.status)).toEqual(inputs.map(() => 'accepted'));
    expect(inputs.map((x) => checkTraceInProcess(x).status)).toEqual(inputs.map(() => 'accepted'));
  });
});

/** The scenario's trace with its first event of `action` that `which` picks changed by `edit` (its line, from 1, returned too). */
function edited(
  action: string,
  edit: (e: Record<string, any>) => void,
  which: (e: Record<string, any>) => boolean = () => true,
): { text: string; line: number } {
  const lines = scenario().recorder.toNdjson().split('\n');
  const k = lines.findIndex((l) => l.includes(`"action":"${action}"`) && which(JSON.parse(l)));
  const e = JSON.parse(lines[k]!);
  edit(e);
  lines[k] = JSON.stringify(e);
  return { text: lines.join('\n'), line: k + 1 };
}

describe('snapshot steps the spec does not allow', { timeout: 300_000 }, () => {
  const cases = [
    {
      name: 'a snapshot of entries not yet committed',
      trace: () =>
        edited('TakeSnapshot', (e) => {
          e.index = e.state.commitIndex + 1;
          e.state.snapshotIndex = e.index;
        }),
      kind: 'disabled',
      says: ['false: n is committed (n <= commitIndex[i])', 'took a snapshot of entries it had not committed'],
    },
    {
      name: 'a snapshot installed without moving the commitIndex to it',
      trace: () =>
        edited(
          'HandleInstallSnapshotRequest',
          (e) => {
            e.state.commitIndex = e.state.snapshotIndex - 1;
          },
          (e) => e.state.snapshotIndex === e.msg.lastIncludedIndex && e.state.snapshotIndex > 0,
        ),
      kind: 'diverged',
      says: ['commitIndex[', 'but left its commitIndex elsewhere: a snapshot holds committed entries'],
    },
    {
      name: "a snapshot recorded with another term than its last entry's",
      trace: () =>
        edited('TakeSnapshot', (e) => {
          e.state.snapshotTerm += 1;
        }),
      kind: 'diverged',
      says: ['snapshotTerm[', 'snapshot records term'],
    },
  ];
  for (const x of cases) {
    it(`${x.name}: both checkers reject it at its line, saying why`, async () => {
      const { text, line } = x.trace();
      const input = fromText('changed.ndjson', text);
      const tlcVerdict = (await checkTraces([input], { ...tlc, chunkSize: 50 })).verdicts[0]!;
      const local = checkTraceInProcess(input);
      for (const v of [tlcVerdict, local]) {
        if (v.status !== 'rejected') throw new Error(`expected a rejection, got ${JSON.stringify(v).slice(0, 400)}`);
        expect(v.diagnosis).toMatchObject({ line, kind: x.kind });
        const text = formatDiagnosis('changed.ndjson', v.diagnosis).join('\n');
        for (const said of x.says) expect(text).toContain(said);
      }
    });
  }
});
