// The message account of a real-cluster run, on made-up deliveries: a message
// a live receiver had time to read and did not is lost inside it; one whose
// receiver died (or the run ended) soon after, or that waited out a pause, is
// excused or counted from the SIGCONT; copies count.
import { describe, expect, it } from 'vitest';
import { accountMessages, describeLosses, GRACE_MS, type Pause } from '../../src/nemesis/accounting.js';
import type { Connection, Delivery } from '../../src/nemesis/proxy.js';

const T0 = 1_000_000;
const conn = (to: string, closed: number | null): Connection => ({ to, opened: T0, closed });
const at = (c: Connection, msgId: string, ms: number): Delivery => ({
  msgId,
  type: 'AppendEntriesRequest',
  at: T0 + ms,
  connection: c,
});
const reads = (entries: Record<string, string[]>) =>
  new Map(
    Object.entries(entries).map(([id, ids]) => [id, new Map(ids.map((m) => [m, ids.filter((x) => x === m).length]))]),
  );

describe('the message account', () => {
  it('a message a live receiver had time to read, and did not, is lost; one read is consumed', () => {
    const c = conn('n2', T0 + 10_000);
    const a = accountMessages([at(c, 'n1:1:1', 100), at(c, 'n1:1:2', 200)], reads({ n2: ['n1:1:1'] }), [], T0);
    expect(a).toMatchObject({ delivered: 2, accountable: 2, consumed: 1, excused: 0 });
    expect(a.lost).toEqual([{ msgId: 'n1:1:2', type: 'AppendEntriesRequest', to: 'n2', at: 200, ranOnMs: 9800 }]);
    const [f] = describeLosses(a.lost);
    expect(f!.what).toBe(
      'n2 never consumed message n1:1:2 (AppendEntriesRequest), delivered to it at 0.20 s, though it ran on for 9.8 s: messages lost inside the process (its transport or its input queue), not on the network',
    );
  });

  it('a message written shortly before the connection ended (a kill, a failed disk, the run stopping) is excused', () => {
    const c = conn('n3', T0 + 5000);
    const a = accountMessages(
      [at(c, 'n1:1:1', 5000 - GRACE_MS + 1), at(c, 'n1:1:2', 5000 - GRACE_MS - 1)],
      reads({}),
      [],
      T0,
    );
    expect(a).toMatchObject({ accountable: 1, excused: 1 });
    expect(a.lost.map((u) => u.msgId)).toEqual(['n1:1:2']);
  });

  it('a pause moves the time to read to its SIGCONT; a pause never ended excuses', () => {
    const c = conn('n2', T0 + 6000);
    const pauses: Pause[] = [{ id: 'n2', from: T0 + 1000, to: T0 + 4000 }];
    // Written during the pause, readable from 4 s: 2 s before the end, excused.
    expect(accountMessages([at(c, 'n1:1:1', 1500)], reads({}), pauses, T0).excused).toBe(1);
    // The same pause on another server changes nothing for n2.
    expect(accountMessages([at(c, 'n1:1:1', 1500)], reads({}), [{ ...pauses[0]!, id: 'n3' }], T0).lost).toHaveLength(1);
    expect(accountMessages([at(c, 'n1:1:1', 1500)], reads({}), [{ id: 'n2', from: T0, to: null }], T0).excused).toBe(1);
  });

  it('copies count: a message delivered twice and read once lost a copy; a connection still open excuses', () => {
    const c = conn('n2', T0 + 10_000);
    const a = accountMessages([at(c, 'n1:1:1', 100), at(c, 'n1:1:1', 150)], reads({ n2: ['n1:1:1'] }), [], T0);
    expect(a).toMatchObject({ consumed: 1, lost: [expect.objectContaining({ msgId: 'n1:1:1', at: 150 })] });
    expect(accountMessages([at(conn('n2', null), 'n1:1:1', 100)], reads({}), [], T0).excused).toBe(1);
  });
});
