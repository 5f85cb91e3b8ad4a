// A whole Raft cluster in one process. The cluster owns everything the
// protocol does not: time (election and heartbeat countdowns, randomized from
// the seeded generator), the network (messages in flight, partitions), stable
// storage, crashes, traps that strike in narrow windows, and clients (ones
// that find the leader, and ones that only think they know it). Every server
// step is traced and followed by a check of the global safety invariants;
// on request, the cluster also keeps the one its trace describes, so that
// checkLogged() can find anything that happened without an event.
import { KeyValueStore } from '../raft/kv.js';
import { MAX_ENTRIES_PER_MESSAGE, RaftNode, tracedMessage, type Input, type Ready } from '../raft/node.js';
import {
  NO_GUARDS,
  type DurableState,
  type Entry,
  type Guards,
  type Message,
  type ServerId,
  type ServerState,
} from '../raft/types.js';
import {
  guardParams,
  snapshotParams,
  SNAPSHOT_TRACE_VERSION,
  TRACE_FORMAT,
  TRACE_VERSION,
  type TraceHeader,
  type UnnumberedEvent,
} from '../raft/events.js';
import { LoggedWorld, stateDifference } from '../trace/logged-world.js';
import { TraceRecorder, type TraceFileWriter } from '../trace/recorder.js';
import { windowsOf, type FaultWindow, type Trap } from './fault-windows.js';
import { SafetyMonitor, type ServerView } from './invariants.js';
import { Network } from './network.js';
import { Rng } from '../random/rng.js';

export interface Timing {
  /** Election countdowns are drawn uniformly from [min, max] ticks. */
  readonly electionTimeoutMin: number;
  readonly electionTimeoutMax: number;
  /** A leader sends AppendEntries (a candidate re-sends RequestVote) this often, in ticks. */
  readonly heartbeatInterval: number;
  /** A message is delivered (or lost to a partition or crash) at most this many ticks after it was sent. */
  readonly maxDelay: number;
}

export const DEFAULT_TIMING: Timing = {
  electionTimeoutMin: 10,
  electionTimeoutMax: 20,
  heartbeatInterval: 3,
  maxDelay: 8,
};

export interface ClusterConfig {
  readonly size: number;
  readonly seed: number;
  readonly timing?: Timing;
  /** Extra parameters recorded in the trace header (the schedule's, when a schedule drives the run). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Where the trace goes line by line; without it the trace is kept in memory. */
  readonly traceFile?: TraceFileWriter;
  /** Rebuild the cluster from the trace as it is recorded, so that checkLogged() can compare. */
  readonly checkLogged?: boolean;
  /** PreVote and CheckQuorum for every server (both off when absent: the Raft paper's protocol). */
  readonly guards?: Guards;
  /** The most entries one AppendEntries carries (MAX_ENTRIES_PER_MESSAGE when absent). */
  readonly maxEntriesPerMessage?: number;
  /**
   * The snapshot policy: a server compacts its log into a snapshot once it
   * has applied this many entries since its last one (absent or 0: never;
   * the trace is then format version 4, as before snapshots).
   */
  readonly snapshotEvery?: number;
}

/** Something happened that no trace event shows: found by comparing the real cluster with the one its trace describes. */
export class UnloggedStep extends Error {
  constructor(readonly detail: string) {
    super(`unlogged step: ${detail}`);
  }
}

/** Who a client request reached: the role of its target at that moment. */
export const CLIENT_TARGETS = [
  'leader',
  'deposed leader',
  'candidate',
  'follower',
  'crashed',
  'no leader known',
] as const;
export type ClientTarget = (typeof CLIENT_TARGETS)[number];

/** A server as the progress oracle sees it (no copies): what the safety monitor sees, and how far it has applied. */
export interface ServerSnapshot extends ServerView {
  readonly lastApplied: number;
}

interface Slot {
  readonly id: ServerId;
  /** null while crashed. */
  node: RaftNode | null;
  /** What the server last wrote to stable storage. */
  durable: DurableState | null;
  kv: KeyValueStore;
  /** The log length its events last reported: a change keeping less than this truncated the log. */
  loggedLength: number;
  electionCountdown: number;
  heartbeatCountdown: number;
}

