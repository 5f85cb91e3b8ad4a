// Real server drivers (write-ahead log, key-value store, the Ready contract)
// in one process, each on a simulated disk that loses unsynced writes when
// its machine crashes, with a seeded network between them. It lets a test
// crash a server between a WAL write and its fsync, thousands of times, and
// check the one promise that matters: no acknowledged write is ever lost.
import { SimulatedCrash, SimulatedDisk } from '../../src/storage/disk.js';
import type { WalOptions } from '../../src/storage/wal.js';
import { WalCorruption } from '../../src/storage/wal-records.js';
import { SnapshotCorruption } from '../../src/storage/snapshot-file.js';
import { ServerDriver } from '../../src/server/driver.js';
import type { Input } from '../../src/raft/node.js';
import { writeCommand } from '../../src/raft/kv.js';
import { Rng } from '../../src/random/rng.js';
import type { Envelope } from '../../src/transport/envelope.js';

export interface Acked {
  readonly index: number;
  readonly term: number;
  readonly value: string;
}

export class MemCluster {
  readonly ids: string[];
  readonly disks = new Map<string, SimulatedDisk>();
  readonly drivers = new Map<string, ServerDriver | null>();
  private inflight: Envelope[] = [];
  private readonly pending = new Map<string, Map<number, { term: number; value: string }>>();
  readonly acked: Acked[] = [];
  readonly counts = {
    crashes: 0,
    crashesBeforeSync: 0,
    tornTails: 0,
    restarts: 0,
    proposals: 0,
    diskFaults: 0,
    /** With snapshots: taken, installed from a leader, and crashes while a snapshot's file or the log's cut was written. */
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    crashesInSnapshotWrite: 0,
    crashesInLogCut: 0,
  };
  /** Servers whose write-ahead log refused to start (it held less than it had promised), with its message: they stay down. */
  readonly refused = new Map<string, string>();
  private proposals = 0;
  readonly rng: Rng;

  /**
   * `diskFaults`: now and then a server's disk fails its next fsync (EIO,
   * dropping what it was to sync) or fills up (ENOSPC); the driver's error
   * stops that server, as it stops a real one, and its machine restarts later.
   */
  constructor(
    servers: number,
    seed: number,
    private readonly wal: WalOptions,
    private readonly diskFaults = false,
    /** The drivers' snapshot policy (0: none). */
    private readonly snapshotEvery = 0,
  ) {
    this.rng = new Rng(seed);
    this.ids = Array.from({ length: servers }, (_, k) => `n${k + 1}`);
    for (const id of this.ids) {
      this.disks.set(id, new SimulatedDisk());
      this.open(id);
    }
  }

  private open(id: string): void {
    let d: ServerDriver;
    try {
      d = ServerDriver.open({
        id,
        servers: this.ids,
        disk: this.disks.get(id)!,
        walPath: `/data/${id}/wal.log`,
        wal: this.wal,
        snapshotEvery: this.snapshotEvery,
      });
    } catch (err) {
      if (!(err instanceof WalCorruption || err instanceof SnapshotCorruption)) throw err;
      this.refused.set(id, err.message);
      return;
    }
    if (d.recovery.tornTail) this.counts.tornTails++;
    this.drivers.set(id, d);
    this.pending.set(id, new Map());
  }

  private step(id: string, input: Input, envelope: Envelope | null = null): void {
    const d = this.drivers.get(id);
    if (!d) return;
    try {
      const ready = d.step(input, envelope);
      if (input.kind === 'propose' && ready.accepted) {
        const last = d.log[d.log.length - 1]!;
        this.pending.get(id)!.set(d.lastIndex, { term: last.term, value: last.value });
      }
      if (ready.installed) this.counts.snapshotsInstalled++;
      const taken = d.node.snapshotIndex;
      const f = d.flush();
      if (d.node.snapshotIndex !== taken) this.counts.snapshotsTaken++;
      this.inflight.push(...f.envelopes);
      for (const a of f.applied) {
        const p = this.pending.get(id)!.get(a.index);
        if (p && p.term === a.entry.term && p.value === a.entry.value)
          this.acked.push({ index: a.index, term: p.term, value: p.value });
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EIO' || code === 'ENOSPC') {
        this.counts.diskFaults++;
        this.crash(id);
        return;
      }
      if (!(err instanceof SimulatedCrash)) throw err;
      this.counts.crashesBeforeSync++;
      if (err.path.includes('.snapshot.')) this.counts.crashesInSnapshotWrite++;
      else if (err.during === 'replace' && this.snapshotEvery > 0) this.counts.crashesInLogCut++;
      this.crash(id);
    }
  }

