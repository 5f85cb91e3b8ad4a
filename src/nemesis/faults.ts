// The nemesis's fault schedule: what it does to a real cluster, and when,
// drawn from one seed so that the same seed (or the schedule file a run
// wrote) attacks a rerun the same way. Two tracks run side by side, each one
// fault at a time: processes (SIGKILL then restart; SIGSTOP then SIGCONT;
// disk faults: a kill, damage to the dead server's write-ahead log, then a
// restart, or a failing fsync or a full disk in the running server) and the network (partitions of several shapes; lossy, duplicating, slow and
// reordering links). Every fault is undone before the run's last seconds, so
// the cluster has a calm spell to converge in before the run ends.
import type { Attack } from '../sim/attacks.js';
import type { CompactionAttack } from '../sim/compaction.js';
import type { ServerId } from '../raft/types.js';
import { Rng } from '../random/rng.js';
import { BadInputError } from '../errors/harness-error.js';

/** A server by name, or whichever server leads when the fault strikes. */
export type Target = ServerId | 'leader';

/**
 * What a disk fault does. To the write-ahead log of a killed server, at 512-byte
 * sectors: `torn-tail` cuts the file at a sector boundary in its last sectors
 * (a write torn by the crash), `zero-tail` zeroes its last sectors (blocks
 * allocated but never written), `zero-sector` zeroes one sector anywhere,
 * `flip-bit` flips one bit anywhere. In a running server (its disk simulated:
 * loseUnsynced): `eio`, its next fsync fails; `full`, its disk fills up.
 */
export type Damage = 'torn-tail' | 'zero-tail' | 'zero-sector' | 'flip-bit' | 'eio' | 'full';

export const FILE_DAMAGE: readonly Damage[] = ['torn-tail', 'zero-tail', 'zero-sector', 'flip-bit'];
export const LIVE_DAMAGE: readonly Damage[] = ['eio', 'full'];

