// The driver a real server wraps around the pure RaftNode: it keeps the
// Ready contract that the simulator keeps in memory. Steps are taken one at a
// time; their durable changes are staged in the write-ahead log and their
// events written to the process's trace at once, while the messages they send
// wait in an outbox. flush() makes the staged changes durable (one fsync for
// the whole batch) and only then hands the outbox over for sending and the
// newly committed entries to the key-value store. Nothing here touches a
// socket or a timer, so tests drive it directly on a simulated disk.
import { RaftNode, tracedMessage, type CommittedEntry, type Input, type Ready } from '../raft/node.js';
import { KeyValueStore } from '../raft/kv.js';
import type { Entry, Guards, ServerId, Snapshot } from '../raft/types.js';
import type { Disk } from '../storage/disk.js';
import { WriteAheadLog, DEFAULT_WAL_OPTIONS, type Recovery, type WalOptions } from '../storage/wal.js';
import type { Envelope } from '../transport/envelope.js';
import type { ProcessTrace } from './process-trace.js';
import { HarnessError } from '../errors/harness-error.js';

/**
 * A server's own safety check failed: the server stops rather than go on from
 * a state Raft never reaches (the nemesis reports it as the servers' own oracle).
 */
export class ServerInvariantError extends HarnessError {}

export interface DriverOptions {
  readonly id: ServerId;
  readonly servers: readonly ServerId[];
  readonly disk: Disk;
  readonly walPath: string;
  readonly wal?: WalOptions;
  /**
   * Opens the process trace once the incarnation is known, keeping events
   * up to `keepUpTo` (what the recovered log covers; null: all); null for no trace.
   */
  readonly openTrace?: (incarnation: number, keepUpTo: number | null) => ProcessTrace | null;
  /** PreVote and CheckQuorum for the node (both off when absent). */
  readonly guards?: Guards;
  /** The most entries one AppendEntries carries (the node's default when absent). */
  readonly maxEntriesPerMessage?: number;
  /**
   * The snapshot policy: once the key-value store has applied this many
   * entries beyond the last snapshot, it saves itself and the node takes a
   * snapshot there (absent or 0: the node runs without snapshots).
   */
  readonly snapshotEvery?: number;
}

export interface AppliedEntry extends CommittedEntry {
  /** The key's value after the command (a read's answer). */
  readonly result: string | undefined;
}

export interface Flushed {
  readonly envelopes: readonly Envelope[];
  readonly applied: readonly AppliedEntry[];
  readonly resetElectionTimer: boolean;
}

export class ServerDriver {
  readonly node: RaftNode;
  readonly recovery: Recovery;
  private store: KeyValueStore;
  private readonly wal: WriteAheadLog;
  private readonly snapshotEvery: number;
  /** A snapshot the last steps installed from the leader: the store restores it at the next flush. */
  private installed: Snapshot | null = null;
  private readonly trace: ProcessTrace | null;
  private outbox: Envelope[] = [];
  private committed: CommittedEntry[] = [];
  private resetTimer = false;
  private leader: { term: number; id: ServerId | null } = { term: 0, id: null };
  private untracedSends = 0;
  /** The highest entry this incarnation has committed: it must never leave the log. */
  private committedUpTo = 0;

  private constructor(options: DriverOptions) {
    const { wal, recovery } = WriteAheadLog.open(options.disk, options.walPath, options.wal ?? DEFAULT_WAL_OPTIONS);
    this.wal = wal;
    this.recovery = recovery;
    this.trace = options.openTrace?.(recovery.incarnation, recovery.tracedUpTo) ?? null;
    this.snapshotEvery = options.snapshotEvery ?? 0;
    const snapshots = this.snapshotEvery > 0;
    const snapshot = recovery.durable?.snapshot;
    // The store restarts from the snapshot; the entries after it are applied again as the node learns they are committed.
    this.store = snapshot ? KeyValueStore.restore(snapshot) : new KeyValueStore();
    if (recovery.durable) {
      const { node, ready } = RaftNode.recover(
        options.id,
        options.servers,
        recovery.durable,
        options.guards,
        options.maxEntriesPerMessage,
        snapshots,
      );
      this.node = node;
      this.take(ready, null);
    } else {
      this.node = RaftNode.boot(options.id, options.servers, options.guards, options.maxEntriesPerMessage, snapshots);
    }
  }

