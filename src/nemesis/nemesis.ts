// Carries out a fault schedule (src/nemesis/faults.ts) on a running cluster:
// signals to the server processes it started, and link faults set on the
// network proxy. Each fault is undone after its length; whatever is still in
// force when the run ends (or fails) is undone by healAll(), so that every
// server runs and every link is healthy before the cluster is stopped.
// What was actually done, and when, is kept for the run's report: the
// schedule says "the leader", the log says which server that was.
import type { ServerId } from '../raft/types.js';
import type { LocalCluster } from '../server/local-cluster.js';
import { Rng } from '../random/rng.js';
import {
  between,
  describeFault,
  LIVE_DAMAGE,
  type Damage,
  type Fault,
  type FaultSchedule,
  type Target,
} from './faults.js';
import { HEALTHY, type NetworkProxy } from './proxy.js';
import { DiskFaults, type DiskFinding } from './disk-faults.js';

export type AppliedKind =
  | 'kill'
  | 'restart'
  | 'pause'
  | 'resume'
  | 'partition'
  | 'flaky'
  | 'heal'
  | 'disk'
  | 'outcome'
  | 'repair'
  | 'skipped'
  | 'failed';

export interface AppliedFault {
  /** Milliseconds since the workload started. */
  readonly at: number;
  readonly kind: AppliedKind;
  readonly what: string;
  /** The server it acted on: a kill, restart, pause or resume, a disk fault and what came of it. */
  readonly server?: ServerId;
  /** The directed links it cut (a partition) or made flaky (every link). */
  readonly links?: ReadonlyArray<readonly [ServerId, ServerId]>;
}

export class Nemesis {
  readonly applied: AppliedFault[] = [];
  /** When each server was SIGSTOPped and SIGCONTed (ms since the epoch), for the message account. */
  readonly pauses: Array<{ readonly id: ServerId; readonly from: number; to: number | null }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly killed = new Set<ServerId>();
  private readonly paused = new Set<ServerId>();
  private readonly rng: Rng;
  private start = 0;
  private stopped = false;
  private pending: Promise<void> = Promise.resolve();
  private readonly disk: DiskFaults;

  constructor(
    private readonly schedule: FaultSchedule,
    private readonly cluster: LocalCluster,
    private readonly proxy: NetworkProxy,
  ) {
    this.rng = new Rng(schedule.seed ^ 0x0ddba11);
    this.disk = new DiskFaults(cluster, new Rng(schedule.seed ^ 0x5ec7), (kind, what, id) =>
      this.note(kind, what, { server: id }),
    );
  }

  /** What the disk faults found: a server that ran with less than it had made durable, or ran on after its disk failed. */
  get diskFindings(): readonly DiskFinding[] {
    return this.disk.findings;
  }

  /** Starts the clock: every fault strikes at its time from now. */
  begin(): void {
    this.start = performance.now();
    for (const f of this.schedule.faults) this.later(f.at, () => this.strike(f));
  }

  private note(kind: AppliedKind, what: string, where: Pick<AppliedFault, 'server' | 'links'> = {}): void {
    this.applied.push({ at: Math.round(performance.now() - this.start), kind, what, ...where });
  }

