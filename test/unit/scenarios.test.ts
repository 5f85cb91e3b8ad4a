// The classic situations, staged step by step on the simulated cluster. Each
// asserts the outcome Raft promises, and that the trace it left is valid.
import { afterEach, describe, expect, it } from 'vitest';
import { NO_OP } from '../../src/raft/kv.js';
import { Cluster } from '../../src/sim/cluster.js';
import type { Message, ServerId } from '../../src/raft/types.js';
import { keepTraceIfAsked } from '../../src/trace/record-env.js';
import { validateTraceText } from '../../src/trace/validate.js';

let current: { name: string; cluster: Cluster } | null = null;

function cluster(name: string, size: number, seed = 1): Cluster {
  const c = new Cluster({ size, seed });
  current = { name, cluster: c };
  return c;
}

afterEach(() => {
  if (!current) return;
  const trace = current.cluster.recorder.toNdjson();
  keepTraceIfAsked(`scenario-${current.name}`, trace);
  const result = validateTraceText(current.name, trace);
  expect(result.ok, JSON.stringify(!result.ok && result.problems)).toBe(true);
  current = null;
});

function elect(c: Cluster, id: ServerId): void {
  c.timeout(id);
  c.settle();
  expect(c.leader()).toBe(id);
}

const to = (id: ServerId) => (m: Message) => m.dest === id;
const values = (c: Cluster, id: ServerId) => c.state(id).log.map((e) => e.value);
/** The clients' commands among entries, without the no-op each new leader appends first. */
const commands = (entries: ReadonlyArray<{ value: string }>) => entries.map((e) => e.value).filter((v) => v !== NO_OP);

describe('scenarios', () => {
  it('leader crashes during replication: the entry on a majority survives, the lagging server cannot win', () => {
    const c = cluster('leader-crash', 3);
    elect(c, 'n1');
    const value = c.clientRequest('x')!;
    expect(value).not.toBeNull();
    // The entry reaches n2 only; n1 crashes before hearing back.
    c.dropWhere(to('n3'));
    expect(c.deliverWhere(to('n2'))).toBe(true);
    c.crash('n1');
    c.settle();
    expect(values(c, 'n2')).toEqual([NO_OP, value]);
    expect(values(c, 'n3')).toEqual([NO_OP]);

    // n3's log is behind n2's, so n2 refuses it and n3 cannot become leader.
    c.timeout('n3');
    c.settle();
    expect(c.leader()).toBeNull();
    expect(c.state('n3').role).toBe('Candidate');

    elect(c, 'n2');
    const second = c.clientRequest('y')!;
    c.settle();
    c.heartbeat('n2');
    c.settle();
    expect(commands(c.committedEntries())).toEqual([value, second]);
    c.restart('n1');
    c.heartbeat('n2');
    c.settle();
    c.heartbeat('n2');
    c.settle();
    for (const id of ['n1', 'n2', 'n3']) {
      expect(values(c, id)).toEqual([NO_OP, value, NO_OP, second]);
      expect(c.kv(id).snapshot()).toEqual({ x: value.split('=')[1], y: second.split('=')[1] });
    }
  });

  it('split vote: no leader in a term where every server voted for itself, a leader in the next', () => {
    const c = cluster('split-vote', 3);
    c.timeout('n1');
    c.timeout('n2');
    c.timeout('n3');
    c.settle();
    expect(c.leader()).toBeNull();
    for (const id of ['n1', 'n2', 'n3']) {
      expect(c.state(id)).toMatchObject({ term: 1, role: 'Candidate', votedFor: id, votesGranted: [id] });
      expect(c.state(id).votesResponded).toEqual(['n1', 'n2', 'n3']);
    }
    elect(c, 'n2');
    expect(c.state('n2').term).toBe(2);
    for (const id of ['n1', 'n3']) expect(c.state(id)).toMatchObject({ term: 2, role: 'Follower', votedFor: 'n2' });
  });

  it('a partitioned old leader rejoins: it steps down and its uncommitted entry is replaced', () => {
    const c = cluster('old-leader-rejoins', 5);
    elect(c, 'n1');
    const committed = c.clientRequest('a')!;
    c.settle();
    c.heartbeat('n1');
    c.settle();
    expect(commands(c.committedEntries())).toEqual([committed]);

    c.partition(['n1', 'n2']);
    const lost = c.clientRequestTo('n1', 'b')!;
    expect(lost).not.toBeNull();
    c.settle(); // n2 stores it, but n1 and n2 are no majority of five
    expect(c.state('n1').commitIndex).toBe(2);

    elect(c, 'n3');
    const kept = c.clientRequestTo('n3', 'c')!;
    c.settle();
    c.heartbeat('n3');
    c.settle();
    expect(c.state('n3').commitIndex).toBe(4); // its no-op of term 2 took index 3, where n1 holds the lost entry
    expect(c.state('n1')).toMatchObject({ role: 'Leader', term: 1 }); // still believes it leads

    c.heal();
    c.heartbeat('n1'); // its term-1 heartbeats meet term-2 servers
    c.settle();
    expect(c.state('n1')).toMatchObject({ role: 'Follower', term: 2 });
    for (let round = 0; round < 3; round++) {
      c.heartbeat('n3');
      c.settle();
    }
    for (const id of ['n1', 'n2', 'n3', 'n4', 'n5']) {
      expect(values(c, id)).toEqual([NO_OP, committed, NO_OP, kept]);
      expect(values(c, id)).not.toContain(lost);
    }
    expect(c.kv('n1').get('b')).toBeUndefined();
  });

  it('a follower with a conflicting suffix has it deleted and replaced by the leader entries', () => {
    const c = cluster('conflicting-suffix', 3);
    elect(c, 'n1');
    const first = c.clientRequest('a')!;
    c.settle();
    // n1 appends two entries nobody else receives, then crashes.
    const x = c.clientRequest('x')!;
    const y = c.clientRequest('y')!;
    c.dropWhere(() => true);
    c.crash('n1');

    elect(c, 'n2');
    const z = c.clientRequest('z')!;
    c.settle();
    c.heartbeat('n2');
    c.settle();
    expect(c.state('n2').commitIndex).toBe(4);

    c.restart('n1');
    expect(values(c, 'n1')).toEqual([NO_OP, first, x, y]);
    for (let round = 0; round < 4; round++) {
      c.heartbeat('n2');
      c.settle();
    }
    expect(values(c, 'n1')).toEqual([NO_OP, first, NO_OP, z]);
    expect(c.state('n1').log.map((e) => e.term)).toEqual([1, 1, 2, 2]);
    expect(c.state('n1').commitIndex).toBe(4);
    expect(c.kv('n1').snapshot()).toEqual(c.kv('n2').snapshot());
  });
});
