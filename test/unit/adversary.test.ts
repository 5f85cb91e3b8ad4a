// The adversary's newer powers and oracles: clients with stale leader
// information, traps sprung in narrow windows, one-way link failures, the
// check that nothing happens unlogged, and the progress oracle.
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_RUN } from '../../src/audit/campaign.js';
import type { Message, ServerId } from '../../src/raft/types.js';
import { Cluster, UnloggedStep } from '../../src/sim/cluster.js';
import { NoProgress, requireProgress, SETTLE_TICKS, type ProgressStep } from '../../src/sim/progress.js';
import { generateSchedule, parseSchedule, runSchedule } from '../../src/sim/schedule.js';
import { validateTraceText } from '../../src/trace/validate.js';

function elect(c: Cluster, id: ServerId): void {
  c.timeout(id);
  c.settle();
  expect(c.leader()).toBe(id);
}

const to = (id: ServerId) => (m: Message) => m.dest === id;

describe('clients with stale leader information', () => {
  it('reach a deposed leader on the minority side, which still appends in its old term', () => {
    const c = new Cluster({ size: 3, seed: 1 });
    elect(c, 'n1');
    expect(c.clientRequest('a')).not.toBeNull();
    c.settle();
    c.partition(['n1']);
    c.timeout('n2');
    c.settle();
    expect(c.state('n2').role).toBe('Leader');
    // An even pick goes to the last leader a client saw: n1, deposed but unaware.
    const value = c.staleClientRequest('b', 0);
    expect(value).not.toBeNull();
    expect(c.state('n1').log.at(-1)).toEqual({ term: 1, value });
    expect(c.clientTargets['deposed leader']).toBe(1);
    // An odd pick goes to server pick/2: n3, a follower, which refuses and logs nothing.
    const events = c.recorder.eventCount;
    expect(c.staleClientRequest('c', 5)).toBeNull();
    expect(c.recorder.eventCount).toBe(events);
    expect(c.clientTargets.follower).toBe(1);
    expect(validateTraceText('stale-client', c.recorder.toNdjson()).ok).toBe(true);
  });

  it('over the default schedules, reach servers in every role', () => {
    const reached: Record<string, number> = {};
    for (let seed = 1; seed <= 40; seed++) {
      for (const [k, n] of Object.entries(runSchedule(generateSchedule(seed)).clientTargets))
        reached[k] = (reached[k] ?? 0) + n!;
    }
    for (const role of ['leader', 'deposed leader', 'candidate', 'follower', 'crashed'])
      expect(reached[role], role).toBeGreaterThan(0);
  });
});

