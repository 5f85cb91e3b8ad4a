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

/** One level of the depth-first search: a state reached, the operations that may come next, and how the last one tried was placed. */
interface Frame {
  readonly state: string | null;
  /** How many answered operations are placed so far. */
  readonly placedDefinite: number;
  readonly candidates: readonly number[];
  next: number;
  /** The candidate placed to reach the child being searched (-1: none), and what placing it changed. */
  placed: number;
  loBefore: number;
  addedUnknown: number;
  removedUnknownAt: number;
}

/**
 * Whether one key's operations can be linearized (on a register that starts
 * unset). A depth-first search over which operation takes effect next, with
 * an explicit stack (a history of any length) and memoized on the register's
 * value and the set of operations placed. That set is kept small to write
 * down: every answered operation before `lo` is placed, nothing invoked after
 * the real-time horizon is, so the set is `lo`, the bits between `lo` and
 * the horizon, and the unanswered writes before `lo` still unplaced.
 */
export function registerLinearizable(ops: readonly Operation[]): boolean {
  // An unanswered read constrains nothing, and neither does an unanswered
  // write whose value no answered read returns: leaving it out of the order
  // never hurts, since every read after it would have needed a later write.
  const returned = new Set(ops.filter((o) => o.kind === 'get' && o.complete !== null).map((o) => o.value));
  const sorted = ops
    .filter((o) => o.complete !== null || (o.kind === 'put' && returned.has(o.value)))
    .sort((a, b) => a.invoke - b.invoke);
  const n = sorted.length;
  const definite = sorted.filter((o) => o.complete !== null).length;
  const done = new Uint8Array(n);
  let lo = 0;
  /** Unanswered writes before lo not placed (yet, or ever), in increasing order. */
  const unknownBelow: number[] = [];
  const seen = new Set<string>();

  /** Moves lo past placed operations and unanswered writes; returns how many unplaced writes it passed. */
  const advance = (): number => {
    let added = 0;
    while (lo < n && (done[lo] || sorted[lo]!.complete === null)) {
      if (!done[lo]) {
        unknownBelow.push(lo);
        added++;
      }
      lo++;
    }
    return added;
  };

  const open = (state: string | null, placedDefinite: number): Frame | 'linearized' | null => {
    if (placedDefinite === definite) return 'linearized';
    // Real time: nothing invoked after the earliest completion among the
    // operations still to place may come before that operation.
    let horizon = Infinity;
    let hi = lo;
    for (; hi < n && sorted[hi]!.invoke <= horizon; hi++) {
      const o = sorted[hi]!;
      if (!done[hi] && o.complete !== null && o.complete < horizon) horizon = o.complete;
    }
    let bits = '';
    const candidates = [...unknownBelow];
    for (let k = lo; k < hi; k++) {
      bits += done[k] ? '1' : '0';
      if (!done[k] && sorted[k]!.invoke <= horizon) candidates.push(k);
    }
    const memo = `${state === null ? '\u0000' : state}\u0001${unknownBelow.join(',')}\u0001${lo}\u0001${bits}`;
    if (seen.has(memo)) return null;
    seen.add(memo);
    return {
      state,
      placedDefinite,
      candidates,
      next: 0,
      placed: -1,
      loBefore: lo,
      addedUnknown: 0,
      removedUnknownAt: -1,
    };
  };

  const undo = (f: Frame): void => {
    done[f.placed] = 0;
    unknownBelow.length -= f.addedUnknown;
    lo = f.loBefore;
    if (f.removedUnknownAt >= 0) unknownBelow.splice(f.removedUnknownAt, 0, f.placed);
    f.placed = -1;
  };

  const root = open(null, 0);
  if (root === 'linearized') return true;
  const stack: Frame[] = root ? [root] : [];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.placed >= 0) undo(f);
    if (f.next === f.candidates.length) {
      stack.pop();
      continue;
    }
    const k = f.candidates[f.next++]!;
    const o = sorted[k]!;
    let next: string | null;
    if (o.kind === 'put') next = o.value;
    else if (o.value === f.state) next = f.state;
    else continue;
    done[k] = 1;
    f.placed = k;
    f.loBefore = lo;
    f.removedUnknownAt = k < lo ? unknownBelow.indexOf(k) : -1;
    if (f.removedUnknownAt >= 0) unknownBelow.splice(f.removedUnknownAt, 1);
    f.addedUnknown = advance();
    const child = open(next, f.placedDefinite + (o.complete !== null ? 1 : 0));
    if (child === 'linearized') return true;
    if (child) stack.push(child);
  }
  return false;
}

