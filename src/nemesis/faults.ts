// The nemesis's fault schedule: what it does to a real cluster, and when,
// drawn from one seed so that the same seed (or the schedule file a run
// wrote) attacks a rerun the same way. Two tracks run side by side, each one
// fault at a time: processes (SIGKILL then restart; SIGSTOP then SIGCONT) and
// the network (partitions of several shapes; lossy, duplicating, slow and
// reordering links). Every fault is undone before the run's last seconds, so
// the cluster has a calm spell to converge in before the run ends.
import type { ServerId } from '../raft/types.js';
import { Rng } from '../random/rng.js';
import { BadInputError } from '../errors/harness-error.js';

/** A server by name, or whichever server leads when the fault strikes. */
export type Target = ServerId | 'leader';

export type Fault =
  | { readonly at: number; readonly kind: 'kill'; readonly target: Target; readonly restartAfter: number }
  | { readonly at: number; readonly kind: 'pause'; readonly target: Target; readonly resumeAfter: number }
  /** `cut` lists the directed links that carry nothing; for an isolated leader it is chosen when the fault strikes. */
  | {
      readonly at: number;
      readonly kind: 'partition';
      readonly shape: string;
      readonly cut: ReadonlyArray<readonly [ServerId, ServerId]> | 'leader';
      readonly healAfter: number;
    }
  | {
      readonly at: number;
      readonly kind: 'flaky';
      readonly drop: number;
      readonly duplicate: number;
      readonly delayMs: readonly [number, number];
      readonly healAfter: number;
    };

export interface FaultSchedule {
  readonly seed: number;
  readonly seconds: number;
  readonly servers: number;
  /** Times in milliseconds from the start of the workload, sorted. */
  readonly faults: readonly Fault[];
}

export class FaultScheduleError extends BadInputError {}

/** The last this many ms of a run are calm (every fault undone). */
export const CALM_MS = 2500;
const FIRST_MS = 1000;

export function serverIds(n: number): ServerId[] {
  return Array.from({ length: n }, (_, k) => `n${k + 1}`);
}

/** Every directed link between `a` and `b`, both ways unless `oneWay`. */
export function between(a: readonly ServerId[], b: readonly ServerId[], oneWay = false): Array<[ServerId, ServerId]> {
  const out: Array<[ServerId, ServerId]> = [];
  for (const x of a)
    for (const y of b) if (x !== y) out.push([x, y], ...(oneWay ? [] : [[y, x] as [ServerId, ServerId]]));
  return out;
}

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let k = a.length - 1; k > 0; k--) {
    const j = rng.intBetween(0, k);
    [a[k], a[j]] = [a[j]!, a[k]!];
  }
  return a;
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.intBetween(0, xs.length - 1)]!;
}

function partition(
  rng: Rng,
  ids: readonly ServerId[],
): { shape: string; cut: ReadonlyArray<readonly [ServerId, ServerId]> | 'leader' } {
  const kind = pick(rng, ['isolate-leader', 'isolate', 'split', 'one-way', 'bridge'] as const);
  const order = shuffled(rng, ids);
  switch (kind) {
    case 'isolate-leader':
      return { shape: 'isolate the leader', cut: 'leader' };
    case 'isolate': {
      const x = order[0]!;
      return { shape: `isolate ${x}`, cut: between([x], order.slice(1)) };
    }
    case 'split': {
      const k = rng.intBetween(1, ids.length - 1);
      const a = order.slice(0, k).sort();
      const b = order.slice(k).sort();
      return { shape: `split ${a.join(',')} | ${b.join(',')}`, cut: between(a, b) };
    }
    case 'one-way': {
      // x still hears everyone but nobody hears x: it keeps seeing a leader while its own votes and acks vanish.
      const x = order[0]!;
      return { shape: `one-way: nobody hears ${x}`, cut: between([x], order.slice(1), true) };
    }
    case 'bridge': {
      // One server reaches both halves, which cannot reach each other.
      const b = order[0]!;
      const rest = order.slice(1);
      const k = Math.max(1, Math.floor(rest.length / 2));
      const left = rest.slice(0, k).sort();
      const right = rest.slice(k).sort();
      return { shape: `bridge ${b} between ${left.join(',')} and ${right.join(',')}`, cut: between(left, right) };
    }
  }
}

/** The schedule for `seconds` of workload on `servers` servers, from `seed`. */
export function generateFaults(seed: number, seconds: number, servers: number): FaultSchedule {
  const rng = new Rng(seed);
  const ids = serverIds(servers);
  const end = seconds * 1000 - CALM_MS;
  const faults: Fault[] = [];
  // Process track.
  for (let t = FIRST_MS + rng.intBetween(0, 500); ;) {
    const length = rng.intBetween(300, 2000);
    if (t + length > end) break;
    const target: Target = rng.intBetween(0, 2) === 0 ? 'leader' : pick(rng, ids);
    faults.push(
      rng.intBetween(0, 3) === 0
        ? { at: t, kind: 'pause', target, resumeAfter: length }
        : { at: t, kind: 'kill', target, restartAfter: length },
    );
    t += length + rng.intBetween(300, 1500);
  }
  // Network track.
  for (let t = FIRST_MS + rng.intBetween(0, 1000); ;) {
    const length = rng.intBetween(500, 2500);
    if (t + length > end) break;
    if (rng.intBetween(0, 1) === 0) {
      faults.push({ at: t, kind: 'partition', ...partition(rng, ids), healAfter: length });
    } else {
      const lo = rng.intBetween(0, 20);
      faults.push({
        at: t,
        kind: 'flaky',
        drop: rng.intBetween(5, 30) / 100,
        duplicate: rng.intBetween(5, 30) / 100,
        delayMs: [lo, lo + rng.intBetween(5, 80)],
        healAfter: length,
      });
    }
    t += length + rng.intBetween(300, 1500);
  }
  faults.sort((a, b) => a.at - b.at);
  return { seed, seconds, servers, faults };
}