describe('targeted faults', () => {
  it('a trap crashes its server right after it grants a vote, once; the vote is already on its way', () => {
    const c = new Cluster({ size: 3, seed: 1 });
    c.arm({ server: 'n2', window: 'voteGranted', fault: 'crash' });
    c.timeout('n1');
    expect(c.deliverWhere(to('n2'))).toBe(true);
    expect(c.isAlive('n2')).toBe(false);
    expect(c.windowHits.voteGranted).toBe(1);
    expect(
      c.network.messages().some((m) => m.type === 'RequestVoteResponse' && m.source === 'n2' && m.voteGranted),
    ).toBe(true);
    c.restart('n2');
    c.timeout('n3');
    c.deliverWhere(to('n2'));
    expect(c.isAlive('n2')).toBe(true);
  });

  it('a trap isolates its server right after it becomes leader', () => {
    const c = new Cluster({ size: 3, seed: 1 });
    c.arm({ server: 'n1', window: 'becomeLeader', fault: 'isolate' });
    c.timeout('n1');
    c.settle();
    expect(c.state('n1').role).toBe('Leader');
    expect(c.connected('n1', 'n2')).toBe(false);
    expect(c.connected('n2', 'n3')).toBe(true);
    expect(c.windowHits.becomeLeader).toBe(1);
  });

  it('a one-way link failure loses messages one way only', () => {
    const c = new Cluster({ size: 3, seed: 1 });
    c.cutLink('n1', 'n2');
    expect(c.connected('n1', 'n2')).toBe(false);
    expect(c.connected('n2', 'n1')).toBe(true);
    const last = () => JSON.parse(c.recorder.toNdjson().trim().split('\n').at(-1)!);
    c.timeout('n1');
    expect(c.deliverWhere(to('n2'))).toBe(true);
    expect(last()).toMatchObject({ action: 'DropMessage', msg: { source: 'n1', dest: 'n2' } });
    expect(c.state('n2').term).toBe(0);
    c.timeout('n2');
    expect(c.deliverWhere(to('n1'))).toBe(true);
    expect(last()).toMatchObject({ action: 'HandleRequestVoteRequest', node: 'n1', msg: { source: 'n2' } });
    c.heal();
    expect(c.connected('n1', 'n2')).toBe(true);
  });

  it('saved schedules with the new steps are read back, and a bad field is named', () => {
    const steps = [
      { kind: 'staleClient', key: 1, pick: 2 },
      { kind: 'crashOn', node: 1, window: 2 },
      { kind: 'isolateOn', node: 0, window: 3 },
      { kind: 'cutLink', node: 0, other: 1 },
    ];
    expect(parseSchedule(JSON.stringify({ nodes: 3, seed: 1, steps }), 's.json').steps).toEqual(steps);
    expect(() =>
      parseSchedule(JSON.stringify({ nodes: 3, seed: 1, steps: [{ kind: 'crashOn', node: 1 }] }), 's.json'),
    ).toThrow('s.json: steps[0].window: must be a non-negative integer, got undefined');
  });
});

describe('entries per AppendEntries', () => {
  it('a schedule may set them: its trace header says so, and a bad value is named', () => {
    const steps = generateSchedule(7).steps;
    const run = runSchedule({ nodes: 3, seed: 7, steps, maxEntriesPerMessage: 5 });
    expect(run.failure).toBeNull();
    expect(run.header.params.maxEntriesPerMessage).toBe(5);
    expect(runSchedule({ nodes: 3, seed: 7, steps }).header.params.maxEntriesPerMessage).toBe(2);
    expect(generateSchedule(7, { maxEntriesPerMessage: 4 }).maxEntriesPerMessage).toBe(4);
    const saved = parseSchedule(JSON.stringify({ nodes: 3, seed: 1, steps: [], maxEntriesPerMessage: 3 }), 's.json');
    expect(saved.maxEntriesPerMessage).toBe(3);
    expect(() =>
      parseSchedule(JSON.stringify({ nodes: 3, seed: 1, steps: [], maxEntriesPerMessage: 0 }), 's.json'),
    ).toThrow('s.json: maxEntriesPerMessage: must be a positive integer, got 0');
  });
});

describe('nothing happens unlogged', () => {
  it('a message that leaves the network without an event is found at once', () => {
    const c = new Cluster({ size: 3, seed: 1, checkLogged: true });
    c.timeout('n1');
    c.checkLogged();
    c.network.take(0);
    expect(() => c.checkLogged()).toThrow(UnloggedStep);
    expect(() => c.checkLogged()).toThrow(
      /RequestVoteRequest n1→n2 \(term 1\) is in flight 1 time\(s\) according to the trace, but the network no longer holds it/,
    );
  });

  it('the correct implementation never trips it, nor the progress oracle, over a sample of campaign schedules', () => {
    let worst = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const run = runSchedule(generateSchedule(seed), CAMPAIGN_RUN);
      expect(run.failure, JSON.stringify(run.failure)).toBeNull();
      worst = Math.max(worst, run.progress!.ticks / run.progress!.bounds.ticks);
    }
    expect(worst).toBeLessThan(1);
  });

  it('the oracles do not change a run: the same schedule gives the same trace with them or without', () => {
    const schedule = generateSchedule(7);
    const plain = runSchedule(schedule).trace;
    const checked = runSchedule(schedule, { checkLogged: true }).trace;
    expect(checked).toBe(plain);
    expect(runSchedule(schedule, CAMPAIGN_RUN).trace.startsWith(plain.slice(0, -1))).toBe(true);
  });
});

