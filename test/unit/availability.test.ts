// Availability of a real cluster's run, from its clients' commands and its
// merged trace: stretches of a second or more in which clients asked and got
// no answer, elections, and the latency of the answered commands.
import { describe, expect, it } from 'vitest';
import { availabilityOf, describeAvailability, unavailableWindows } from '../../src/nemesis/availability.js';
import type { Attempt } from '../../src/nemesis/workload.js';
import type { TraceEvent } from '../../src/raft/events.js';
import { describeSimAvailability, summarizeAvailability, TickTally } from '../../src/sim/availability.js';
import { Cluster } from '../../src/sim/cluster.js';
import { attackAvailability, simulatedAttack } from '../../src/sim/attacks.js';
import { takeStep } from '../../src/sim/schedule.js';

const answered = (invoke: number, end: number): Attempt => ({ client: 'c1', invoke, end, outcome: 'answered' });

describe('availability', () => {
  it('counts each gap of a second or more between answers, from the start of the load to its end', () => {
    const attempts = [answered(0, 200), answered(300, 500), answered(600, 2100), answered(2200, 2300)];
    // 500 -> 2100 is 1.6 s without an answer; 2300 -> 4000 (the load's end) is 1.7 s.
    expect(unavailableWindows(attempts, 4000)).toEqual([
      { from: 500, to: 2100 },
      { from: 2300, to: 4000 },
    ]);
    expect(unavailableWindows([], 4000)).toEqual([]);
    // Without a single answer, the whole load is one window.
    expect(unavailableWindows([{ client: 'c1', invoke: 0, end: 4000, outcome: 'timed out' }], 3000)).toEqual([
      { from: 0, to: 3000 },
    ]);
  });

  it('sums the windows, counts the elections in the trace and the commands by outcome, with latency percentiles', () => {
    const attempts: Attempt[] = [
      ...Array.from({ length: 100 }, (_, k) => answered(k * 10, k * 10 + 1 + k)),
      { client: 'c2', invoke: 50, end: 4050, outcome: 'timed out' },
      { client: 'c3', invoke: 60, end: 70, outcome: 'refused' },
    ];
    const state = (term: number, role = 'Candidate') => ({ term, role });
    const events = [
      { i: 1, action: 'Timeout', node: 'n1', state: state(1) },
      { i: 2, action: 'BecomeLeader', node: 'n1', state: state(1, 'Leader') },
      { i: 3, action: 'Timeout', node: 'n2', state: state(3) },
      // With PreVote: a round of pre-votes starts no election; the one it wins does.
      { i: 4, action: 'Timeout', node: 'n3', state: state(3, 'PreCandidate') },
      { i: 5, action: 'StartElection', node: 'n3', state: state(4) },
      { i: 6, action: 'CheckQuorum', node: 'n1', state: state(1, 'Follower') },
    ] as unknown as TraceEvent[];
    const a = availabilityOf(attempts, events, 3000);
    expect([a.elections, a.electionsStarted, a.highestTerm]).toEqual([1, 3, 4]);
    expect([a.preVoteRounds, a.quorumStepDowns]).toEqual([1, 1]);
    expect(a.commands).toEqual({ answered: 100, timedOut: 1, refused: 1, p50Ms: 50, p99Ms: 99 });
    expect(a.unavailable).toMatchObject({ count: 1, totalMs: 3000 - 1090, longestMs: 3000 - 1090 });
    expect(describeAvailability(a)).toEqual([
      '1 election(s) won of 3 started (1 pre-vote rounds); highest term 4; 1 leader(s) stepped down for want of a quorum',
      '1 stretch(es) of 1.0 s or more without an answer: 1.9 s in all, the longest 1.9 s',
      'commands: 100 answered (p50 50 ms, p99 99 ms), 1 timed out, 1 refused',
    ]);
  });
});