/**
 * Shrinks a history that cannot be linearized to a small set of its
 * operations that still cannot: first whole stretches of it (halves, then
 * quarters, and so on: delta debugging, so a long history costs few checks),
 * ending with one operation at a time, until no single removal keeps it
 * unexplainable. A write whose value a remaining read returns stays (if no
 * other write of that value does): a witness of a stale read should show the
 * write it read from, not only a read of a value no one wrote.
 */
function smallestWitness(ops: readonly Operation[]): Operation[] {
  let witness = [...ops].sort((a, b) => a.invoke - b.invoke);
  /** `kept` without the operations in [from, to), except writes a kept read returns. */
  const without = (from: number, to: number): Operation[] => {
    const rest = [...witness.slice(0, from), ...witness.slice(to)];
    const read = new Set(rest.filter((o) => o.kind === 'get').map((o) => o.value));
    const written = new Set(rest.filter((o) => o.kind === 'put').map((o) => o.value));
    const stay = witness.slice(from, to).filter((o) => o.kind === 'put' && read.has(o.value) && !written.has(o.value));
    return stay.length ? [...rest, ...stay].sort((a, b) => a.invoke - b.invoke) : rest;
  };
  for (let chunk = Math.max(1, Math.floor(witness.length / 2)); ; chunk = Math.floor(chunk / 2)) {
    for (let from = 0; from < witness.length;) {
      const candidate = without(from, from + chunk);
      if (candidate.length < witness.length && !registerLinearizable(candidate)) witness = candidate;
      else from += chunk;
    }
    if (chunk === 1) break;
  }
  return witness;
}

/**
 * A linearizable history of `n` operations on `keys` registers by `clients`
 * concurrent clients, from `seed`: each operation takes effect at one instant
 * inside its interval, and one write in twenty is left without an answer.
 * For benchmarks and tests of the checker on long histories.
 */
export function generatedHistory(n: number, keys: number, clients: number, seed: number): Operation[] {
  // mulberry32: small, seeded, and good in its low bits (unlike a plain LCG).
  let s = seed >>> 0;
  const random = (min: number, max: number) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return min + (((t ^ (t >>> 14)) >>> 0) % (max - min + 1));
  };
  const value = new Map<string, string | null>();
  const free = Array.from({ length: clients }, () => 0);
  const ops: Operation[] = [];
  let now = 0;
  for (let k = 0; k < n; k++) {
    const c = random(0, clients - 1);
    now = Math.max(now, free[c]!) + random(0, 3);
    const key = `k${random(1, keys)}`;
    const invoke = now;
    const effect = invoke + random(1, 5);
    const complete = effect + random(1, 5);
    free[c] = complete;
    now = effect;
    if (random(0, 1) === 0) {
      const v = `c${c}-${k}`;
      value.set(key, v);
      ops.push({
        client: `c${c}`,
        kind: 'put',
        key,
        value: v,
        invoke,
        complete: random(0, 19) === 0 ? null : complete,
      });
    } else {
      ops.push({ client: `c${c}`, kind: 'get', key, value: value.get(key) ?? null, invoke, complete });
    }
  }
  return ops;
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
    keys.push(
      ok
        ? { key, operations: ops.length, linearizable: true }
        : { key, operations: ops.length, linearizable: false, witness: smallestWitness(ops) },
    );
  }
  return { linearizable: keys.every((k) => k.linearizable), keys, operations: history.length };
}

export function describeOperation(o: Operation, origin = 0): string {
  const t = (x: number) => (x - origin).toFixed(1);
  const what =
    o.kind === 'put' ? `put ${o.key}=${o.value}` : `get ${o.key} -> ${o.value === null ? '(not set)' : o.value}`;
  return `${o.client}: ${what} [${t(o.invoke)}, ${o.complete === null ? 'no answer' : t(o.complete)}]`;
}
