// The Raft state machine alone, driven by hand: each test feeds one node the
// inputs of a situation and checks its outputs against the protocol's rules.
import { describe, expect, it } from 'vitest';
import { NO_OP } from '../../src/raft/kv.js';
import { RaftNode, type Ready } from '../../src/raft/node.js';
import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  DurableState,
  Entry,
  Message,
  RequestVoteRequest,
  RequestVoteResponse,
} from '../../src/raft/types.js';

const SERVERS = ['n1', 'n2', 'n3'];

function node(id: string, durable?: DurableState): RaftNode {
  return durable ? RaftNode.recover(id, SERVERS, durable).node : RaftNode.boot(id, SERVERS);
}

function receive(n: RaftNode, msg: Message): Ready {
  return n.step({ kind: 'receive', msg });
}

function voteRequest(fields: Partial<RequestVoteRequest> = {}): RequestVoteRequest {
  return { type: 'RequestVoteRequest', source: 'n2', dest: 'n1', term: 1, lastLogTerm: 0, lastLogIndex: 0, ...fields };
}

function appendRequest(fields: Partial<AppendEntriesRequest> = {}): AppendEntriesRequest {
  return {
    type: 'AppendEntriesRequest',
    source: 'n2',
    dest: 'n1',
    term: 1,
    prevLogIndex: 0,
    prevLogTerm: 0,
    entries: [],
    commitIndex: 0,
    ...fields,
  };
}

function onlyReply<T extends Message>(ready: Ready): T {
  expect(ready.messages).toHaveLength(1);
  return ready.messages[0] as T;
}

const e = (term: number, value: string): Entry => ({ term, value });

/** A leader of term 1 in a 3-server cluster, with its sent messages discarded. */
function electedLeader(): RaftNode {
  const n = node('n1');
  n.step({ kind: 'electionTimeout' });
  receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
  expect(n.currentRole).toBe('Leader');
  return n;
}