describe('the progress oracle', () => {
  it('passes a cluster that recovers once the faults end, with a fresh request committed everywhere', () => {
    const c = new Cluster({ size: 5, seed: 3 });
    elect(c, 'n1');
    c.partition(['n1', 'n2']);
    c.crash('n3');
    const report = requireProgress(c);
    expect(report.ticks).toBeLessThanOrEqual(report.bounds.ticks);
    const values = c.state('n4').log.map((e) => e.value);
    expect(values.some((v) => v.startsWith('probe='))).toBe(true);
    for (const id of c.servers) expect(c.kv(id).lastApplied).toBe(values.length);
  });

  it('runs on a slow network with one link cut one way for a while: replies come ticks later, and the cut heals', () => {
    const c = new Cluster({ size: 3, seed: 5 });
    elect(c, 'n1');
    const steps: ProgressStep[] = [];
    const report = requireProgress(
      c,
      () => {},
      (s) => steps.push(s),
    );
    expect(steps[0]).toEqual({ kind: 'calm' });
    expect(steps[1]!.kind).toBe('cutLink');
    const heal = steps.findIndex((s) => s.kind === 'heal');
    const ticksBeforeHeal = steps.slice(0, heal).filter((s) => s.kind === 'tick').length;
    expect(ticksBeforeHeal).toBeGreaterThanOrEqual(c.timing.electionTimeoutMin - 1);
    // Not everything in flight is delivered at each tick: some ticks pass with messages still on the way.
    const idle = steps.filter((s, k) => s.kind === 'tick' && steps[k + 1]?.kind === 'tick').length;
    expect(idle).toBeGreaterThan(0);
    expect(report.ticks).toBeLessThanOrEqual(report.bounds.ticks);
    expect(report.bounds.settle).toBe(SETTLE_TICKS);
    // The same cluster and seed take the same steps.
    const again = new Cluster({ size: 3, seed: 5 });
    elect(again, 'n1');
    const twice: ProgressStep[] = [];
    requireProgress(
      again,
      () => {},
      (s) => twice.push(s),
    );
    expect(twice).toEqual(steps);
  });

  it('settles the schedules that once left the fresh request stranded in an older term', () => {
    // These failed the phase before it asked again and before new leaders
    // wrote a no-op: a leader of a later term held the request and, with no
    // entry of its own term, could not commit it (Raft commits an older
    // term's entry only with one of the current term).
    for (const seed of [20, 65, 94, 103]) {
      const run = runSchedule(generateSchedule(seed), CAMPAIGN_RUN);
      expect(run.failure, `seed ${seed}`).toBeNull();
    }
  });

  it('fails a cluster that cannot elect anyone, and says what was missing', () => {
    // Election timeouts shorter than a round trip (a vote takes two ticks at least on the phase's network): no candidate ever wins.
    const c = new Cluster({
      size: 3,
      seed: 1,
      timing: { electionTimeoutMin: 1, electionTimeoutMax: 1, heartbeatInterval: 3, maxDelay: 8 },
    });
    expect(() => requireProgress(c)).toThrow(NoProgress);
    const d = new Cluster({
      size: 3,
      seed: 1,
      timing: { electionTimeoutMin: 1, electionTimeoutMax: 1, heartbeatInterval: 3, maxDelay: 8 },
    });
    expect(() => requireProgress(d)).toThrow(
      /no progress: after \d+ ticks of a slow but fair network \(no faults after tick \d+\): no leader; .*new term\(s\) during the phase; the fresh client request never found a leader to take it/,
    );
  });
});
