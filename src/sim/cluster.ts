// A whole Raft cluster in one process. The cluster owns everything the
// protocol does not: time (election and heartbeat countdowns, randomized from
// the seeded generator), the network (messages in flight, partitions), stable
// storage, crashes and clients. Every server step is traced and followed by a
// check of the global safety invariants.
import { KeyValueStore } from '../raft/kv.js';
import { MAX_ENTRIES_PER_MESSAGE, RaftNode, type Input, type Ready } from '../raft/node.js';
import type { DurableState, Entry, Message, ServerId, ServerState } from '../raft/types.js';
import { TRACE_FORMAT, TRACE_VERSION, type TraceHeader } from '../trace/events.js';
import { TraceRecorder, type TraceFileWriter } from '../trace/recorder.js';
import { SafetyMonitor, type ServerView } from './invariants.js';
import { Network } from './network.js';
import { Rng } from './rng.js';

export interface Timing {
  /** Election countdowns are drawn uniformly from [min, max] ticks. */
  readonly electionTimeoutMin: number;
  readonly electionTimeoutMax: number;
  /** A leader sends AppendEntries (a candidate re-sends RequestVote) this often, in ticks. */
  readonly heartbeatInterval: number;
  /** A message is delivered (or lost to a partition or crash) at most this many ticks after it was sent. */
  readonly maxDelay: number;
}

export const DEFAULT_TIMING: Timing = { electionTimeoutMin: 10, electionTimeoutMax: 20, heartbeatInterval: 3, maxDelay: 8 };

export interface ClusterConfig {
  readonly size: number;
  readonly seed: number;
  readonly timing?: Timing;
  /** Extra parameters recorded in the trace header (the schedule's, when a schedule drives the run). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Where the trace goes line by line; without it the trace is kept in memory. */
  readonly traceFile?: TraceFileWriter;
}

interface Slot {
  readonly id: ServerId;
  /** null while crashed. */
  node: RaftNode | null;
  /** What the server last wrote to stable storage. */
  durable: DurableState | null;
  kv: KeyValueStore;
  electionCountdown: number;
  heartbeatCountdown: number;
}

export function serverIds(size: number): ServerId[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`cluster size must be a positive integer, got ${size}`);
  return Array.from({ length: size }, (_, k) => `n${k + 1}`);
}

export class Cluster {
  readonly servers: readonly ServerId[];
  readonly timing: Timing;
  readonly network = new Network();
  readonly recorder: TraceRecorder;
  private readonly slots = new Map<ServerId, Slot>();
  private readonly monitor = new SafetyMonitor();
  private readonly rng: Rng;
  /** Partition group of each server; null when the network is whole. */
  private groups: Map<ServerId, number> | null = null;
  private proposals = 0;
  private now = 0;

  constructor(config: ClusterConfig) {
    this.servers = serverIds(config.size);
    this.timing = config.timing ?? DEFAULT_TIMING;
    this.rng = new Rng(config.seed);
    const header: TraceHeader = {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      nodes: this.servers,
      seed: config.seed,
      params: { ...this.timing, maxEntriesPerMessage: MAX_ENTRIES_PER_MESSAGE, ...config.params },
    };
    this.recorder = new TraceRecorder(header, config.traceFile ?? null);
    for (const id of this.servers) {
      this.slots.set(id, {
        id,
        node: RaftNode.boot(id, this.servers),
        durable: null,
        kv: new KeyValueStore(),
        electionCountdown: this.randomElectionTimeout(),
        heartbeatCountdown: this.timing.heartbeatInterval,
      });
    }
  }

  // --- Time ----------------------------------------------------------------

  /**
   * One tick of the clock: messages sent maxDelay ticks ago or earlier arrive
   * (oldest first), then countdowns run down and those that reach zero fire.
   */
  tick(): void {
    this.now++;
    for (let k = this.network.oldestSentBy(this.now - this.timing.maxDelay); k >= 0; k = this.network.oldestSentBy(this.now - this.timing.maxDelay)) {
      this.deliver(k);
    }
    for (const slot of this.slots.values()) {
      if (!slot.node) continue;
      if (--slot.electionCountdown <= 0) {
        slot.electionCountdown = this.randomElectionTimeout();
        this.stepNode(slot, { kind: 'electionTimeout' });
      }
      if (--slot.heartbeatCountdown <= 0) {
        slot.heartbeatCountdown = this.timing.heartbeatInterval;
        this.stepNode(slot, { kind: 'heartbeatDue' });
      }
    }
  }

  /** Fires a server's election timeout now, whatever its countdown says. */
  timeout(id: ServerId): void {
    const slot = this.slot(id);
    if (!slot.node) return;
    slot.electionCountdown = this.randomElectionTimeout();
    this.stepNode(slot, { kind: 'electionTimeout' });
  }

  /** Makes a server's heartbeat due now (a leader sends AppendEntries, a candidate re-sends RequestVote). */
  heartbeat(id: ServerId): void {
    const slot = this.slot(id);
    if (!slot.node) return;
    slot.heartbeatCountdown = this.timing.heartbeatInterval;
    this.stepNode(slot, { kind: 'heartbeatDue' });
  }

  // --- Network ---------------------------------------------------------------

  /** Delivers the in-flight message at `pick` (modulo their number); lost if it cannot arrive. */
  deliver(pick: number): Message | undefined {
    const m = this.network.take(pick);
    if (!m) return undefined;
    const dest = this.slot(m.dest);
    if (!dest.node || !this.connected(m.source, m.dest)) {
      this.recorder.record({ action: 'DropMessage', msg: m });
    } else {
      this.stepNode(dest, { kind: 'receive', msg: m });
    }
    return m;
  }