describe('elections', () => {
  it('a timeout starts an election: new term, vote for self, RequestVote to every peer, persisted', () => {
    const n = node('n1');
    const ready = n.step({ kind: 'electionTimeout' });
    expect(n.state).toMatchObject({ term: 1, role: 'Candidate', votedFor: 'n1', votesGranted: ['n1'] });
    expect(ready.persist).toEqual({ currentTerm: 1, votedFor: 'n1', log: [] });
    expect(ready.messages.map((m) => [m.type, m.dest, m.term])).toEqual([
      ['RequestVoteRequest', 'n2', 1],
      ['RequestVoteRequest', 'n3', 1],
    ]);
    expect(ready.events.map((ev) => ev.action)).toEqual(['Timeout', 'RequestVote', 'RequestVote']);
  });

  it('grants one vote per term, and persists it before replying', () => {
    const n = node('n1');
    const first = receive(n, voteRequest({ source: 'n2' }));
    expect(onlyReply<RequestVoteResponse>(first).voteGranted).toBe(true);
    expect(first.persist?.votedFor).toBe('n2');
    const second = receive(n, voteRequest({ source: 'n3' }));
    expect(onlyReply<RequestVoteResponse>(second).voteGranted).toBe(false);
    expect(n.state.votedFor).toBe('n2');
    // The same candidate asking again (a retransmission) gets the same answer.
    expect(onlyReply<RequestVoteResponse>(receive(n, voteRequest({ source: 'n2' }))).voteGranted).toBe(true);
  });

  it('refuses a candidate whose last log term is older, even with a longer log', () => {
    const n = node('n1', { currentTerm: 3, votedFor: null, log: [e(1, 'a=1'), e(3, 'b=1')] });
    const reply = receive(n, voteRequest({ term: 4, lastLogTerm: 2, lastLogIndex: 5 }));
    expect(onlyReply<RequestVoteResponse>(reply).voteGranted).toBe(false);
    expect(n.state).toMatchObject({ term: 4, votedFor: null });
  });

  it('refuses a candidate with the same last term but a shorter log', () => {
    const n = node('n1', { currentTerm: 2, votedFor: null, log: [e(2, 'a=1'), e(2, 'b=1')] });
    expect(
      onlyReply<RequestVoteResponse>(receive(n, voteRequest({ term: 3, lastLogTerm: 2, lastLogIndex: 1 }))).voteGranted,
    ).toBe(false);
    expect(
      onlyReply<RequestVoteResponse>(
        receive(n, voteRequest({ term: 3, lastLogTerm: 2, lastLogIndex: 2, source: 'n3' })),
      ).voteGranted,
    ).toBe(true);
  });

  it('grants a candidate with a later last term even if its log is shorter', () => {
    const n = node('n1', { currentTerm: 2, votedFor: null, log: [e(1, 'a=1'), e(1, 'b=1'), e(1, 'c=1')] });
    expect(
      onlyReply<RequestVoteResponse>(receive(n, voteRequest({ term: 3, lastLogTerm: 2, lastLogIndex: 1 }))).voteGranted,
    ).toBe(true);
  });

  it('refuses a vote request of a stale term and tells the candidate the current term', () => {
    const n = node('n1', { currentTerm: 5, votedFor: null, log: [] });
    const reply = onlyReply<RequestVoteResponse>(receive(n, voteRequest({ term: 4 })));
    expect(reply).toMatchObject({ term: 5, voteGranted: false });
    expect(n.state.votedFor).toBeNull();
  });

  it('steps down on any message of a higher term, emitting UpdateTerm before handling it', () => {
    const n = electedLeader();
    const ready = receive(n, {
      type: 'AppendEntriesResponse',
      source: 'n3',
      dest: 'n1',
      term: 7,
      success: false,
      matchIndex: 0,
    });
    expect(n.state).toMatchObject({ term: 7, role: 'Follower', votedFor: null });
    expect(ready.persist).toMatchObject({ currentTerm: 7, votedFor: null });
    expect(ready.events.map((ev) => ev.action)).toEqual(['UpdateTerm', 'HandleAppendEntriesResponse']);
  });

  it('becomes leader on a majority, appends a no-op entry of its term and at once sends it to every peer', () => {
    const n = node('n1');
    n.step({ kind: 'electionTimeout' });
    const refused = receive(n, { type: 'RequestVoteResponse', source: 'n3', dest: 'n1', term: 1, voteGranted: false });
    expect(n.currentRole).toBe('Candidate');
    expect(refused.events.map((ev) => ev.action)).toEqual(['HandleRequestVoteResponse']);
    const won = receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
    expect(n.currentRole).toBe('Leader');
    expect(won.events.map((ev) => ev.action)).toEqual([
      'HandleRequestVoteResponse',
      'BecomeLeader',
      'ClientRequest',
      'AppendEntries',
      'AppendEntries',
    ]);
    expect(won.events[2]).toMatchObject({ value: NO_OP, logChange: { keep: 0, append: [{ term: 1, value: NO_OP }] } });
    expect(won.messages.map((m) => m.type === 'AppendEntriesRequest' && m.entries)).toEqual([
      [{ term: 1, value: NO_OP }],
      [{ term: 1, value: NO_OP }],
    ]);
    expect(n.state.nextIndex).toEqual({ n2: 1, n3: 1 });
    expect(n.state.matchIndex).toEqual({ n2: 0, n3: 0 });
  });

  it('a lone server is its own quorum: its timeout elects it, and it commits its no-op and a proposal at once', () => {
    const n = RaftNode.boot('n1', ['n1']);
    const r = n.step({ kind: 'electionTimeout' });
    expect(r.events.map((e) => e.action)).toEqual(['Timeout', 'BecomeLeader', 'ClientRequest', 'AdvanceCommitIndex']);
    expect(r.messages).toEqual([]);
    expect(r.committed.map((c) => c.entry.value)).toEqual([NO_OP]);
    const p = n.step({ kind: 'propose', value: 'k=v' });
    expect(p.events.map((e) => e.action)).toEqual(['ClientRequest', 'AdvanceCommitIndex']);
    expect(p.committed.map((c) => c.index)).toEqual([2]);
    // With peers, one's own vote is no majority: nothing changes for clusters of two or more.
    const m = RaftNode.boot('n1', ['n1', 'n2']);
    expect(m.step({ kind: 'electionTimeout' }).events.map((e) => e.action)).toEqual(['Timeout', 'RequestVote']);
  });

  it('drops a response of an older term without counting it', () => {
    const n = node('n1', { currentTerm: 3, votedFor: null, log: [] });
    n.step({ kind: 'electionTimeout' });
    const ready = receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 3, voteGranted: true });
    expect(ready.events.map((ev) => ev.action)).toEqual(['DropStaleResponse']);
    expect(n.state.votesGranted).toEqual(['n1']);
  });

  it('a candidate re-sends RequestVote on a heartbeat only to peers that have not answered', () => {
    const n = node('n1');
    n.step({ kind: 'electionTimeout' });
    receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: false });
    const ready = n.step({ kind: 'heartbeatDue' });
    expect(ready.messages.map((m) => m.dest)).toEqual(['n3']);
  });
});

