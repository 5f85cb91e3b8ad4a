// PreVote and CheckQuorum in the Raft state machine and the simulator: each
// test drives nodes (or a simulated cluster) into the situation a guard is
// for and checks what it does, and what it must never do.
import { describe, expect, it } from 'vitest';
import { RaftNode, type Ready } from '../../src/raft/node.js';
import type { Guards, Message, PreVoteRequest, PreVoteResponse } from '../../src/raft/types.js';
import { Cluster } from '../../src/sim/cluster.js';
import { GuardWatch, StrandedLeader } from '../../src/sim/guard-watch.js';
import { parseSchedule, runSchedule, type Schedule } from '../../src/sim/schedule.js';
import { ATTACK_TIMING, attackAvailability, simulatedAttack } from '../../src/sim/attacks.js';
import { formatProblem, validateTraceText } from '../../src/trace/validate.js';

const SERVERS = ['n1', 'n2', 'n3'];
const BOTH: Guards = { preVote: true, checkQuorum: true };

const boot = (id: string, guards: Guards = BOTH) => RaftNode.boot(id, SERVERS, guards);
const receive = (n: RaftNode, msg: Message): Ready => n.step({ kind: 'receive', msg });
const timeout = (n: RaftNode): Ready => n.step({ kind: 'electionTimeout' });

function preVoteRequest(fields: Partial<PreVoteRequest> = {}): PreVoteRequest {
  return { type: 'PreVoteRequest', source: 'n2', dest: 'n1', term: 1, lastLogTerm: 0, lastLogIndex: 0, ...fields };
}