/** The snapshot policy, checked once: 0 (none) or a positive integer. */
function snapshotPolicy(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`snapshotEvery must be 0 or a positive integer, got ${n}`);
  return n;
}

export function serverIds(size: number): ServerId[] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`cluster size must be a positive integer, got ${size}`);
  return Array.from({ length: size }, (_, k) => `n${k + 1}`);
}

export class Cluster {
  readonly servers: readonly ServerId[];
  private readonly actions: Partial<Record<string, number>> = {};
  readonly timing: Timing;
  /** The run's seed: the progress phase draws its own delays and link failure from it. */
  readonly seed: number;
  readonly network = new Network();
  readonly recorder: TraceRecorder;
  private readonly slots = new Map<ServerId, Slot>();
  private readonly monitor = new SafetyMonitor();
  private readonly rng: Rng;
  /** Partition group of each server; null when the network is whole. */
  private groups: Map<ServerId, number> | null = null;
  /** One-way link failures, as `source>dest`: messages that way are lost. */
  private readonly cutLinks = new Set<string>();
  /** Crashed servers, in the order they crashed. */
  private readonly down: ServerId[] = [];
  private traps: Trap[] = [];
  /** The leader a client last saw (the last to accept a command); it may have been deposed or crashed since. */
  private lastSeenLeader: ServerId | null = null;
  private readonly logged: LoggedWorld | null;
  /** Servers that stepped since the last checkLogged: only a step changes a server's state. */
  private readonly touched = new Set<Slot>();
  private proposals = 0;
  /** How often links may have come back (a partition redrawn, a heal, a restart): a cut-off leader may have heard from a majority since. */
  reconnections = 0;
  readonly guards: Guards;
  readonly maxEntriesPerMessage: number;
  /** The snapshot policy (0: no snapshots). */
  readonly snapshotEvery: number;
  private now = 0;
  /** Elections won, and the highest term any event reached: what availability reports besides leaderless time. */
  elections = 0;
  highestTerm = 0;
  /** Client requests (the adversary's, counted) that a leader accepted, and those no server took. */
  readonly requests = { accepted: 0, refused: 0 };
  /** How often clients reached each kind of target, and each trap's window was hit. */
  readonly clientTargets: Partial<Record<ClientTarget, number>> = {};
  readonly windowHits: Partial<Record<FaultWindow, number>> = {};

  constructor(config: ClusterConfig) {
    this.servers = serverIds(config.size);
    this.timing = config.timing ?? DEFAULT_TIMING;
    this.seed = config.seed;
    this.guards = config.guards ?? NO_GUARDS;
    this.maxEntriesPerMessage = config.maxEntriesPerMessage ?? MAX_ENTRIES_PER_MESSAGE;
    this.snapshotEvery = snapshotPolicy(config.snapshotEvery ?? 0);
    this.rng = new Rng(config.seed);
    const header: TraceHeader = {
      format: TRACE_FORMAT,
      version: this.snapshotEvery > 0 ? SNAPSHOT_TRACE_VERSION : TRACE_VERSION,
      nodes: this.servers,
      seed: config.seed,
      params: {
        ...this.timing,
        maxEntriesPerMessage: this.maxEntriesPerMessage,
        ...config.params,
        ...guardParams(this.guards),
        ...snapshotParams(this.snapshotEvery),
      },
    };
    this.recorder = new TraceRecorder(header, config.traceFile ?? null);
    for (const id of this.servers) {
      this.slots.set(id, {
        id,
        node: RaftNode.boot(id, this.servers, this.guards, this.maxEntriesPerMessage, this.snapshotEvery > 0),
        durable: null,
        kv: new KeyValueStore(),
        loggedLength: 0,
        electionCountdown: this.randomElectionTimeout(),
        heartbeatCountdown: this.timing.heartbeatInterval,
      });
    }
    this.logged = config.checkLogged ? new LoggedWorld(this.servers, this.guards) : null;
  }

  // --- Time ----------------------------------------------------------------