describe('log replication', () => {
  it('rejects an AppendEntries whose previous entry does not match', () => {
    const n = node('n1', { currentTerm: 2, votedFor: null, log: [e(1, 'a=1')] });
    const reply = onlyReply<AppendEntriesResponse>(
      receive(n, appendRequest({ term: 2, prevLogIndex: 1, prevLogTerm: 2, entries: [e(2, 'b=1')] })),
    );
    expect(reply).toMatchObject({ success: false, term: 2 });
    expect(n.state.log).toEqual([e(1, 'a=1')]);
  });

  it('rejects an AppendEntries of a stale term without touching the log', () => {
    const n = node('n1', { currentTerm: 3, votedFor: null, log: [e(1, 'a=1')] });
    const reply = onlyReply<AppendEntriesResponse>(receive(n, appendRequest({ term: 2, entries: [e(2, 'x=1')] })));
    expect(reply).toMatchObject({ success: false, term: 3 });
    expect(n.state.log).toEqual([e(1, 'a=1')]);
  });

  it('deletes a conflicting suffix and appends the leader entries', () => {
    const n = node('n1', { currentTerm: 2, votedFor: null, log: [e(1, 'a=1'), e(1, 'b=1'), e(1, 'c=1')] });
    const ready = receive(n, appendRequest({ term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [e(3, 'x=1')] }));
    expect(n.state.log).toEqual([e(1, 'a=1'), e(3, 'x=1')]);
    expect(onlyReply<AppendEntriesResponse>(ready)).toMatchObject({ success: true, matchIndex: 2 });
    expect(ready.persist?.log).toEqual([e(1, 'a=1'), e(3, 'x=1')]);
  });

  it('reports each log change with the event that made it, never the whole log', () => {
    const n = node('n1', { currentTerm: 2, votedFor: null, log: [e(1, 'a=1'), e(1, 'b=1'), e(1, 'c=1')] });
    // A conflict at index 2: the event keeps one entry and appends the leader's.
    const merged = receive(
      n,
      appendRequest({ term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [e(3, 'x=1'), e(3, 'y=1')] }),
    );
    const handled = merged.events.find((ev) => ev.action === 'HandleAppendEntriesRequest')!;
    expect(handled.logChange).toEqual({ keep: 1, append: [e(3, 'x=1'), e(3, 'y=1')] });
    expect(handled.state.logLength).toBe(3);
    expect(handled.state).not.toHaveProperty('log');
    expect(merged.events.find((ev) => ev.action === 'UpdateTerm')!.logChange).toBeUndefined();
    expect(merged.logChanged).toBe(true);
    // The same request again agrees with the log: no change, nothing to persist anew.
    const again = receive(
      n,
      appendRequest({ term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [e(3, 'x=1'), e(3, 'y=1')] }),
    );
    expect(again.events.every((ev) => ev.logChange === undefined)).toBe(true);
    expect(again.logChanged).toBe(false);
    // A leader's proposal appends one entry after all it holds (its no-op first).
    const leader = node('n2');
    leader.step({ kind: 'electionTimeout' });
    receive(leader, { type: 'RequestVoteResponse', source: 'n1', dest: 'n2', term: 1, voteGranted: true });
    const proposed = leader.step({ kind: 'propose', value: 'k=1' });
    expect(proposed.events.find((ev) => ev.action === 'ClientRequest')!.logChange).toEqual({
      keep: 1,
      append: [e(1, 'k=1')],
    });
    expect(proposed.events.filter((ev) => ev.logChange).length).toBe(1);
  });

  it('never truncates on a stale or duplicated request whose entries agree', () => {
    const log = [e(1, 'a=1'), e(1, 'b=1'), e(1, 'c=1')];
    const n = node('n1', { currentTerm: 1, votedFor: null, log });
    const ready = receive(n, appendRequest({ term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [e(1, 'a=1')] }));
    expect(n.state.log).toEqual(log);
    expect(ready.persist).toBeNull();
    expect(onlyReply<AppendEntriesResponse>(ready)).toMatchObject({ success: true, matchIndex: 1 });
  });

  it('a follower commits min(leaderCommit, index of the last new entry) and applies in order', () => {
    const n = node('n1');
    const ready = receive(n, appendRequest({ entries: [e(1, 'a=1'), e(1, 'b=2')], commitIndex: 5 }));
    expect(n.state.commitIndex).toBe(2);
    expect(ready.committed.map((c) => c.index)).toEqual([1, 2]);
    // A later request that carries only a prefix does not commit past what it carried.
    const m = node('n3');
    receive(m, appendRequest({ dest: 'n3', entries: [e(1, 'a=1'), e(1, 'b=2'), e(1, 'c=3')] }));
    receive(m, appendRequest({ dest: 'n3', entries: [e(1, 'a=1')], commitIndex: 3 }));
    expect(m.state.commitIndex).toBe(1);
  });

  it('a follower never lowers its commitIndex on a delayed request', () => {
    const n = node('n1');
    receive(n, appendRequest({ entries: [e(1, 'a=1'), e(1, 'b=2')], commitIndex: 2 }));
    receive(n, appendRequest({ entries: [e(1, 'a=1')], commitIndex: 1 }));
    expect(n.state.commitIndex).toBe(2);
  });

  it('a candidate that hears from the leader of its term steps back to follower', () => {
    const n = node('n1');
    n.step({ kind: 'electionTimeout' });
    const ready = receive(n, appendRequest({ term: 1 }));
    expect(n.state.role).toBe('Follower');
    expect(ready.resetElectionTimer).toBe(true);
  });

  it('the leader backs nextIndex off by one on a rejection, and tracks matchIndex on success', () => {
    const n = electedLeader();
    n.step({ kind: 'propose', value: 'a=1' });
    n.step({ kind: 'propose', value: 'b=1' });
    const reject = {
      type: 'AppendEntriesResponse',
      source: 'n2',
      dest: 'n1',
      term: 1,
      success: false,
      matchIndex: 0,
    } as const;
    receive(n, reject);
    expect(n.state.nextIndex.n2).toBe(1);
    receive(n, reject);
    expect(n.state.nextIndex.n2).toBe(1);
    receive(n, { ...reject, success: true, matchIndex: 2 });
    expect(n.state).toMatchObject({ nextIndex: { n2: 3 }, matchIndex: { n2: 2 } });
  });

  it('carries at most maxEntriesPerMessage entries per AppendEntries, as the node was booted with', () => {
    const sent = (bound: number | undefined) => {
      const n = RaftNode.boot('n1', SERVERS, undefined, bound);
      n.step({ kind: 'electionTimeout' });
      receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
      for (const v of ['a=1', 'b=1', 'c=1', 'd=1']) n.step({ kind: 'propose', value: v });
      // n2 refused everything: its nextIndex backs off to 1, and the heartbeat carries the log from there.
      receive(n, { type: 'AppendEntriesResponse', source: 'n2', dest: 'n1', term: 1, success: false, matchIndex: 0 });
      const beat = n.step({ kind: 'heartbeatDue' }).messages.find((m) => m.dest === 'n2') as AppendEntriesRequest;
      return beat.entries.length;
    };
    expect(sent(undefined)).toBe(2); // MAX_ENTRIES_PER_MESSAGE
    expect(sent(3)).toBe(3);
    expect(sent(100)).toBe(5); // the no-op and four values: all of the log
    expect(() => RaftNode.boot('n1', SERVERS, undefined, 0)).toThrow(/positive integer, got 0/);
    expect(() => RaftNode.recover('n1', SERVERS, null, undefined, 1.5)).toThrow(/positive integer, got 1.5/);
  });

  it('the leader commits a current-term entry once a majority stores it', () => {
    const n = electedLeader();
    n.step({ kind: 'propose', value: 'a=1' });
    const ready = receive(n, {
      type: 'AppendEntriesResponse',
      source: 'n3',
      dest: 'n1',
      term: 1,
      success: true,
      matchIndex: 2,
    });
    expect(n.state.commitIndex).toBe(2);
    expect(ready.events.map((ev) => ev.action)).toEqual(['HandleAppendEntriesResponse', 'AdvanceCommitIndex']);
    expect(ready.committed).toEqual([
      { index: 1, entry: e(1, NO_OP) },
      { index: 2, entry: e(1, 'a=1') },
    ]);
  });

  it('the leader does not commit an entry of an earlier term by counting replicas (Figure 8)', () => {
    // n1 holds an entry of term 2 and becomes leader of term 4.
    const n = node('n1', { currentTerm: 3, votedFor: null, log: [e(2, 'old=1')] });
    n.step({ kind: 'electionTimeout' });
    receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 4, voteGranted: true });
    expect(n.state).toMatchObject({ role: 'Leader', term: 4 });
    receive(n, { type: 'AppendEntriesResponse', source: 'n2', dest: 'n1', term: 4, success: true, matchIndex: 1 });
    expect(n.state.commitIndex).toBe(0);
    // Once an entry of term 4 (its no-op, at index 2) is on a majority, the older one commits with it.
    n.step({ kind: 'propose', value: 'new=1' });
    receive(n, { type: 'AppendEntriesResponse', source: 'n2', dest: 'n1', term: 4, success: true, matchIndex: 2 });
    expect(n.state.commitIndex).toBe(2);
    expect(n.state.log.map((x) => x.value)).toEqual(['old=1', NO_OP, 'new=1']);
  });

  it('only a leader accepts client requests', () => {
    const n = node('n1');
    const ready = n.step({ kind: 'propose', value: 'a=1' });
    expect(ready.accepted).toBe(false);
    expect(ready.events).toHaveLength(0);
    expect(n.state.log).toHaveLength(0);
  });
});