/** n1 elected leader of term 1 with PreVote: its pre-vote and vote granted by n2. */
function leader(guards: Guards = BOTH): RaftNode {
  const n = boot('n1', guards);
  timeout(n);
  receive(n, { type: 'PreVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
  receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
  expect(n.currentRole).toBe('Leader');
  return n;
}

describe('PreVote in the core', () => {
  it('a timeout asks for pre-votes for the next term, changing neither term nor vote, and persisting nothing', () => {
    const n = boot('n1');
    const r = timeout(n);
    expect(n.currentRole).toBe('PreCandidate');
    expect(n.term).toBe(0);
    expect(r.persist).toBeNull();
    expect(r.messages.map((m) => [m.type, m.dest, m.term])).toEqual([
      ['PreVoteRequest', 'n2', 1],
      ['PreVoteRequest', 'n3', 1],
    ]);
    expect(r.events.map((e) => e.action)).toEqual(['Timeout', 'RequestPreVote', 'RequestPreVote']);
    expect(r.events[0]!.state.leaderSeen).toBe(false);
  });

  it('only a majority of pre-votes starts the real election, in the term asked about, with a fresh countdown', () => {
    const n = boot('n1');
    timeout(n);
    const r = receive(n, { type: 'PreVoteResponse', source: 'n3', dest: 'n1', term: 1, voteGranted: true });
    expect(r.events.map((e) => e.action)).toEqual([
      'HandlePreVoteResponse',
      'StartElection',
      'RequestVote',
      'RequestVote',
    ]);
    expect(n.currentRole).toBe('Candidate');
    expect(n.term).toBe(1);
    expect(r.persist).toEqual({ currentTerm: 1, votedFor: 'n1', log: [] });
    expect(r.resetElectionTimer).toBe(true);
    // The real election's tally starts afresh: a pre-vote is no vote.
    expect(r.events[1]!.state.votesGranted).toEqual(['n1']);
  });

  it('a granted pre-vote raises no term on either side and restarts no countdown', () => {
    const voter = boot('n1');
    const r = receive(voter, preVoteRequest({ term: 1 }));
    expect((r.messages[0] as PreVoteResponse).voteGranted).toBe(true);
    expect(r.messages[0]!.term).toBe(1);
    expect(voter.term).toBe(0);
    expect(r.persist).toBeNull();
    expect(r.resetElectionTimer).toBe(false);
    expect(r.events.map((e) => e.action)).toEqual(['HandlePreVoteRequest']);
    expect(r.events[0]!.timer).toBeUndefined();
  });

  it('a follower that heard from its leader since its timer fired refuses, until its own timeout', () => {
    const f = boot('n1');
    receive(f, {
      type: 'AppendEntriesRequest',
      source: 'n3',
      dest: 'n1',
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      commitIndex: 0,
    });
    const refused = receive(f, preVoteRequest({ term: 2 }));
    expect(refused.messages[0]).toMatchObject({ type: 'PreVoteResponse', voteGranted: false, term: 1 });
    timeout(f);
    const granted = receive(f, preVoteRequest({ term: 2 }));
    expect(granted.messages[0]).toMatchObject({ voteGranted: true, term: 2 });
  });

  it('a leader never grants a pre-vote, whatever the log', () => {
    const l = leader();
    const r = receive(l, preVoteRequest({ source: 'n3', term: 2, lastLogTerm: 9, lastLogIndex: 9 }));
    expect(r.messages[0]).toMatchObject({ type: 'PreVoteResponse', voteGranted: false, term: 1 });
    expect(l.currentRole).toBe('Leader');
  });

  it('a refusal of a newer term makes the pre-candidate adopt it; a yes from an earlier round is dropped', () => {
    const n = boot('n1');
    timeout(n);
    const r = receive(n, { type: 'PreVoteResponse', source: 'n2', dest: 'n1', term: 5, voteGranted: false });
    expect(r.events.map((e) => e.action)).toEqual(['UpdateTerm', 'HandlePreVoteResponse']);
    expect(n.term).toBe(5);
    expect(n.currentRole).toBe('Follower');
    const late = receive(n, { type: 'PreVoteResponse', source: 'n3', dest: 'n1', term: 1, voteGranted: true });
    expect(late.events[0]!.state.votesGranted).toEqual(['n1']);
    expect(n.currentRole).toBe('Follower');
  });

  it('without the option nothing changes: a timeout raises the term at once and traces carry no guard field', () => {
    const n = RaftNode.boot('n1', SERVERS);
    const r = timeout(n);
    expect(n.currentRole).toBe('Candidate');
    expect(n.term).toBe(1);
    expect(r.events[0]!.state).not.toHaveProperty('leaderSeen');
    expect(r.events[0]!.state).not.toHaveProperty('activePeers');
  });
});

describe('CheckQuorum in the core', () => {
  it('a leader no peer answered steps down at its check, keeping its term; one a peer answered stays', () => {
    const quiet = leader();
    const r = timeout(quiet);
    expect(r.events.map((e) => [e.action, e.state.role])).toEqual([['CheckQuorum', 'Follower']]);
    expect(quiet.term).toBe(1);
    const heard = leader();
    receive(heard, { type: 'AppendEntriesResponse', source: 'n3', dest: 'n1', term: 1, success: true, matchIndex: 1 });
    timeout(heard);
    expect(heard.currentRole).toBe('Leader');
    // The next check counts afresh: with no answer since, it steps down.
    expect(timeout(heard).events[0]!.state).toMatchObject({ role: 'Follower', activePeers: [] });
  });

  it('winning restarts the countdown (the first check is a timeout away), and each check is logged as a restart', () => {
    const n = boot('n1');
    timeout(n);
    const won = receive(n, { type: 'PreVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
    const elected = receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
    expect(won.resetElectionTimer && elected.resetElectionTimer).toBe(true);
    expect(elected.events.find((e) => e.action === 'BecomeLeader')!.timer).toBe(true);
    expect(timeout(n).events[0]!.timer).toBe(true);
  });
});

describe('the guards in the simulator', () => {
  const follower = (g: Guards) => {
    const s = simulatedAttack('isolated-follower', 3, 3, g);
    return runSchedule(s, { timing: ATTACK_TIMING });
  };

  it('a follower cut off and healed raises no term and forces no election with PreVote; without, it does', () => {
    const on = follower(BOTH);
    const off = follower({ preVote: false, checkQuorum: false });
    expect(on.failure).toBeNull();
    expect(on.availability.elections).toBe(1);
    expect(off.availability.elections).toBeGreaterThan(1);
    expect(on.availability.highestTerm).toBeLessThan(off.availability.highestTerm);
  });

  it('an isolated leader holds on far shorter with CheckQuorum (summed over seeds, side by side)', () => {
    const on = attackAvailability('isolated-leader', 20, BOTH);
    const off = attackAvailability('isolated-leader', 20, { preVote: false, checkQuorum: false });
    expect(on.strandedLeaderTicks * 2).toBeLessThan(off.strandedLeaderTicks);
  });

  it('the watch on cut-off leaders fires past its limit, and forgets a leader whose links came back', () => {
    const cluster = { cutOffLeaders: () => ['n1'], reconnections: 0 };
    const watch = new GuardWatch(3);
    for (let k = 0; k < 3; k++) watch.afterTick(cluster);
    cluster.reconnections = 1;
    for (let k = 0; k < 3; k++) watch.afterTick(cluster);
    expect(() => watch.afterTick(cluster)).toThrow(StrandedLeader);
  });

  it('a schedule carries its guards: saved, read back and replayed the same; bad guards are named', () => {
    const s: Schedule = { ...simulatedAttack('isolated-leader', 1), guards: BOTH };
    const again = parseSchedule(JSON.stringify(s), 's.json');
    expect(again).toEqual(s);
    expect(runSchedule(again).trace).toBe(runSchedule(s).trace);
    expect(() => parseSchedule(JSON.stringify({ ...s, guards: { preVote: 'yes' } }), 's.json')).toThrow(
      's.json: guards.preVote: must be true or false, got "yes"',
    );
    const header = JSON.parse(runSchedule(s).trace.split('\n')[0]!) as { version: number; params: object };
    expect(header.version).toBe(4);
    expect(header.params).toMatchObject({ preVote: true, checkQuorum: true });
  });

  it('a cluster with the guards on is recorded event for event: nothing unlogged', () => {
    // (The attacks' clock: with the default one a message may take 8 ticks, so a pre-vote
    // and a vote take longer than a timeout, and ticks alone elect no leader.)
    const c = new Cluster({ size: 3, seed: 5, guards: BOTH, checkLogged: true, timing: ATTACK_TIMING });
    for (let t = 0; t < 200; t++) {
      c.tick();
      if (t === 60) c.partition([c.leader() ?? 'n1']);
      if (t === 140) c.heal();
      c.checkLogged();
    }
    expect(c.recorder.events.some((e) => e.action === 'CheckQuorum')).toBe(true);
    expect(c.recorder.events.some((e) => e.action === 'StartElection')).toBe(true);
  });
});

describe('the guards in traces', () => {
  const guarded = () => runSchedule({ ...simulatedAttack('isolated-leader', 2), guards: BOTH }).trace;
  const problem = (text: string) => {
    const r = validateTraceText('t.ndjson', text);
    return r.ok ? 'valid' : formatProblem(r.problems[0]!);
  };

  it('a run with the guards is a valid format 4 trace; the same events under an older or silent header are named', () => {
    const text = guarded();
    expect(problem(text)).toBe('valid');
    const [header, ...events] = text.split('\n');
    const first = events.findIndex((l) => l.includes('"RequestPreVote"')) + 2;
    const v3 = [header!.replace('"version":4', '"version":3'), ...events].join('\n');
    expect(problem(v3)).toBe(
      't.ndjson:2: state.role: PreCandidate is format version 4 (the availability guards), but the header says version 3',
    );
    const silent = [header!.replace('"preVote":true,', ''), ...events].join('\n');
    expect(problem(silent)).toBe(
      "t.ndjson:2: state.role: PreCandidate belongs to preVote, but the header's params do not say preVote: true",
    );
    const noEvent = [header!, ...events.filter((_, k) => k !== first - 2)].join('\n');
    expect(problem(noEvent)).toMatch(/^t\.ndjson:\d+: i: event number/);
  });
});

describe('schedules with their own clock', () => {
  it('an attack schedule carries its clock; a bad clock in a schedule file is named', () => {
    const s = simulatedAttack('flapping-follower', 4);
    expect(s.timing).toEqual(ATTACK_TIMING);
    expect(parseSchedule(JSON.stringify(s), 's.json')).toEqual(s);
    expect(JSON.parse(runSchedule(s).trace.split('\n')[0]!).params).toMatchObject(ATTACK_TIMING);
    const bad = { ...s, timing: { ...ATTACK_TIMING, maxDelay: 0 } };
    expect(() => parseSchedule(JSON.stringify(bad), 's.json')).toThrow(
      's.json: timing.maxDelay: must be a positive integer, got 0',
    );
  });
});