describe('availability in the simulator', () => {
  it('counts the ticks with no leader able to commit, and the windows they form', () => {
    const t = new TickTally();
    for (const up of [false, false, true, true, false, true, false, false, false]) t.add(up, !up);
    const cluster = { elections: 2, highestTerm: 3, requests: { accepted: 4, refused: 5 } };
    expect(t.availability(cluster)).toEqual({
      ticks: 9,
      unavailableTicks: 6,
      windows: 3,
      longestWindow: 3,
      strandedLeaderTicks: 6,
      elections: 2,
      highestTerm: 3,
      requests: { accepted: 4, refused: 5 },
    });
  });

  it('sums schedules (and summaries of them) into one, keeping the worst window and the highest term', () => {
    const one = (longest: number, term: number) => ({
      ticks: 10,
      unavailableTicks: longest,
      windows: 1,
      longestWindow: longest,
      strandedLeaderTicks: 0,
      elections: 1,
      highestTerm: term,
      requests: { accepted: 1, refused: 0 },
    });
    const a = summarizeAvailability([one(2, 1), one(5, 4)])!;
    expect(a).toMatchObject({
      schedules: 2,
      ticks: 20,
      unavailableTicks: 7,
      windows: 2,
      longestWindow: 5,
      highestTerm: 4,
    });
    expect(summarizeAvailability([a, one(1, 9)])).toMatchObject({
      schedules: 3,
      ticks: 30,
      longestWindow: 5,
      highestTerm: 9,
    });
    expect(summarizeAvailability([])).toBeNull();
    expect(describeSimAvailability(a)).toBe(
      '1.0 elections per schedule (highest term 4); no leader able to commit for 35.0 % of 20 ticks, in 2 windows, the longest 5 ticks; a leader unable to commit held on for 0 ticks; client requests 2 taken by a leader, 0 refused',
    );
  });
});

it('the simulator measures a schedule whose leader is cut off from the majority as unavailable until a new one is elected', () => {
  const cluster = new Cluster({ size: 3, seed: 1 });
  for (let k = 0; k < 60 && !cluster.canCommit(); k++) cluster.tick();
  expect(cluster.canCommit()).toBe(true);
  const leader = cluster.leader()!;
  cluster.partition([leader]);
  expect(cluster.canCommit()).toBe(false);
  for (let k = 0; k < 100 && !cluster.canCommit(); k++) cluster.tick();
  expect(cluster.canCommit()).toBe(true);
  expect(cluster.leader()).not.toBe(leader);
  expect(cluster.elections).toBe(2);
});

describe('the attacks on availability in the simulator', () => {
  it('are fixed schedules: the attack after 40 ticks, healed, then 60 ticks to settle, clients asking throughout', () => {
    const follower = simulatedAttack('isolated-follower', 1);
    const kinds = follower.steps.map((s) => s.kind);
    expect(kinds.filter((k) => k === 'tick')).toHaveLength(200);
    const before = kinds.slice(0, kinds.indexOf('isolateFollower'));
    expect(before.filter((k) => k === 'tick')).toHaveLength(40);
    expect(kinds.filter((k) => k === 'heal')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'client')).toHaveLength(50);
    expect(simulatedAttack('isolated-leader', 1).steps).toContainEqual({ kind: 'isolateLeader' });
    const flapping = simulatedAttack('flapping-follower', 1).steps.map((s) => s.kind);
    expect(flapping.filter((k) => k === 'isolateFollower')).toHaveLength(6);
    expect(flapping.filter((k) => k === 'heal')).toHaveLength(6);
    // The same schedule for every seed but the seed.
    expect(simulatedAttack('isolated-follower', 2).steps).toEqual(follower.steps);
  });

  it('cut off a follower (not the leader), and cost elections, terms and ticks without a leader able to commit', () => {
    const a = attackAvailability('isolated-follower', 20);
    expect(a.schedules).toBe(20);
    expect(a.ticks).toBe(20 * 200);
    // Without PreVote the cut-off follower keeps timing out: terms climb well past the first election's.
    expect(a.highestTerm).toBeGreaterThan(5);
    expect(a.unavailableTicks).toBeGreaterThan(0);
    const cluster = new Cluster({ size: 3, seed: 1 });
    for (let k = 0; k < 100 && !cluster.canCommit(); k++) cluster.tick();
    const leader = cluster.leader()!;
    takeStep(cluster, { kind: 'isolateFollower' });
    // The leader and the other follower still make a majority.
    expect(cluster.canCommit()).toBe(true);
    expect(cluster.leader()).toBe(leader);
  });
});