describe('restart', () => {
  it('keeps exactly the durable state and loses the rest', () => {
    const n = electedLeader();
    n.step({ kind: 'propose', value: 'a=1' });
    const ready = receive(n, {
      type: 'AppendEntriesResponse',
      source: 'n2',
      dest: 'n1',
      term: 1,
      success: true,
      matchIndex: 2,
    });
    expect(n.state.commitIndex).toBe(2);
    const durable: DurableState = { currentTerm: n.term, votedFor: 'n1', log: n.entries.slice() };
    expect(ready.persist ?? durable).toEqual(durable);
    const { node: again, ready: restartReady } = RaftNode.recover('n1', SERVERS, durable);
    expect(again.state).toEqual({
      term: 1,
      role: 'Follower',
      votedFor: 'n1',
      log: [e(1, NO_OP), e(1, 'a=1')],
      commitIndex: 0,
      votesResponded: [],
      votesGranted: [],
      nextIndex: { n2: 3, n3: 3 },
      matchIndex: { n2: 0, n3: 0 },
    });
    expect(restartReady.events.map((ev) => ev.action)).toEqual(['Restart']);
    // It remembers its vote: no second vote in term 1.
    expect(
      onlyReply<RequestVoteResponse>(
        receive(again, voteRequest({ source: 'n3', dest: 'n1', term: 1, lastLogTerm: 1, lastLogIndex: 2 })),
      ).voteGranted,
    ).toBe(false);
  });
});
