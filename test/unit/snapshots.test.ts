// Snapshots in the Raft state machine, driven by hand (the thesis's chapter 5):
// a node compacts its applied prefix, a leader sends its snapshot to a peer
// that needs an entry it covers, and a follower installs, acknowledges or
// refuses one; the events say so in the trace's terms, without the content.
import { describe, expect, it } from 'vitest';
import { KeyValueStore, NO_OP } from '../../src/raft/kv.js';
import { RaftNode, SNAPSHOT_RESEND_PAUSE, tracedMessage, type Ready } from '../../src/raft/node.js';
import type {
  AppendEntriesRequest,
  AppendEntriesResponse,
  Entry,
  InstallSnapshotRequest,
  Message,
} from '../../src/raft/types.js';
import { NO_GUARDS } from '../../src/raft/types.js';

const SERVERS = ['n1', 'n2', 'n3'];
const e = (term: number, value: string): Entry => ({ term, value });

const boot = (id: string) => RaftNode.boot(id, SERVERS, NO_GUARDS, 2, true);
const receive = (n: RaftNode, msg: Message): Ready => n.step({ kind: 'receive', msg });

function ack(matchIndex: number, source = 'n2', term = 1): AppendEntriesResponse {
  return { type: 'AppendEntriesResponse', source, dest: 'n1', term, success: true, matchIndex };
}

/** A leader of term 1 whose no-op and `values` n2 has stored, all committed. */
function leaderWith(values: string[]): RaftNode {
  const n = boot('n1');
  n.step({ kind: 'electionTimeout' });
  receive(n, { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true });
  for (const v of values) n.step({ kind: 'propose', value: v });
  receive(n, ack(values.length + 1));
  expect(n.committedIndex).toBe(values.length + 1);
  return n;
}

function snapshotRequest(fields: Partial<InstallSnapshotRequest> = {}): InstallSnapshotRequest {
  return {
    type: 'InstallSnapshotRequest',
    source: 'n2',
    dest: 'n1',
    term: 1,
    lastIncludedIndex: 3,
    lastIncludedTerm: 1,
    data: '{"a":"1","b":"2"}',
    ...fields,
  };
}

