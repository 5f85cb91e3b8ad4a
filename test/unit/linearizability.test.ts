// The linearizability checker on hand-made key-value histories: what it
// must accept (concurrent operations in any real-time-consistent order,
// writes whose outcome is unknown), what it must refuse (a stale read, a
// read that goes back in time), and the smallest set of operations it
// reports for a refusal.
import { describe, expect, it } from 'vitest';
import {
  checkLinearizability,
  describeOperation,
  generatedHistory,
  registerLinearizable,
  type Operation,
} from '../../src/history/linearizability.js';

const put = (client: string, key: string, value: string, invoke: number, complete: number | null): Operation => ({
  client,
  kind: 'put',
  key,
  value,
  invoke,
  complete,
});
const get = (
  client: string,
  key: string,
  value: string | null,
  invoke: number,
  complete: number | null,
): Operation => ({ client, kind: 'get', key, value, invoke, complete });

describe('linearizability of a key-value history', () => {
  it('accepts sequential and concurrent histories that some real-time order explains', () => {
    expect(
      registerLinearizable([
        put('c1', 'a', '1', 0, 1),
        get('c2', 'a', '1', 2, 3),
        put('c1', 'a', '2', 4, 5),
        get('c2', 'a', '2', 6, 7),
      ]),
    ).toBe(true);
    // Overlapping: the read may see either value.
    expect(
      registerLinearizable([put('c1', 'a', '1', 0, 1), put('c1', 'a', '2', 2, 6), get('c2', 'a', '1', 3, 4)]),
    ).toBe(true);
    expect(
      registerLinearizable([put('c1', 'a', '1', 0, 1), put('c1', 'a', '2', 2, 6), get('c2', 'a', '2', 3, 4)]),
    ).toBe(true);
    expect(registerLinearizable([get('c1', 'a', null, 0, 1)])).toBe(true);
  });

  it('refuses a stale read and a read that goes back in time', () => {
    expect(
      registerLinearizable([put('c1', 'a', '1', 0, 1), put('c1', 'a', '2', 2, 3), get('c2', 'a', '1', 4, 5)]),
    ).toBe(false);
    expect(
      registerLinearizable([
        put('c1', 'a', '1', 0, 1),
        put('c1', 'a', '2', 2, 9),
        get('c2', 'a', '2', 3, 4),
        get('c3', 'a', '1', 5, 6),
      ]),
    ).toBe(false);
    expect(registerLinearizable([get('c1', 'a', 'x', 0, 1)])).toBe(false);
  });

  it('lets a write with no answer take effect at any moment after its invocation, or never', () => {
    expect(registerLinearizable([put('c1', 'a', '1', 0, null), get('c2', 'a', '1', 5, 6)])).toBe(true);
    expect(registerLinearizable([put('c1', 'a', '1', 0, null), get('c2', 'a', null, 5, 6)])).toBe(true);
    expect(
      registerLinearizable([put('c1', 'a', '1', 0, null), get('c2', 'a', '1', 5, 6), get('c2', 'a', null, 7, 8)]),
    ).toBe(false);
    // Not before it was invoked.
    expect(registerLinearizable([get('c2', 'a', '1', 0, 1), put('c1', 'a', '1', 2, null)])).toBe(false);
  });

  it('reports, per key, a smallest set of operations no order explains, the stale read with the write it read', () => {
    const history = [
      put('c1', 'a', '1', 0, 1),
      put('c1', 'b', '7', 0, 1),
      get('c3', 'b', '7', 1.5, 1.8),
      put('c1', 'a', '2', 2, 3),
      get('c2', 'b', '7', 2, 3),
      put('c3', 'a', '3', 3.5, 3.6),
      get('c2', 'a', '1', 4, 5),
    ];
    const r = checkLinearizability(history);
    expect(r.linearizable).toBe(false);
    expect(r.keys.map((k) => [k.key, k.linearizable])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    const witness = r.keys[0]!.witness!;
    // Either later write shows the read stale; the search keeps the one nearest the read.
    expect(witness.map((o) => describeOperation(o))).toEqual([
      'c1: put a=1 [0.0, 1.0]',
      'c3: put a=3 [3.5, 3.6]',
      'c2: get a -> 1 [4.0, 5.0]',
    ]);
    expect(registerLinearizable(witness)).toBe(false);
    // Without the later write, or without the read, an order exists; the write
    // of 1 stays because the read returns its value.
    for (const k of [1, 2]) expect(registerLinearizable(witness.filter((_, j) => j !== k))).toBe(true);
  });

  it('checks a few hundred concurrent operations per key', () => {
    const ops: Operation[] = [];
    let t = 0;
    let value: string | null = null;
    // Four clients, each operation overlapping the next three; reads see the latest write.
    for (let k = 0; k < 300; k++) {
      t += 1;
      if (k % 3 === 0) {
        value = `v${k}`;
        ops.push(put(`c${k % 4}`, 'a', value, t, t + 3.5));
      } else ops.push(get(`c${k % 4}`, 'a', value, t + 3.6, t + 4));
    }
    expect(checkLinearizability(ops).linearizable).toBe(true);
  });

  it('checks a history of 30,000 operations, and shrinks a stale read at its end to three operations', () => {
    const h = generatedHistory(30_000, 3, 5, 11);
    expect(h.some((o) => o.complete === null)).toBe(true);
    expect(checkLinearizability(h).linearizable).toBe(true);
    // One late read is made to return the key's first value instead.
    let k = h.length - 20;
    while (!(h[k]!.kind === 'get' && h[k]!.complete !== null)) k--;
    const read = h[k]!;
    const first = h.find((o) => o.kind === 'put' && o.key === read.key && o.complete !== null)!;
    const stale = h.map((o, j) => (j === k ? { ...o, value: first.value } : o));
    const verdict = checkLinearizability(stale);
    expect(verdict.linearizable).toBe(false);
    const bad = verdict.keys.filter((x) => !x.linearizable);
    expect(bad.map((x) => x.key)).toEqual([read.key]);
    const witness = bad[0]!.witness!;
    expect(witness).toHaveLength(3);
    expect(witness).toContainEqual({ ...read, value: first.value });
    expect(witness).toContainEqual(first);
  });
});