  /** Does `act` (a fault or its undoing) `ms` from now, one at a time: a kill waits for the process to be gone. */
  private later(ms: number, act: () => Promise<void> | void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.pending = this.pending.then(act).catch((err) => this.note('failed', (err as Error).message));
    }, ms);
    this.timers.add(t);
  }

  /** The server that leads now (highest term among those that say so), else one picked at random. */
  private async resolve(target: Target): Promise<{ id: ServerId; why: string }> {
    if (target !== 'leader') return { id: target, why: '' };
    const all = await this.cluster.statuses();
    let best: { id: ServerId; term: number } | null = null;
    for (const [id, s] of Object.entries(all))
      if (s && s.role === 'Leader' && (!best || s.term > best.term)) best = { id, term: s.term };
    if (best) return { id: best.id, why: ` (the leader, term ${best.term})` };
    const up = this.cluster.ids.filter((id) => !this.killed.has(id));
    return {
      id: up[this.rng.intBetween(0, up.length - 1)] ?? this.cluster.ids[0]!,
      why: ' (no leader: picked at random)',
    };
  }

  /** The links a partition cuts: as listed, or around the server that leads (or the first that follows) when it strikes. */
  private async resolveCut(
    cut: Extract<Fault, { kind: 'partition' }>['cut'],
    shape: string,
  ): Promise<{ cut: ReadonlyArray<readonly [ServerId, ServerId]>; shape: string }> {
    if (cut === 'leader') {
      const { id, why } = await this.resolve('leader');
      return { cut: between([id], this.cluster.ids), shape: `isolate ${id}${why}` };
    }
    if (cut === 'follower') {
      // The first live server by id that does not lead: the same one each time while the leader stays.
      const leader = (await this.resolve('leader')).id;
      const id = this.cluster.ids.find((x) => x !== leader && !this.killed.has(x)) ?? this.cluster.ids[0]!;
      return { cut: between([id], this.cluster.ids), shape: `${shape}: ${id}` };
    }
    return { cut, shape };
  }

  private async strike(f: Fault): Promise<void> {
    if (this.stopped) return;
    switch (f.kind) {
      case 'kill': {
        const { id, why } = await this.resolve(f.target);
        if (this.killed.has(id) || this.paused.has(id))
          return this.note('skipped', `skipped ${describeFault(f)}: ${id} is already down`);
        this.killed.add(id);
        await this.cluster.kill(id);
        this.note('kill', `SIGKILL ${id}${why}`, { server: id });
        this.later(f.restartAfter, () => this.restart(id));
        return;
      }
      case 'disk':
        return this.strikeDisk(f.target, f.damage, f.restartAfter, describeFault(f));
      case 'pause': {
        const { id, why } = await this.resolve(f.target);
        if (this.killed.has(id) || this.paused.has(id))
          return this.note('skipped', `skipped ${describeFault(f)}: ${id} is already down`);
        const from = Date.now();
        if (!this.cluster.suspend(id, true))
          return this.note('skipped', `skipped ${describeFault(f)}: ${id} does not run`);
        this.paused.add(id);
        this.pauses.push({ id, from, to: null });
        this.note('pause', `SIGSTOP ${id}${why}`, { server: id });
        this.later(f.resumeAfter, () => this.resume(id));
        return;
      }
      case 'partition': {
        const { cut, shape } = await this.resolveCut(f.cut, f.shape);
        this.proxy.healAll();
        for (const [from, to] of cut) this.proxy.setLink(from, to, { ...HEALTHY, cut: true });
        this.note('partition', `partition: ${shape}`, { links: cut });
        this.later(f.healAfter, () => this.heal('partition healed'));
        return;
      }
      case 'flaky': {
        this.proxy.healAll();
        for (const from of this.cluster.ids) {
          for (const to of this.cluster.ids)
            if (from !== to)
              this.proxy.setLink(from, to, { cut: false, drop: f.drop, duplicate: f.duplicate, delayMs: f.delayMs });
        }
        this.note('flaky', describeFault(f).replace(/ for .*$/, ''), {
          links: between(this.cluster.ids, this.cluster.ids, true),
        });
        this.later(f.healAfter, () => this.heal('links healthy again'));
        return;
      }
    }
  }

  /**
   * A file damage: SIGKILL, damage the log, and (after `after`) the restart
   * the disk faults judge. A live one: arm it, and after `after` see whether
   * the server stopped by itself; then it is killed if it runs on, and restarted.
   */
  private async strikeDisk(target: Target, damage: Damage, after: number, fault: string): Promise<void> {
    const { id, why } = await this.resolve(target);
    if (this.killed.has(id) || this.paused.has(id))
      return this.note('skipped', `skipped ${fault}: ${id} is already down`);
    this.killed.add(id);
    if (LIVE_DAMAGE.includes(damage)) {
      if (!(await this.disk.arm(id, damage, why))) {
        this.killed.delete(id);
        return;
      }
      this.later(after, () => this.disk.judgeLive(id, damage).then(() => this.restart(id)));
      return;
    }
    await this.cluster.kill(id);
    this.note('kill', `SIGKILL ${id}${why}`, { server: id });
    this.disk.damage(id, damage);
    this.later(after, () => this.restartDamaged(id));
  }

  private async restartDamaged(id: ServerId): Promise<void> {
    if (!this.killed.delete(id)) return;
    await this.disk.restartDamaged(id);
  }

  private restart(id: ServerId): void {
    if (!this.killed.delete(id)) return;
    this.cluster.start(id);
    this.note('restart', `restarted ${id}`, { server: id });
  }

  private resume(id: ServerId): void {
    if (!this.paused.delete(id)) return;
    this.cluster.suspend(id, false);
    const open = this.pauses.find((p) => p.id === id && p.to === null);
    if (open) open.to = Date.now();
    this.note('resume', `SIGCONT ${id}`, { server: id });
  }

  private heal(what: string): void {
    this.proxy.healAll();
    this.note('heal', what);
  }

  /** Cancels what has not struck yet and undoes what is in force: every server runs, every link is healthy. */
  async healAll(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.pending.catch(() => {});
    for (const id of [...this.paused]) this.resume(id);
    for (const id of [...this.killed]) {
      if (this.disk.isDamaged(id)) await this.restartDamaged(id);
      else if (this.disk.isArmed(id))
        await this.disk.judgeLive(id, this.disk.isArmed(id)!).then(() => this.restart(id));
      else this.restart(id);
    }
    this.proxy.healAll();
  }
}