export type Fault =
  | { readonly at: number; readonly kind: 'kill'; readonly target: Target; readonly restartAfter: number }
  /** A file damage strikes a killed server, restarted after `restartAfter`; a live one is given that long to stop. */
  | {
      readonly at: number;
      readonly kind: 'disk';
      readonly target: Target;
      readonly damage: Damage;
      readonly restartAfter: number;
    }
  | { readonly at: number; readonly kind: 'pause'; readonly target: Target; readonly resumeAfter: number }
  /** `cut` lists the directed links that carry nothing; for an isolated leader it is chosen when the fault strikes. */
  | {
      readonly at: number;
      readonly kind: 'partition';
      readonly shape: string;
      readonly cut: ReadonlyArray<readonly [ServerId, ServerId]> | 'leader' | 'follower';
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

/**
 * Which disk faults a schedule holds: none; damage to the files of killed
 * servers; or those and the live ones, which need servers on a simulated disk.
 */
export type DiskFaults = 'none' | 'files' | 'all';

/**
 * The schedule for `seconds` of workload on `servers` servers, from `seed`.
 * With disk faults, two of every three faults of the process track are one,
 * their kinds dealt in turn from one order, each seed going on where the seed
 * before it stopped: two short runs (seeds 1 and 2) meet every kind.
 */
export function generateFaults(
  seed: number,
  seconds: number,
  servers: number,
  disk: DiskFaults = 'none',
): FaultSchedule {
  const rng = new Rng(seed);
  const ids = serverIds(servers);
  const end = seconds * 1000 - CALM_MS;
  const faults: Fault[] = [];
  const kinds = disk === 'none' ? [] : disk === 'files' ? FILE_DAMAGE : [...FILE_DAMAGE, ...LIVE_DAMAGE];
  // One order of the kinds for every seed; seed s deals on from where seed s - 1 stopped (three a run).
  const deck = shuffled(new Rng(0xd15c), kinds);
  let dealt = kinds.length ? ((seed - 1) * 3) % kinds.length : 0;
  // Process track.
  for (let t = FIRST_MS + rng.intBetween(0, 500), k = 0; ; k++) {
    const disky = kinds.length > 0 && k % 3 !== 0;
    // A damaged server's restart takes a while to judge: at least 0.8 s.
    const length = Math.max(rng.intBetween(300, 2000), disky ? 800 : 0);
    if (t + length > end) break;
    const target: Target = rng.intBetween(0, 2) === 0 ? 'leader' : pick(rng, ids);
    const pause = rng.intBetween(0, 3) === 0;
    if (disky) {
      faults.push({ at: t, kind: 'disk', target, damage: deck[dealt++ % deck.length]!, restartAfter: length });
    } else {
      faults.push(
        pause
          ? { at: t, kind: 'pause', target, resumeAfter: length }
          : { at: t, kind: 'kill', target, restartAfter: length },
      );
    }
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

// The attacks aimed at availability (cluster-check --attack), named where the simulator's are.
export { ATTACKS, type Attack } from '../sim/attacks.js';

/** How long each cut of flapping-follower lasts, and how long the link is then healthy: about one election timeout (0.5-1 s). */
const FLAP_CUT_MS = 900;

/**
 * A fixed schedule for one attack, from 2 s into the load to the calm end:
 * isolated-follower cuts one follower off for the whole stretch and heals it
 * (it keeps timing out and raising its term meanwhile: without PreVote, its
 * return deposes the leader); isolated-leader cuts the leader off from the
 * majority while clients keep reaching it (without CheckQuorum it stays
 * leader of nothing); flapping-follower cuts a follower off for 0.9 s in
 * every 1.8 s (each cut about one election timeout, which the servers draw
 * from 0.5-1 s: most let it time out once).
 */
export function attackSchedule(attack: Attack, seed: number, seconds: number, servers: number): FaultSchedule {
  const from = 2000;
  const end = seconds * 1000 - CALM_MS;
  if (end - from < 1000)
    throw new FaultScheduleError(`--attack ${attack} needs at least ${(from + 1000 + CALM_MS) / 1000} s of load`);
  const faults: Fault[] = [];
  if (attack === 'flapping-follower') {
    for (let t = from; t + FLAP_CUT_MS <= end; t += 2 * FLAP_CUT_MS)
      faults.push({
        at: t,
        kind: 'partition',
        shape: 'isolate a follower (flapping)',
        cut: 'follower',
        healAfter: FLAP_CUT_MS,
      });
  } else {
    const cut = attack === 'isolated-follower' ? 'follower' : 'leader';
    faults.push({ at: from, kind: 'partition', shape: `isolate the ${cut}`, cut, healAfter: end - from });
  }
  return { seed, seconds, servers, faults };
}

// The attacks on compaction, for servers that take snapshots: the same four
// the simulator's src/sim/compaction.ts runs, as fault schedules for real
// servers, from 2 s into the load to the calm end (the span).
export { COMPACTION_ATTACKS, type CompactionAttack } from '../sim/compaction.js';

/**
 * isolated-behind: a follower cut off for the first 60 % of the span, while
 * the others commit and compact past it, then healed (it can only catch up
 * by the leader's snapshot); crashed-behind: a server killed for that long,
 * then restarted; crash-during-install: that, then the same server killed
 * again and again soon after each restart (0.3 to 1.2 s, when the leader is
 * sending it its snapshot); duplicated-snapshots: that first kill, then
 * every link duplicating half of its messages and delaying them 0-300 ms
 * (reordering them) while the server catches up.
 */
export function compactionSchedule(
  attack: CompactionAttack,
  seed: number,
  seconds: number,
  servers: number,
): FaultSchedule {
  const from = 2000;
  const end = seconds * 1000 - CALM_MS;
  const behind = Math.round((end - from) * 0.6);
  if (end - from < 4000)
    throw new FaultScheduleError(`--attack ${attack} needs at least ${(from + 4000 + CALM_MS) / 1000} s of load`);
  // The server that falls behind: any one (a leader killed falls behind its successor).
  const target = `n${(seed % servers) + 1}`;
  const faults: Fault[] = [];
  if (attack === 'isolated-behind')
    faults.push({ at: from, kind: 'partition', shape: 'isolate a follower', cut: 'follower', healAfter: behind });
  else faults.push({ at: from, kind: 'kill', target, restartAfter: behind });
  if (attack === 'crash-during-install') {
    const rng = new Rng(seed);
    for (let t = from + behind + rng.intBetween(300, 1200); t + 1500 < end; t += 2000 + rng.intBetween(0, 1000))
      faults.push({ at: t, kind: 'kill', target, restartAfter: 400 });
  }
  if (attack === 'duplicated-snapshots')
    faults.push({
      at: from + behind,
      kind: 'flaky',
      drop: 0,
      duplicate: 0.5,
      delayMs: [0, 300],
      healAfter: end - from - behind,
    });
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
    case 'disk':
      return LIVE_DAMAGE.includes(f.damage)
        ? `${f.damage === 'eio' ? 'fail the next fsync of' : 'fill the disk of'} ${f.target} (EIO/ENOSPC), kill after ${s(f.restartAfter)} if it runs on, restart`
        : `SIGKILL ${f.target}, ${f.damage} on its write-ahead log, restart after ${s(f.restartAfter)}`;
    case 'partition':
      return `partition (${f.shape}) for ${s(f.healAfter)}`;
    case 'flaky':
      return `every link drops ${Math.round(f.drop * 100)}%, duplicates ${Math.round(f.duplicate * 100)}%, delays ${f.delayMs[0]}-${f.delayMs[1]} ms (reordering) for ${s(f.healAfter)}`;
  }
}

/** The checks of one schedule file's fields, each failing in one line naming the file and the field. */
class ScheduleFields {
  constructor(
    private readonly file: string,
    private readonly ids: readonly ServerId[],
  ) {}

  fail(where: string, why: string): never {
    throw new FaultScheduleError(`${this.file}: ${where}: ${why}`);
  }

  time(where: string, v: unknown): number {
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      this.fail(where, `must be milliseconds (a non-negative integer), got ${JSON.stringify(v)}`);
    return v as number;
  }

  target(where: string, v: unknown): void {
    if (v !== 'leader' && !this.ids.includes(v as string))
      this.fail(where, `must be "leader" or one of ${this.ids.join(', ')}, got ${JSON.stringify(v)}`);
  }

  share(where: string, v: unknown): void {
    if (typeof v !== 'number' || v < 0 || v > 1) this.fail(where, `must be a number in 0..1, got ${JSON.stringify(v)}`);
  }

  fault(at: string, f: unknown): void {
    if (typeof f !== 'object' || f === null) return this.fail(at, 'must be an object');
    const x = f as Record<string, unknown>;
    this.time(`${at}.at`, x.at);
    switch (x.kind) {
      case 'kill':
      case 'pause':
      case 'disk':
        return this.processFault(at, x);
      case 'partition':
        return this.partition(at, x);
      case 'flaky':
        return this.flaky(at, x);
      default:
        this.fail(`${at}.kind`, `must be kill, pause, disk, partition or flaky, got ${JSON.stringify(x.kind)}`);
    }
  }

  private processFault(at: string, x: Record<string, unknown>): void {
    this.target(`${at}.target`, x.target);
    const after = x.kind === 'pause' ? 'resumeAfter' : 'restartAfter';
    this.time(`${at}.${after}`, x[after]);
    const damages = [...FILE_DAMAGE, ...LIVE_DAMAGE];
    if (x.kind === 'disk' && !damages.includes(x.damage as Damage))
      this.fail(`${at}.damage`, `must be one of ${damages.join(', ')}, got ${JSON.stringify(x.damage)}`);
  }

  private partition(at: string, x: Record<string, unknown>): void {
    this.time(`${at}.healAfter`, x.healAfter);
    if (typeof x.shape !== 'string') this.fail(`${at}.shape`, 'must be a string');
    if (x.cut === 'leader' || x.cut === 'follower') return;
    if (!Array.isArray(x.cut)) this.fail(`${at}.cut`, 'must be "leader", "follower" or a list of [from, to] links');
    (x.cut as unknown[]).forEach((l, j) => {
      const ids = this.ids;
      if (!Array.isArray(l) || l.length !== 2 || !ids.includes(l[0]) || !ids.includes(l[1]) || l[0] === l[1])
        this.fail(`${at}.cut[${j}]`, `must be [from, to] with two different servers of ${ids.join(', ')}`);
    });
  }

  private flaky(at: string, x: Record<string, unknown>): void {
    this.time(`${at}.healAfter`, x.healAfter);
    this.share(`${at}.drop`, x.drop);
    this.share(`${at}.duplicate`, x.duplicate);
    if (!Array.isArray(x.delayMs) || x.delayMs.length !== 2) this.fail(`${at}.delayMs`, 'must be [min, max]');
    const [min, max] = x.delayMs as unknown[];
    this.time(`${at}.delayMs[0]`, min);
    this.time(`${at}.delayMs[1]`, max);
    if ((max as number) < (min as number)) this.fail(`${at}.delayMs`, 'max is below min');
  }
}

/** Reads a schedule file a run wrote (faults.json), to attack a rerun the same way. */
export function parseFaultSchedule(file: string, text: string): FaultSchedule {
  const whole = new ScheduleFields(file, []);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return whole.fail('whole file', `not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) return whole.fail('whole file', 'must hold a JSON object');
  const r = raw as Record<string, unknown>;
  for (const k of ['seed', 'seconds', 'servers'] as const)
    if (!Number.isSafeInteger(r[k]) || (r[k] as number) < 0) whole.fail(`field ${k}`, 'must be a non-negative integer');
  const servers = r.servers as number;
  if (servers < 1 || servers > 9) whole.fail('field servers', 'must be 1..9');
  if (!Array.isArray(r.faults)) return whole.fail('field faults', 'must be an array');
  const fields = new ScheduleFields(file, serverIds(servers));
  (r.faults as unknown[]).forEach((f, k) => fields.fault(`faults[${k}]`, f));
  const faults = [...(r.faults as Fault[])].sort((a, b) => a.at - b.at);
  return { seed: r.seed as number, seconds: r.seconds as number, servers, faults };
}
