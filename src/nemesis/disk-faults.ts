// The nemesis's disk faults, and the rule they check: a server either
// recovers at least what it made durable or refuses to start; it never runs
// with less, and it never runs on after its disk failed a write or an fsync.
//   - File damage strikes a killed server's write-ahead log. Before damaging
//     it, the nemesis reads what the log and its mark promised (with this
//     project's own recovery: src/storage/wal-promise.ts) and keeps a copy.
//     At the restart the server either refuses to start (then the copy is put
//     back, as an operator restores a replaced disk, and it starts again) or
//     reports what it recovered, which must be a state the log promised.
//   - A live fault (EIO on the next fsync, a full disk) is armed in a running
//     server on a simulated disk; once it strikes, the server must stop by
//     itself (exit 70, saying why), because the writes it could not make
//     durable may be gone while it still holds them in memory.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerId } from '../raft/types.js';
import type { Rng } from '../random/rng.js';
import type { LocalCluster } from '../server/local-cluster.js';
import type { ServerStatus } from '../server/raft-server.js';
import { markPathOf } from '../storage/wal.js';
import { FileSystemDisk } from '../storage/disk.js';
import { snapshotIndexesBeside, snapshotPathOf } from '../storage/snapshot-file.js';
import { describeState, lossOf, promiseOf, recoverBytes, sameState, type LogPromise } from '../storage/wal-promise.js';
import { damageLog, type Damaged } from './disk-damage.js';
import type { Damage } from './faults.js';

export interface DiskFinding {
  readonly what: string;
  readonly lines: readonly string[];
}

interface DamagedLog {
  readonly damage: Damage;
  readonly done: Damaged;
  readonly promise: LogPromise;
  /** The log as it was before the damage (its mark is never damaged). */
  readonly original: Buffer | null;
  /** Whether this project's recovery takes the damaged log (if not, the server must refuse it too, or recover all). */
  readonly recoverable: boolean;
}

/** What a server that refuses its damaged log says last (a WalCorruption, or a SnapshotCorruption). */
const REFUSAL = /corrupt write-ahead log|damaged snapshot/;

/** The snapshot files beside the log at `walPath`, with their bytes (a recovery of the log reads them). */
function snapshotFilesBeside(walPath: string): Map<string, Buffer> {
  const disk = new FileSystemDisk();
  const files = new Map<string, Buffer>();
  for (const index of snapshotIndexesBeside(disk, walPath)) {
    const p = snapshotPathOf(walPath, index);
    files.set(p, readFileSync(p));
  }
  return files;
}

/** How long a restarted server has to answer its status or exit. */
const START_MS = 20_000;

export class DiskFaults {
  readonly findings: DiskFinding[] = [];
  private readonly damaged = new Map<ServerId, DamagedLog>();
  /** Live faults armed, with when (ms since the epoch). */
  private readonly armed = new Map<ServerId, { damage: Damage; at: number }>();

  constructor(
    private readonly cluster: LocalCluster,
    private readonly rng: Rng,
    private readonly note: (
      kind: 'disk' | 'outcome' | 'repair' | 'skipped' | 'failed',
      what: string,
      id: ServerId,
    ) => void,
  ) {}

  isDamaged(id: ServerId): boolean {
    return this.damaged.has(id);
  }

  isArmed(id: ServerId): Damage | null {
    return this.armed.get(id)?.damage ?? null;
  }

  private walPath(id: ServerId): string {
    return join(this.cluster.dataDir(id), 'wal.log');
  }

  /** Damages the log of killed server `id`, first reading what it promised. */
  damage(id: ServerId, damage: Damage): void {
    const path = this.walPath(id);
    const read = (p: string) => (existsSync(p) ? readFileSync(p) : null);
    const wal = read(path);
    const mark = read(markPathOf(path));
    const beside = snapshotFilesBeside(path);
    const promise = promiseOf(path, wal ?? Buffer.alloc(0), mark, beside);
    const done = damageLog(wal ?? Buffer.alloc(0), damage, this.rng);
    if (wal) writeFileSync(path, done.bytes);
    const recoverable = recoverBytes(path, done.bytes, mark, beside) !== null;
    this.damaged.set(id, { damage, done, promise, original: wal, recoverable });
    this.note(
      'disk',
      `${damage} on ${id}'s write-ahead log: ${done.what}; it had made durable ${describeState(promise.marked)}`,
      id,
    );
  }