function appendRequest(fields: Partial<AppendEntriesRequest>): AppendEntriesRequest {
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

/** A follower of term 1 (leader n2) holding `entries`. */
function followerWith(entries: Entry[], commitIndex = 0): RaftNode {
  const n = boot('n1');
  receive(n, appendRequest({ entries, commitIndex }));
  expect(n.term).toBe(1);
  return n;
}

describe('taking a snapshot', () => {
  it('keeps the entries after the snapshot, persists the snapshot, and traces TakeSnapshot without a log change', () => {
    const n = leaderWith(['a=1', 'b=2', 'c=3']);
    const ready = n.step({ kind: 'compact', index: 3, data: '{"a":"1","b":"2"}' });
    expect(n.snapshotIndex).toBe(3);
    expect(n.entries).toEqual([e(1, 'c=3')]);
    expect(ready.persist).toEqual({
      currentTerm: 1,
      votedFor: 'n1',
      log: [e(1, 'c=3')],
      snapshot: { index: 3, term: 1, data: '{"a":"1","b":"2"}' },
    });
    expect(ready.events).toHaveLength(1);
    const ev = ready.events[0]!;
    expect(ev).toMatchObject({ action: 'TakeSnapshot', node: 'n1', index: 3 });
    expect(ev.logChange).toBeUndefined();
    // The log's length is still the index of its last entry.
    expect(ev.state).toMatchObject({ logLength: 4, snapshotIndex: 3, snapshotTerm: 1, commitIndex: 4 });
  });

  it('refuses a snapshot beyond what was applied, at or below the current one, or with snapshots off', () => {
    const n = leaderWith(['a=1']);
    expect(() => n.step({ kind: 'compact', index: 3, data: '{}' })).toThrow(/cannot take a snapshot at 3/);
    n.step({ kind: 'compact', index: 2, data: '{}' });
    expect(() => n.step({ kind: 'compact', index: 2, data: '{}' })).toThrow(/beyond the snapshot/);
    const off = RaftNode.boot('n1', SERVERS);
    expect(() => off.step({ kind: 'compact', index: 1, data: '{}' })).toThrow(/snapshots off/);
  });

  it('a run with snapshots off traces no snapshot field', () => {
    expect(RaftNode.boot('n1', SERVERS).traced).not.toHaveProperty('snapshotIndex');
    expect(boot('n1').traced).toMatchObject({ snapshotIndex: 0, snapshotTerm: 0 });
  });
});

describe('sending a snapshot', () => {
  it('sends the snapshot, content and all, to a peer whose next entry it covers; the event carries no content', () => {
    const n = leaderWith(['a=1', 'b=2']);
    n.step({ kind: 'compact', index: 3, data: '{"a":"1","b":"2"}' });
    // n3 never answered: its nextIndex is still 2, inside the snapshot.
    const ready = n.step({ kind: 'heartbeatDue' });
    const toN3 = ready.messages.find((m) => m.dest === 'n3')!;
    expect(toN3).toEqual({
      type: 'InstallSnapshotRequest',
      source: 'n1',
      dest: 'n3',
      term: 1,
      lastIncludedIndex: 3,
      lastIncludedTerm: 1,
      data: '{"a":"1","b":"2"}',
    });
    const ev = ready.events.find((x) => x.action === 'SendSnapshot')!;
    expect(ev.peer).toBe('n3');
    expect(ev.send).not.toHaveProperty('data');
    // n2 holds everything: it gets an AppendEntries after the snapshot.
    const toN2 = ready.messages.find((m) => m.dest === 'n2') as AppendEntriesRequest;
    expect(toN2).toMatchObject({ type: 'AppendEntriesRequest', prevLogIndex: 3, prevLogTerm: 1, entries: [] });
  });

  it('the snapshot answer moves the peer past the snapshot, and replication goes on from there', () => {
    const n = leaderWith(['a=1', 'b=2']);
    n.step({ kind: 'compact', index: 3, data: '{}' });
    n.step({ kind: 'propose', value: 'c=3' });
    receive(n, ack(3, 'n3'));
    const ready = n.step({ kind: 'heartbeatDue' });
    const toN3 = ready.messages.find((m) => m.dest === 'n3') as AppendEntriesRequest;
    expect(toN3).toMatchObject({ prevLogIndex: 3, prevLogTerm: 1, entries: [e(1, 'c=3')] });
  });

  it('a peer sent the snapshot is passed over until it answers or SNAPSHOT_RESEND_PAUSE sends went by; its event and its wire twin stay paired', () => {
    const n = leaderWith(['a=1', 'b=2']);
    n.step({ kind: 'compact', index: 3, data: '{}' });
    const toN3 = (r: Ready) => r.messages.filter((m) => m.dest === 'n3');
    const first = n.step({ kind: 'heartbeatDue' });
    expect(toN3(first).map((m) => m.type)).toEqual(['InstallSnapshotRequest']);
    // The event's message is the traced twin of the one on the wire, the same object every time it is asked for.
    expect(first.events.find((x) => x.action === 'SendSnapshot')!.send).toBe(tracedMessage(toN3(first)[0]!));
    const sends: number[] = [];
    for (let k = 1; k <= 2 * (SNAPSHOT_RESEND_PAUSE + 1); k++)
      if (toN3(n.step({ kind: 'heartbeatDue' })).length) sends.push(k);
    expect(sends).toEqual([SNAPSHOT_RESEND_PAUSE + 1, 2 * (SNAPSHOT_RESEND_PAUSE + 1)]);
    // An answer (even a refusal) ends the pause: the next heartbeat sends again.
    receive(n, { type: 'AppendEntriesResponse', source: 'n3', dest: 'n1', term: 1, success: false, matchIndex: 0 });
    expect(toN3(n.step({ kind: 'heartbeatDue' })).map((m) => m.type)).toEqual(['InstallSnapshotRequest']);
  });
});

describe('installing a snapshot (Figure 5.3)', () => {
  it('a stale term is refused, and nothing changes', () => {
    const n = followerWith([]);
    receive(n, appendRequest({ term: 2 }));
    const ready = receive(n, snapshotRequest({ term: 1 }));
    expect(ready.messages).toEqual([
      { type: 'AppendEntriesResponse', source: 'n1', dest: 'n2', term: 2, success: false, matchIndex: 0 },
    ]);
    expect(n.snapshotIndex).toBe(0);
    expect(ready.installed).toBeNull();
    expect(ready.resetElectionTimer).toBe(false);
  });

  it('a snapshot at or below the commitIndex is acknowledged and not installed', () => {
    const n = followerWith([e(1, NO_OP), e(1, 'a=1'), e(1, 'b=2')], 3);
    const ready = receive(n, snapshotRequest({ lastIncludedIndex: 2 }));
    expect(ready.messages).toEqual([
      { type: 'AppendEntriesResponse', source: 'n1', dest: 'n2', term: 1, success: true, matchIndex: 2 },
    ]);
    expect(n.snapshotIndex).toBe(0);
    expect(n.entries).toHaveLength(3);
    expect(ready.installed).toBeNull();
    expect(ready.resetElectionTimer).toBe(true);
  });

  it('a log that holds the snapshot last entry keeps what follows it', () => {
    const n = followerWith([e(1, NO_OP), e(1, 'a=1'), e(1, 'b=2'), e(1, 'c=3')]);
    const ready = receive(n, snapshotRequest());
    expect(n.snapshotIndex).toBe(3);
    expect(n.entries).toEqual([e(1, 'c=3')]);
    expect(n.committedIndex).toBe(3);
    expect(ready.installed).toEqual({ index: 3, term: 1, data: '{"a":"1","b":"2"}' });
    // Nothing was applied: the state machine takes the snapshot instead.
    expect(ready.committed).toEqual([]);
    const ev = ready.events[0]!;
    expect(ev).toMatchObject({ action: 'HandleInstallSnapshotRequest', peer: 'n2', timer: true });
    expect(ev.msg).not.toHaveProperty('data');
    expect(ev.logChange).toBeUndefined();
    expect(ev.state).toMatchObject({ logLength: 4, snapshotIndex: 3, snapshotTerm: 1, commitIndex: 3 });
  });

  it('a shorter or conflicting log is discarded, the change keeping up to the snapshot index', () => {
    const short = followerWith([e(1, NO_OP)]);
    const ready = receive(short, snapshotRequest({ lastIncludedIndex: 5 }));
    expect(short.entries).toEqual([]);
    expect(ready.events[0]!.logChange).toEqual({ keep: 5, append: [] });
    expect(ready.events[0]!.state).toMatchObject({ logLength: 5, snapshotIndex: 5, commitIndex: 5 });
    const conflicting = followerWith([e(1, NO_OP), e(1, 'a=1'), e(1, 'x=9'), e(1, 'y=9')]);
    const again = receive(conflicting, snapshotRequest({ lastIncludedTerm: 2, term: 2 }));
    expect(conflicting.entries).toEqual([]);
    expect(again.events.map((x) => x.action)).toEqual(['UpdateTerm', 'HandleInstallSnapshotRequest']);
    expect(again.events[1]!.logChange).toEqual({ keep: 3, append: [] });
  });

  it('an AppendEntries whose entries start inside the snapshot stores only those after it', () => {
    const n = followerWith([]);
    receive(n, snapshotRequest());
    const ready = receive(
      n,
      appendRequest({ prevLogIndex: 1, prevLogTerm: 1, entries: [e(1, 'a=1'), e(1, 'b=2'), e(1, 'c=3')] }),
    );
    expect(n.entries).toEqual([e(1, 'c=3')]);
    expect(ready.messages[0]).toMatchObject({ success: true, matchIndex: 4 });
    expect(ready.events[0]!.logChange).toEqual({ keep: 3, append: [e(1, 'c=3')] });
  });
});

describe('restart', () => {
  it('recovers the snapshot and the log after it; the commitIndex restarts at the snapshot', () => {
    const n = leaderWith(['a=1', 'b=2']);
    const persisted = n.step({ kind: 'compact', index: 2, data: '{"a":"1"}' }).persist!;
    const { node, ready } = RaftNode.recover('n1', SERVERS, persisted, NO_GUARDS, 2, true);
    expect(node.snapshotIndex).toBe(2);
    expect(node.entries).toEqual([e(1, 'b=2')]);
    expect(ready.events[0]!.state).toMatchObject({ commitIndex: 2, logLength: 3, snapshotIndex: 2, snapshotTerm: 1 });
    expect(KeyValueStore.restore(persisted.snapshot!).get('a')).toBe('1');
    expect(() => RaftNode.recover('n1', SERVERS, persisted)).toThrow(/snapshots off/);
  });
});

describe('the key-value store as a snapshot', () => {
  it('saves its keys in order and restores them at the snapshot index', () => {
    const kv = new KeyValueStore();
    kv.apply(1, e(1, 'b=2'));
    kv.apply(2, e(1, 'a=1'));
    expect(kv.save()).toBe('{"a":"1","b":"2"}');
    const back = KeyValueStore.restore({ index: 2, term: 1, data: kv.save() });
    expect(back.lastApplied).toBe(2);
    expect(back.get('b')).toBe('2');
    expect(() => back.apply(2, e(1, 'c=3'))).toThrow(/out of order/);
    expect(() => KeyValueStore.restore({ index: 1, term: 1, data: '[1]' })).toThrow(/no key-value map/);
  });
});