/** One line saying what a fault does. */
export function describeFault(f: Fault): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  switch (f.kind) {
    case 'kill':
      return `SIGKILL ${f.target}, restart after ${s(f.restartAfter)}`;
    case 'pause':
      return `SIGSTOP ${f.target}, SIGCONT after ${s(f.resumeAfter)}`;
    case 'partition':
      return `partition (${f.shape}) for ${s(f.healAfter)}`;
    case 'flaky':
      return `every link drops ${Math.round(f.drop * 100)}%, duplicates ${Math.round(f.duplicate * 100)}%, delays ${f.delayMs[0]}-${f.delayMs[1]} ms (reordering) for ${s(f.healAfter)}`;
  }
}

/** Reads a schedule file a run wrote (faults.json), to attack a rerun the same way. */
export function parseFaultSchedule(file: string, text: string): FaultSchedule {
  const fail = (where: string, why: string): never => {
    throw new FaultScheduleError(`${file}: ${where}: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail('whole file', `not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) return fail('whole file', 'must hold a JSON object');
  const r = raw as Record<string, unknown>;
  for (const k of ['seed', 'seconds', 'servers'] as const)
    if (!Number.isSafeInteger(r[k]) || (r[k] as number) < 0) fail(`field ${k}`, 'must be a non-negative integer');
  const servers = r.servers as number;
  if (servers < 1 || servers > 9) fail('field servers', 'must be 1..9');
  const ids = serverIds(servers);
  if (!Array.isArray(r.faults)) return fail('field faults', 'must be an array');
  const time = (where: string, v: unknown) => {
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      fail(where, `must be milliseconds (a non-negative integer), got ${JSON.stringify(v)}`);
    return v as number;
  };
  const target = (where: string, v: unknown) => {
    if (v !== 'leader' && !ids.includes(v as string))
      fail(where, `must be "leader" or one of ${ids.join(', ')}, got ${JSON.stringify(v)}`);
  };
  const share = (where: string, v: unknown) => {
    if (typeof v !== 'number' || v < 0 || v > 1) fail(where, `must be a number in 0..1, got ${JSON.stringify(v)}`);
  };
  (r.faults as unknown[]).forEach((f, k) => {
    const at = `faults[${k}]`;
    if (typeof f !== 'object' || f === null) return fail(at, 'must be an object');
    const x = f as Record<string, unknown>;
    time(`${at}.at`, x.at);
    switch (x.kind) {
      case 'kill':
        target(`${at}.target`, x.target);
        time(`${at}.restartAfter`, x.restartAfter);
        break;
      case 'pause':
        target(`${at}.target`, x.target);
        time(`${at}.resumeAfter`, x.resumeAfter);
        break;
      case 'partition':
        time(`${at}.healAfter`, x.healAfter);
        if (typeof x.shape !== 'string') fail(`${at}.shape`, 'must be a string');
        if (x.cut !== 'leader') {
          if (!Array.isArray(x.cut)) fail(`${at}.cut`, 'must be "leader" or a list of [from, to] links');
          (x.cut as unknown[]).forEach((l, j) => {
            if (!Array.isArray(l) || l.length !== 2 || !ids.includes(l[0]) || !ids.includes(l[1]) || l[0] === l[1])
              fail(`${at}.cut[${j}]`, `must be [from, to] with two different servers of ${ids.join(', ')}`);
          });
        }
        break;
      case 'flaky':
        time(`${at}.healAfter`, x.healAfter);
        share(`${at}.drop`, x.drop);
        share(`${at}.duplicate`, x.duplicate);
        if (!Array.isArray(x.delayMs) || x.delayMs.length !== 2) fail(`${at}.delayMs`, 'must be [min, max]');
        time(`${at}.delayMs[0]`, (x.delayMs as unknown[])[0]);
        time(`${at}.delayMs[1]`, (x.delayMs as unknown[])[1]);
        if ((x.delayMs as number[])[1]! < (x.delayMs as number[])[0]!) fail(`${at}.delayMs`, 'max is below min');
        break;
      default:
        fail(`${at}.kind`, `must be kill, pause, partition or flaky, got ${JSON.stringify(x.kind)}`);
    }
  });
  const faults = [...(r.faults as Fault[])].sort((a, b) => a.at - b.at);
  return { seed: r.seed as number, seconds: r.seconds as number, servers, faults };
}
