// Linearizability of a key-value history, checked per key against a register
// (the Wing-Gong search with memoization, as Porcupine does it): is there an
// order of the operations that respects real time (an operation that
// completed before another was invoked comes first), in which every read
// returns the value of the latest write before it? Keys are independent
// registers, so each key's operations are checked on their own.
//
// An operation whose outcome the client never learned (a timeout, a server
// killed mid-request) may have taken effect at any moment after its
// invocation, or never: the search may place it anywhere after its
// invocation, or leave it out. Operations known to have failed had no effect
// and do not belong in the history.
//
// A history that is not linearizable is reported with a small set of its
// operations that no order explains: removing any one of them makes the rest
// linearizable, except a write whose value a read in the set returns, which
// stays to show where that value came from.

export interface Operation {
  readonly client: string;
  readonly kind: 'put' | 'get';
  readonly key: string;
  /** put: the value written; get: the value read (null: the key was not set). */
  readonly value: string | null;
  /** When the client sent it and when it learned the outcome (any clock, the same for all clients). */
  readonly invoke: number;
  /** null: the outcome is unknown (it may or may not have taken effect). */
  readonly complete: number | null;
}

export interface KeyVerdict {
  readonly key: string;
  readonly operations: number;
  readonly linearizable: boolean;
  /** For a key that is not linearizable: a smallest set of its operations no order explains. */
  readonly witness?: readonly Operation[];
}

export interface LinearizabilityReport {
  readonly linearizable: boolean;
  readonly keys: readonly KeyVerdict[];
  readonly operations: number;
}

/** Whether one key's operations can be linearized (on a register that starts unset). */
export function registerLinearizable(ops: readonly Operation[]): boolean {
  // An unanswered read constrains nothing.
  const sorted = ops.filter((o) => o.kind === 'put' || o.complete !== null).sort((a, b) => a.invoke - b.invoke);
  const n = sorted.length;
  const done = new Uint8Array(n);
  const seen = new Set<string>();
  const definite = sorted.filter((o) => o.complete !== null).length;

  const search = (state: string | null, linearizedDefinite: number): boolean => {
    if (linearizedDefinite === definite) return true;
    const memo = `${state === null ? '\u0000' : state}\u0001${done.join('')}`;
    if (seen.has(memo)) return false;
    seen.add(memo);
    // Real time: nothing invoked after the earliest completion among the
    // operations still to place may come before that operation.
    let horizon = Infinity;
    for (let k = 0; k < n; k++) if (!done[k] && sorted[k]!.complete !== null && sorted[k]!.complete! < horizon) horizon = sorted[k]!.complete!;
    for (let k = 0; k < n && sorted[k]!.invoke <= horizon; k++) {
      if (done[k]) continue;
      const o = sorted[k]!;
      let next: string | null;
      if (o.kind === 'put') next = o.value;
      else if (o.complete === null) next = state; // an unanswered read constrains nothing
      else if (o.value === state) next = state;
      else continue;
      done[k] = 1;
      if (search(next, linearizedDefinite + (o.complete !== null ? 1 : 0))) return true;
      done[k] = 0;
    }
    return false;
  };
  return search(null, 0);
}

/**
 * Removes operations one at a time while the rest still cannot be
 * linearized. A write whose value a remaining read returns stays (if no other
 * write of that value does): a witness of a stale read should show the write
 * it read from, not only a read of a value no one wrote.
 */
function smallestWitness(ops: readonly Operation[]): Operation[] {
  let witness = [...ops];
  for (let k = witness.length - 1; k >= 0; k--) {
    const o = witness[k]!;
    if (o.kind === 'put') {
      const readers = witness.some((r) => r.kind === 'get' && r.value === o.value);
      const others = witness.some((w) => w !== o && w.kind === 'put' && w.value === o.value);
      if (readers && !others) continue;
    }
    const without = witness.filter((_, j) => j !== k);
    if (!registerLinearizable(without)) witness = without;
  }
  return witness.sort((a, b) => a.invoke - b.invoke);
}

export function checkLinearizability(history: readonly Operation[]): LinearizabilityReport {
  const byKey = new Map<string, Operation[]>();
  for (const o of history) {
    if (!byKey.has(o.key)) byKey.set(o.key, []);
    byKey.get(o.key)!.push(o);
  }
  const keys: KeyVerdict[] = [];
  for (const [key, ops] of [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ok = registerLinearizable(ops);
    keys.push(ok ? { key, operations: ops.length, linearizable: true } : { key, operations: ops.length, linearizable: false, witness: smallestWitness(ops) });
  }
  return { linearizable: keys.every((k) => k.linearizable), keys, operations: history.length };
}

export function describeOperation(o: Operation, origin = 0): string {
  const t = (x: number) => (x - origin).toFixed(1);
  const what = o.kind === 'put' ? `put ${o.key}=${o.value}` : `get ${o.key} -> ${o.value === null ? '(not set)' : o.value}`;
  return `${o.client}: ${what} [${t(o.invoke)}, ${o.complete === null ? 'no answer' : t(o.complete)}]`;
}