  /** The machine loses power: unsynced bytes are lost, or a random prefix of them survives (a torn write). */
  crash(id: string): void {
    if (!this.drivers.get(id)) return;
    this.counts.crashes++;
    const torn = this.rng.intBetween(0, 1) === 1;
    const disk = this.disks.get(id)!;
    disk.crash((n) => (torn && n > 0 ? this.rng.intBetween(0, n) : 0));
    // The machine comes back with room on its disk.
    disk.faults.clear();
    this.drivers.set(id, null);
  }

  restart(id: string): void {
    if (this.drivers.get(id) || this.refused.has(id)) return;
    this.counts.restarts++;
    this.open(id);
  }

  /** One random action of the schedule. */
  act(): void {
    if (this.diskFaults && this.rng.intBetween(1, 100) <= 3) {
      const id = this.ids[this.rng.intBetween(0, this.ids.length - 1)]!;
      if (this.drivers.get(id)) this.disks.get(id)!.faults.arm(this.rng.intBetween(0, 1) ? 'eio' : 'full');
    }
    const r = this.rng.intBetween(1, 100);
    const id = this.ids[this.rng.intBetween(0, this.ids.length - 1)]!;
    if (r <= 50 && this.inflight.length) {
      const k = this.rng.intBetween(0, this.inflight.length - 1);
      const [e] = this.inflight.splice(k, 1);
      this.step(e!.msg.dest, { kind: 'receive', msg: e!.msg }, e!);
    } else if (r <= 53) {
      this.step(id, { kind: 'electionTimeout' });
    } else if (r <= 65) {
      this.step(id, { kind: 'heartbeatDue' });
    } else if (r <= 80) {
      const leader = this.ids.find((s) => this.drivers.get(s)?.node.currentRole === 'Leader');
      if (leader) {
        this.counts.proposals++;
        // Each write its own key, so that a write a snapshot took over can be found in the store.
        const n = ++this.proposals;
        this.step(leader, { kind: 'propose', value: writeCommand(this.snapshotEvery > 0 ? `k${n}` : 'k', `v${n}`) });
      }
    } else if (r <= 81) {
      this.crash(id);
    } else if (r <= 83 && this.drivers.get(id)) {
      // Crash at the worst moment: the step's records are written but not yet synced.
      // With snapshots, sometimes a sync or two later: while the snapshot's file or the log's cut is written.
      const disk = this.disks.get(id)!;
      if (this.snapshotEvery > 0) disk.crashAtSyncAfter(this.rng.intBetween(0, 3));
      else disk.crashAtNextSync();
      this.step(id, this.inflight.some((e) => e.msg.dest === id) ? this.deliverable(id) : { kind: 'electionTimeout' });
    } else if (r <= 92) {
      this.restart(id);
    } else if (r <= 96 && this.inflight.length) {
      this.inflight.splice(this.rng.intBetween(0, this.inflight.length - 1), 1);
    } else if (this.inflight.length) {
      this.inflight.push(this.inflight[this.rng.intBetween(0, this.inflight.length - 1)]!);
    }
  }

  private deliverable(id: string): Input {
    const k = this.inflight.findIndex((e) => e.msg.dest === id);
    const [e] = this.inflight.splice(k, 1);
    return { kind: 'receive', msg: e!.msg };
  }

  /** Every acknowledged write that a live leader of a later or equal term does not hold where it was acknowledged. */
  lostAcks(): string[] {
    const out: string[] = [];
    for (const id of this.ids) {
      const d = this.drivers.get(id);
      if (!d || d.node.currentRole !== 'Leader') continue;
      for (const a of this.acked) {
        if (a.term > d.node.term) continue;
        if (a.index <= d.node.snapshotIndex) {
          // Taken over by the snapshot: the store that restored or took it holds the write.
          const [key, value] = a.value.split('=') as [string, string];
          if (d.kv.get(key) !== value)
            out.push(
              `${id}, leader of term ${d.node.term}, lacks acknowledged write ${a.value} (entry ${a.index}, inside its snapshot up to ${d.node.snapshotIndex}); its store holds ${key}=${JSON.stringify(d.kv.get(key) ?? null)}`,
            );
          continue;
        }
        const e = d.log[a.index - d.node.snapshotIndex - 1];
        if (!e || e.term !== a.term || e.value !== a.value) {
          out.push(
            `${id}, leader of term ${d.node.term}, lacks acknowledged entry ${a.index} (${a.value}, term ${a.term}); it holds ${e ? `${e.value} of term ${e.term}` : 'nothing'} there`,
          );
        }
      }
    }
    return out;
  }

  /** The first lost acknowledged write over `steps` actions, or null. */
  run(steps: number): string | null {
    for (let s = 0; s < steps; s++) {
      this.act();
      const lost = this.lostAcks();
      if (lost.length) return `after action ${s + 1}: ${lost[0]}`;
    }
    return null;
  }
}