  /** Recovers the server's state from its write-ahead log (a first start if there is none) and starts a new incarnation. */
  static open(options: DriverOptions): ServerDriver {
    return new ServerDriver(options);
  }

  get id(): ServerId {
    return this.node.id;
  }

  get incarnation(): number {
    return this.recovery.incarnation;
  }

  /** Takes one step. `received` is the envelope of a `receive` input. */
  step(input: Input, received: Envelope | null = null): Ready {
    const ready = this.node.step(input);
    this.take(ready, received);
    return ready;
  }

  private take(ready: Ready, received: Envelope | null): void {
    for (const e of ready.events) {
      if (e.logChange && e.logChange.keep < this.committedUpTo) {
        throw new ServerInvariantError(
          `${this.id}: invariant violated: ${e.action} cut the log back to ${e.logChange.keep} entries, but entry ${this.committedUpTo} was already committed (and applied)`,
        );
      }
    }
    for (const c of ready.committed) this.committedUpTo = Math.max(this.committedUpTo, c.index);
    this.wal.record(ready);
    const envelopes = this.trace?.record(ready.events, received);
    for (const msg of ready.messages) {
      // A snapshot's event holds its traced twin (without the content); the envelope carries the content.
      const traced = envelopes?.get(tracedMessage(msg));
      const envelope = (traced && { ...traced, msg }) ?? {
        id: `${this.id}:${this.incarnation}:${++this.untracedSends}`,
        clock: {},
        msg,
      };
      this.outbox.push(envelope);
    }
    if (ready.installed) {
      // The store jumps to the snapshot: entries committed before it in this batch are in it already.
      this.installed = ready.installed;
      this.committed = [];
    }
    for (const c of ready.committed) this.committed.push(c);
    if (ready.resetElectionTimer) this.resetTimer = true;
    this.noteLeader(ready);
  }

  /** Who this server believes leads its current term, from the leader's own AppendEntries. */
  private noteLeader(ready: Ready): void {
    const term = this.node.term;
    if (this.node.currentRole === 'Leader') this.leader = { term, id: this.id };
    for (const e of ready.events) {
      if (e.action === 'HandleAppendEntriesRequest' && e.msg && e.msg.term === e.state.term)
        this.leader = { term: e.state.term, id: e.msg.source };
    }
    if (this.leader.term !== term) this.leader = { term, id: null };
  }

  get knownLeader(): ServerId | null {
    return this.leader.id;
  }

  /** Makes the batch durable, then releases its messages and applies its committed entries. */
  flush(): Flushed {
    this.wal.sync(this.trace?.eventCount);
    if (this.installed) this.store = KeyValueStore.restore(this.installed);
    this.installed = null;
    const applied: AppliedEntry[] = [];
    for (const c of this.committed) applied.push({ ...c, result: this.store.apply(c.index, c.entry) });
    const out: Flushed = { envelopes: this.outbox, applied, resetElectionTimer: this.resetTimer };
    this.outbox = [];
    this.committed = [];
    this.resetTimer = false;
    this.compactIfDue();
    return out;
  }

  /**
   * The snapshot policy (DriverOptions.snapshotEvery). The step is taken
   * now and its snapshot file written at once (WriteAheadLog.record); the
   * cut it stages is synced with the next batch.
   */
  private compactIfDue(): void {
    const applied = this.store.lastApplied;
    if (this.snapshotEvery === 0 || applied - this.node.snapshotIndex < this.snapshotEvery) return;
    this.step({ kind: 'compact', index: applied, data: this.store.save() });
  }

  /** The key-value store, as the applied entries (and the snapshots) left it. */
  get kv(): KeyValueStore {
    return this.store;
  }

  /** The index of the log's last entry (absolute: the entries a snapshot covers count). */
  get lastIndex(): number {
    return this.node.snapshotIndex + this.node.entries.length;
  }

  /** The log after the snapshot, as it is now; for tests and status pages. */
  get log(): readonly Entry[] {
    return this.node.entries;
  }

  get walBytes(): number {
    return this.wal.sizeBytes;
  }

  /** Counts the log's compactions, each of which replaces its file. */
  get walGeneration(): number {
    return this.wal.generation;
  }

  close(): void {
    this.wal.close();
    this.trace?.close();
  }
}