  /** Restarts a server whose log was damaged and judges what it does: refuse, or start with all it promised. */
  async restartDamaged(id: ServerId): Promise<void> {
    const d = this.damaged.get(id)!;
    this.damaged.delete(id);
    const outcome = await this.startAndWatch(id);
    // An exit for any other reason than the damaged log stays for the servers' own oracle to report.
    if (outcome.kind === 'exited' && !REFUSAL.test(outcome.line))
      return this.note('failed', `${id} ended at its restart, not by refusing its damaged log: ${outcome.line}`, id);
    if (outcome.kind === 'exited') {
      this.cluster.takeExit(id, outcome.since);
      this.note('outcome', `${id} refused to start on its damaged log, as it may: ${outcome.line}`, id);
      if (d.recoverable)
        this.findings.push({
          what: `${id} refused to start after ${d.damage} on its write-ahead log, though the log still held all it promised (${describeState(d.promise.marked)})`,
          lines: [
            `the damage: ${d.done.what}`,
            outcome.line,
            'a torn or zeroed end past the synced bytes is what every crash may leave: refusing it stops the server for good',
          ],
        });
      this.repair(id, d);
      const again = await this.startAndWatch(id);
      if (again.kind === 'exited')
        this.note('failed', `${id} did not start on its restored log either: ${again.line}`, id);
      else this.note('outcome', `restarted ${id} on its restored log`, id);
      return;
    }
    if (outcome.kind === 'silent')
      return this.note('failed', `${id} neither answered nor exited within ${START_MS / 1000} s of its restart`, id);
    this.judgeRecovery(id, d, outcome.status);
  }

  private judgeRecovery(id: ServerId, d: DamagedLog, status: ServerStatus): void {
    const got = status.recovered;
    const fine =
      d.promise.allowed.length === 0 ? true : got !== null && d.promise.allowed.some((a) => sameState(a, got));
    this.note('outcome', `restarted ${id} after ${d.damage}: it recovered ${describeState(got)}`, id);
    if (fine || !d.promise.marked) return;
    this.findings.push({
      what: `${id} started with ${describeState(got)} after ${d.damage} on its write-ahead log, but it had made durable ${describeState(d.promise.marked)}: ${lossOf(d.promise.marked, got)}`,
      lines: [
        `the damage: ${d.done.what}`,
        `the states a correct recovery may start with: ${d.promise.allowed.map(describeState).join('; ')}`,
        `damage inside the bytes its mark covers must make it refuse to start; it ran with less than it had promised instead`,
      ],
    });
  }

  /** Puts back the log the damage was done to (an operator restoring the disk). */
  private repair(id: ServerId, d: DamagedLog): void {
    if (d.original) writeFileSync(this.walPath(id), d.original);
    this.note('repair', `restored ${id}'s write-ahead log as it was before the damage`, id);
  }

  /** Starts `id` and waits until it answers its status or ends by itself. */
  private async startAndWatch(
    id: ServerId,
  ): Promise<
    { kind: 'started'; status: ServerStatus } | { kind: 'exited'; line: string; since: number } | { kind: 'silent' }
  > {
    const since = Date.now();
    this.cluster.start(id);
    const deadline = Date.now() + START_MS;
    while (Date.now() < deadline) {
      const exit = this.cluster.peekExit(id, since);
      if (exit) return { kind: 'exited', line: `${exit.how}: ${exit.lastLine}`, since };
      const status = await this.cluster.status(id, 500);
      if (status) return { kind: 'started', status };
      await new Promise((r) => setTimeout(r, 50));
    }
    return { kind: 'silent' };
  }

  /** Arms a live fault in running server `id`; false (noted) if it cannot be armed. */
  async arm(id: ServerId, damage: Damage, why: string): Promise<boolean> {
    try {
      const res = await fetch(`${this.cluster.clientUrl(id)}/fault/disk`, {
        method: 'POST',
        body: damage,
        signal: AbortSignal.timeout(2000),
      });
      const body = (await res.json()) as { ok: boolean; error?: string };
      if (!body.ok) {
        this.note('skipped', `skipped ${damage} on ${id}: ${body.error ?? res.status}`, id);
        return false;
      }
    } catch (err) {
      this.note('skipped', `skipped ${damage} on ${id}: it did not answer (${(err as Error).message})`, id);
      return false;
    }
    this.armed.set(id, { damage, at: Date.now() });
    this.note(
      'disk',
      `${damage === 'eio' ? 'the next fsync fails (EIO)' : 'the disk is full (ENOSPC)'} on ${id}${why}`,
      id,
    );
    return true;
  }

  /**
   * After a live fault's time: a server that stopped on it did right; one
   * that runs on after it struck is a finding; then it is killed (if it runs)
   * so that the caller restarts it on a healthy disk.
   */
  async judgeLive(id: ServerId, damage: Damage): Promise<void> {
    const since = this.armed.get(id)?.at ?? Date.now();
    this.armed.delete(id);
    const exit = this.cluster.peekExit(id, since);
    if (exit && /injected disk fault/.test(exit.lastLine)) {
      this.cluster.takeExit(id, since);
      this.note('outcome', `${id} stopped by itself when its disk failed, as it must: ${exit.lastLine}`, id);
      return;
    }
    if (exit) return; // it ended for another reason: the servers' own oracle reports it
    const status = await this.cluster.status(id);
    const struck = status?.disk?.struck ?? [];
    if (status && struck.length)
      this.findings.push({
        what: `${id} went on running after its disk failed (${struck.map((s) => `${s.fault === 'eio' ? 'EIO at an fsync' : 'ENOSPC at a write'} of ${s.path}`).join('; ')}): it must stop, since what it could not make durable may already be gone`,
        lines: [`it still answered as ${status.role} of term ${status.term} with ${status.logLength} entries`],
      });
    else if (status) this.note('outcome', `${damage} on ${id} never struck (it wrote nothing meanwhile)`, id);
    await this.cluster.kill(id);
  }
}