  /** Delivers the first in-flight message that satisfies `pred`; false if there is none. */
  deliverWhere(pred: (m: Message) => boolean): boolean {
    const index = this.network.messages().findIndex(pred);
    if (index < 0) return false;
    this.deliver(index);
    return true;
  }

  /** Delivers every message in flight now, oldest first; replies they cause stay in flight. */
  deliverAll(): void {
    for (let n = this.network.size; n > 0; n--) this.deliver(0);
  }

  /** Delivers until nothing is in flight, or `limit` deliveries have happened. */
  settle(limit = 1000): void {
    for (let n = 0; n < limit && this.network.size > 0; n++) this.deliver(0);
  }

  drop(pick: number): void {
    const m = this.network.take(pick);
    if (m) this.recorder.record({ action: 'DropMessage', msg: m });
  }

  /** Drops every in-flight message that satisfies `pred`. */
  dropWhere(pred: (m: Message) => boolean): void {
    for (let k = this.network.size - 1; k >= 0; k--) {
      if (pred(this.network.messages()[k]!)) this.drop(k);
    }
  }

  duplicate(pick: number): void {
    const m = this.network.peek(pick);
    if (!m) return;
    this.network.send(m, this.now);
    this.recorder.record({ action: 'DuplicateMessage', msg: m });
  }

  /** Splits the servers into `side` and the rest; messages across the cut are lost on delivery. */
  partition(side: readonly ServerId[]): void {
    for (const id of side) this.slot(id);
    this.groups = new Map(this.servers.map((id) => [id, side.includes(id) ? 1 : 0]));
  }

  heal(): void {
    this.groups = null;
  }

  connected(a: ServerId, b: ServerId): boolean {
    return !this.groups || this.groups.get(a) === this.groups.get(b);
  }

  // --- Crashes ---------------------------------------------------------------

  /** The server stops at once; only what it persisted survives. */
  crash(id: ServerId): void {
    this.slot(id).node = null;
  }

  restart(id: ServerId): void {
    const slot = this.slot(id);
    if (slot.node) return;
    const { node, ready } = RaftNode.recover(id, this.servers, slot.durable);
    slot.node = node;
    slot.kv = new KeyValueStore();
    slot.electionCountdown = this.randomElectionTimeout();
    slot.heartbeatCountdown = this.timing.heartbeatInterval;
    this.handleReady(slot, ready);
  }

  // --- Clients ---------------------------------------------------------------

  /**
   * A client sends `key=<fresh value>` to the leader with the highest term
   * among live servers (what a client finds by following redirects). Returns
   * the value, or null when no live server believes it leads.
   */
  clientRequest(key: string): string | null {
    const leader = this.leader();
    return leader ? this.clientRequestTo(leader, key) : null;
  }

  /** A client sends `key=<fresh value>` to one server; null if it is down or not a leader. */
  clientRequestTo(id: ServerId, key: string): string | null {
    const slot = this.slot(id);
    if (!slot.node) return null;
    const value = `${key}=v${++this.proposals}`;
    return this.stepNode(slot, { kind: 'propose', value }).accepted ? value : null;
  }

  // --- Inspection ------------------------------------------------------------

  isAlive(id: ServerId): boolean {
    return this.slot(id).node !== null;
  }

  /** The live server that believes it leads with the highest term, if any. */
  leader(): ServerId | null {
    let best: RaftNode | null = null;
    for (const slot of this.slots.values()) {
      const n = slot.node;
      if (n && n.currentRole === 'Leader' && (!best || n.term > best.term)) best = n;
    }
    return best ? best.id : null;
  }

  state(id: ServerId): ServerState {
    const node = this.slot(id).node;
    if (!node) throw new Error(`${id} is crashed`);
    return node.state;
  }

  kv(id: ServerId): KeyValueStore {
    return this.slot(id).kv;
  }

  /** The longest prefix of entries any server has applied. */
  committedEntries(): Entry[] {
    return this.monitor.committedEntries();
  }

  // --- Internals -------------------------------------------------------------

  private slot(id: ServerId): Slot {
    const slot = this.slots.get(id);
    if (!slot) throw new Error(`unknown server ${id}; the cluster is ${this.servers.join(', ')}`);
    return slot;
  }

  private randomElectionTimeout(): number {
    return this.rng.intBetween(this.timing.electionTimeoutMin, this.timing.electionTimeoutMax);
  }

  private stepNode(slot: Slot, input: Input): Ready {
    const ready = slot.node!.step(input);
    this.handleReady(slot, ready);
    return ready;
  }

  private handleReady(slot: Slot, ready: Ready): void {
    // Stable storage first: the messages below may depend on it.
    if (ready.persist) slot.durable = ready.persist;
    for (const e of ready.events) this.recorder.record(e);
    for (const m of ready.messages) this.network.send(m, this.now);
    for (const c of ready.committed) slot.kv.apply(c.index, c.entry);
    if (ready.resetElectionTimer) slot.electionCountdown = this.randomElectionTimeout();
    this.monitor.afterStep({
      actor: this.view(slot),
      logChanged: ready.logChanged,
      applied: ready.committed,
      others: [...this.slots.values()].filter((s) => s !== slot).map((s) => this.view(s)),
    });
  }

  private view(slot: Slot): ServerView {
    const n = slot.node;
    if (n) {
      return { id: slot.id, alive: true, term: n.term, role: n.currentRole, log: n.entries, commitIndex: n.committedIndex };
    }
    return {
      id: slot.id,
      alive: false,
      term: slot.durable?.currentTerm ?? 0,
      role: 'Follower',
      log: slot.durable?.log ?? [],
      commitIndex: 0,
    };
  }
}