  /**
   * One tick of the clock: messages sent maxDelay ticks ago or earlier arrive
   * (oldest first), then countdowns run down and those that reach zero fire.
   */
  tick(): void {
    this.now++;
    for (
      let k = this.network.oldestSentBy(this.now - this.timing.maxDelay);
      k >= 0;
      k = this.network.oldestSentBy(this.now - this.timing.maxDelay)
    ) {
      this.deliver(k);
    }
    for (const slot of this.slots.values()) {
      if (!slot.node) continue;
      if (--slot.electionCountdown <= 0) {
        slot.electionCountdown = this.randomElectionTimeout();
        this.stepNode(slot, { kind: 'electionTimeout' });
      }
      // A trap may have crashed it in that step.
      if (!slot.node) continue;
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
      this.record({ action: 'DropMessage', msg: tracedMessage(m) });
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
    if (m) this.record({ action: 'DropMessage', msg: tracedMessage(m) });
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
    this.record({ action: 'DuplicateMessage', msg: tracedMessage(m) });
  }

  /** Splits the servers into `side` and the rest; messages across the cut are lost on delivery. */
  partition(side: readonly ServerId[]): void {
    for (const id of side) this.slot(id);
    this.reconnections++;
    this.groups = new Map(this.servers.map((id) => [id, side.includes(id) ? 1 : 0]));
  }

  /** Messages from `source` to `dest` are lost from now on; the other way still works. */
  cutLink(source: ServerId, dest: ServerId): void {
    this.slot(source);
    this.slot(dest);
    if (source !== dest) this.cutLinks.add(`${source}>${dest}`);
  }

  /** Mends every partition and every cut link. */
  heal(): void {
    this.reconnections++;
    this.groups = null;
    this.cutLinks.clear();
  }

  /** Whether a message from `a` to `b` can arrive. */
  connected(a: ServerId, b: ServerId): boolean {
    return (!this.groups || this.groups.get(a) === this.groups.get(b)) && !this.cutLinks.has(`${a}>${b}`);
  }

  // --- Targeted faults ---------------------------------------------------------

  /** Arms a trap: its fault strikes right after the step in which its server next opens its window. */
  arm(trap: Trap): void {
    this.slot(trap.server);
    this.traps.push(trap);
  }

  /** Ends every fault: disarms the traps, mends the network, restarts the crashed servers. */
  endFaults(): void {
    this.traps = [];
    this.heal();
    while (this.down.length > 0) this.restart(this.down[0]!);
  }

  // --- Crashes ---------------------------------------------------------------

  /** The server stops at once; only what it persisted survives. */
  crash(id: ServerId): void {
    const slot = this.slot(id);
    if (!slot.node) return;
    slot.node = null;
    this.down.push(id);
  }

  /** The crashed servers, in the order they crashed. */
  get crashed(): readonly ServerId[] {
    return this.down;
  }

  restart(id: ServerId): void {
    const slot = this.slot(id);
    if (slot.node) return;
    this.down.splice(this.down.indexOf(id), 1);
    this.reconnections++;
    const { node, ready } = RaftNode.recover(
      id,
      this.servers,
      slot.durable,
      this.guards,
      this.maxEntriesPerMessage,
      this.snapshotEvery > 0,
    );
    slot.node = node;
    // The state machine restarts from the snapshot, if the server persisted one.
    slot.kv = slot.durable?.snapshot ? KeyValueStore.restore(slot.durable.snapshot) : new KeyValueStore();
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
    if (!leader) {
      this.count(this.clientTargets, 'no leader known');
      this.requests.refused++;
      return null;
    }
    return this.clientRequestTo(leader, key);
  }

  /**
   * A client with stale information, as real clients are: with an even
   * `pick` it goes to the last leader any client saw (deposed or crashed
   * since, perhaps), otherwise to server `pick / 2` modulo the cluster size,
   * whatever its role.
   */
  staleClientRequest(key: string, pick: number): string | null {
    const target =
      pick % 2 === 0 && this.lastSeenLeader ? this.lastSeenLeader : this.servers[(pick >> 1) % this.servers.length]!;
    return this.clientRequestTo(target, key);
  }

  /**
   * A client sends `key=<fresh value>` to one server; null if it is down or
   * not a leader. `counted`: whether it shows in clientTargets (the
   * adversary's clients do; the progress oracle's probe does not).
   */
  clientRequestTo(id: ServerId, key: string, counted = true): string | null {
    const slot = this.slot(id);
    if (counted) this.count(this.clientTargets, this.targetRole(slot));
    if (!slot.node) {
      if (counted) this.requests.refused++;
      return null;
    }
    const value = `${key}=v${++this.proposals}`;
    const accepted = this.stepNode(slot, { kind: 'propose', value }).accepted;
    if (counted) this.requests[accepted ? 'accepted' : 'refused']++;
    if (accepted) this.lastSeenLeader = id;
    return accepted ? value : null;
  }

  // --- Inspection ------------------------------------------------------------

  isAlive(id: ServerId): boolean {
    return this.slot(id).node !== null;
  }

  /** The live server that believes it leads with the highest term, if any. */
  /**
   * Whether some leader could commit now: a live leader with two-way links to
   * a majority of the cluster (itself included) none of whose members holds a
   * newer term (such a member would refuse its entries). A server cut off
   * with a higher term does not count against it until it returns. What
   * availability counts, tick by tick.
   */
  canCommit(): boolean {
    return this.liveLeaders().some((n) => this.reachesMajority(n));
  }

  /** Whether some live server holds the Leader role but could not commit (cut off, or a majority is past its term). */
  strandedLeader(): boolean {
    return this.liveLeaders().some((n) => !this.reachesMajority(n));
  }

  /** The live leaders without two-way links to a majority of live servers (themselves included), whatever the terms. */
  cutOffLeaders(): ServerId[] {
    const up = (a: ServerId, b: ServerId) => this.slot(b).node !== null && this.connected(a, b) && this.connected(b, a);
    return this.liveLeaders()
      .filter((n) => this.servers.filter((id) => id === n.id || up(n.id, id)).length * 2 <= this.servers.length)
      .map((n) => n.id);
  }

  private liveLeaders(): RaftNode[] {
    const out: RaftNode[] = [];
    for (const slot of this.slots.values()) if (slot.node?.currentRole === 'Leader') out.push(slot.node);
    return out;
  }

  private reachesMajority(n: RaftNode): boolean {
    const accepts = (id: ServerId) => {
      const m = this.slot(id).node;
      return m !== null && m.term <= n.term && this.connected(n.id, id) && this.connected(id, n.id);
    };
    return this.servers.filter((id) => id === n.id || accepts(id)).length * 2 > this.servers.length;
  }

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

  /** A server's term, role, log (not a copy: read, do not keep) and progress. */
  snapshot(id: ServerId): ServerSnapshot {
    const slot = this.slot(id);
    const v = this.view(slot);
    return { ...v, lastApplied: slot.node ? slot.kv.lastApplied : 0 };
  }

  /**
   * Compares the cluster with the one its trace describes, and throws
   * UnloggedStep at the first difference: a message in flight in one and
   * not the other, or a live server whose state (or, with `wholeLogs`, whose
   * log entry by entry; otherwise its last entry) is not what its last event said.
   */
  checkLogged(wholeLogs = false): void {
    if (!this.logged) throw new Error('internal: the cluster was made without checkLogged');
    const bag = this.logged.differenceFrom(this.network.messages());
    if (bag) throw new UnloggedStep(bag);
    for (const slot of wholeLogs ? this.slots.values() : this.touched) {
      const node = slot.node;
      if (!node) continue;
      const differs = stateDifference(node.traced, this.logged.state(slot.id));
      if (differs) throw new UnloggedStep(`${slot.id}: ${differs}`);
      const view = this.logged.log(slot.id);
      const real = node.entries;
      // real[k] is entry base + k + 1; the events' log holds every index.
      const base = node.snapshotIndex;
      for (let k = wholeLogs ? 0 : real.length - 1; k >= 0 && k < real.length; k++) {
        const logged = base + k < view.length ? view.entries[base + k] : undefined;
        if (real[k]!.term !== logged?.term || real[k]!.value !== logged?.value) {
          throw new UnloggedStep(
            `${slot.id}: log entry ${base + k + 1} is (term ${real[k]!.term}, ${JSON.stringify(real[k]!.value)}), but its events built ${logged ? `(term ${logged.term}, ${JSON.stringify(logged.value)})` : 'nothing there'}`,
          );
        }
      }
    }
    this.touched.clear();
  }

  /** The longest prefix of entries any server has applied. */
  /** How many events of each action the run has recorded so far. */
  actionCounts(): Readonly<Partial<Record<string, number>>> {
    return { ...this.actions };
  }

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

  private record(e: UnnumberedEvent): void {
    this.recorder.record(e);
    this.count(this.actions, e.action);
    this.logged?.apply(e);
    if (e.action === 'BecomeLeader') this.elections++;
    if ('state' in e && e.state.term > this.highestTerm) this.highestTerm = e.state.term;
  }

  private count<K extends string>(into: Partial<Record<K, number>>, key: K): void {
    into[key] = (into[key] ?? 0) + 1;
  }

  private targetRole(slot: Slot): ClientTarget {
    const n = slot.node;
    if (!n) return 'crashed';
    if (n.currentRole !== 'Leader')
      return n.currentRole === 'Candidate' || n.currentRole === 'PreCandidate' ? 'candidate' : 'follower';
    const newer = [...this.slots.values()].some((s) => (s.node?.term ?? s.durable?.currentTerm ?? 0) > n.term);
    return newer ? 'deposed leader' : 'leader';
  }

  private handleReady(slot: Slot, ready: Ready): void {
    // Stable storage first: the messages below may depend on it.
    if (ready.persist) slot.durable = ready.persist;
    if (this.logged) this.touched.add(slot);
    let sprung: Trap | null = null;
    for (const e of ready.events) {
      this.record(e);
      if (this.traps.length > 0 && !sprung) {
        const windows = windowsOf(e, slot.loggedLength);
        const k = this.traps.findIndex((t) => t.server === slot.id && windows.includes(t.window));
        if (k >= 0) sprung = this.traps.splice(k, 1)[0]!;
      }
      slot.loggedLength = e.state.logLength;
    }
    for (const m of ready.messages) this.network.send(m, this.now);
    // A snapshot installed from the leader replaces the state machine; committed entries follow it.
    if (ready.installed) slot.kv = KeyValueStore.restore(ready.installed);
    for (const c of ready.committed) slot.kv.apply(c.index, c.entry);
    if (ready.resetElectionTimer) slot.electionCountdown = this.randomElectionTimeout();
    this.monitor.afterStep({
      actor: this.view(slot),
      logChanged: ready.logChanged,
      applied: ready.committed,
      others: [...this.slots.values()].filter((s) => s !== slot).map((s) => this.view(s)),
    });
    if (sprung) {
      this.count(this.windowHits, sprung.window);
      if (sprung.fault === 'crash') this.crash(slot.id);
      else this.partition([slot.id]);
    }
    this.compactIfDue(slot);
  }

  /** The snapshot policy: a server that applied snapshotEvery entries since its last snapshot takes one at its last applied entry. */
  private compactIfDue(slot: Slot): void {
    const node = slot.node;
    if (this.snapshotEvery === 0 || !node || slot.kv.lastApplied - node.snapshotIndex < this.snapshotEvery) return;
    this.stepNode(slot, { kind: 'compact', index: slot.kv.lastApplied, data: slot.kv.save() });
  }

  private view(slot: Slot): ServerView {
    const n = slot.node;
    if (n) {
      return {
        id: slot.id,
        alive: true,
        term: n.term,
        role: n.currentRole,
        log: n.entries,
        snapshotIndex: n.snapshotIndex,
        commitIndex: n.committedIndex,
      };
    }
    return {
      id: slot.id,
      alive: false,
      term: slot.durable?.currentTerm ?? 0,
      role: 'Follower',
      log: slot.durable?.log ?? [],
      snapshotIndex: slot.durable?.snapshot?.index ?? 0,
      commitIndex: 0,
    };
  }
}
