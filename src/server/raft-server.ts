// One Raft server as an operating-system process's main object: the driver
// (RaftNode + write-ahead log + trace) fed by real, randomized timers, by
// messages from the TCP transport and by client proposals, in batches. A
// batch is one turn of the event loop's worth of inputs: each is stepped,
// then one fsync covers them all, and only then do their messages leave and
// their committed entries reach the key-value store and the waiting clients.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Input, Ready } from '../raft/node.js';
import type { Role, ServerId } from '../raft/types.js';
import { Rng } from '../random/rng.js';
import { DISK_FAULTS, FileSystemDisk, PageCacheDisk, type DiskFault } from '../storage/disk.js';
import { guardParams, snapshotParams, SNAPSHOT_TRACE_VERSION, TRACE_FORMAT, TRACE_VERSION } from '../raft/events.js';
import type { Envelope } from '../transport/envelope.js';
import { TcpTransport } from '../transport/tcp-transport.js';
import { ClientApi } from './client-api.js';
import { clientUrlOf, type ServerConfig } from './config.js';
import { ServerDriver, type AppliedEntry } from './driver.js';
import { ProcessTrace } from './process-trace.js';

interface Queued {
  readonly input: Input;
  readonly envelope: Envelope | null;
  readonly after?: (ready: Ready) => void;
}

export interface ServerStatus {
  readonly id: ServerId;
  readonly role: Role;
  readonly term: number;
  readonly leader: ServerId | null;
  readonly logLength: number;
  readonly commitIndex: number;
  readonly lastApplied: number;
  readonly incarnation: number;
  readonly walBytes: number;
  readonly transport: TcpTransport['stats'];
  /** What this incarnation recovered from its write-ahead log (null: a first start), for the nemesis's durability check. */
  readonly recovered: { readonly term: number; readonly votedFor: ServerId | null; readonly logLength: number } | null;
  /** On a simulated page cache: the disk fault armed and those that struck (null on the real file system). */
  readonly disk: {
    readonly waiting: DiskFault | null;
    readonly struck: ReadonlyArray<{ readonly fault: DiskFault; readonly path: string }>;
  } | null;
}

export class RaftServer {
  private readonly driver: ServerDriver;
  private readonly transport: TcpTransport;
  private readonly api: ClientApi;
  private readonly rng: Rng;
  private queue: Queued[] = [];
  private scheduled = false;
  private electionTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastRole: { role: Role; term: number };
  private readonly disk: FileSystemDisk | PageCacheDisk;
  private writeBackTimer: NodeJS.Timeout | null = null;
  private dataWatchTimer: NodeJS.Timeout | null = null;

  private constructor(
    readonly config: ServerConfig,
    private readonly log: (line: string) => void,
    private readonly onFatal: (err: Error) => void,
  ) {
    const servers = Object.keys(config.members);
    const guards = { preVote: config.preVote, checkQuorum: config.checkQuorum };
    this.disk = config.loseUnsynced ? new PageCacheDisk() : new FileSystemDisk();
    this.driver = ServerDriver.open({
      id: config.id,
      servers,
      disk: this.disk,
      walPath: join(config.dataDir, 'wal.log'),
      wal: { fsync: config.fsync, compactAboveBytes: 1 << 20 },
      guards,
      maxEntriesPerMessage: config.maxEntriesPerMessage,
      snapshotEvery: config.snapshotEvery,
      openTrace: (incarnation, keepUpTo) =>
        ProcessTrace.open(
          join(config.dataDir, 'trace.ndjson'),
          config.id,
          servers,
          incarnation,
          {
            format: TRACE_FORMAT,
            version: config.snapshotEvery > 0 ? SNAPSHOT_TRACE_VERSION : TRACE_VERSION,
            nodes: servers,
            seed: config.seed,
            params: {
              source: 'server',
              server: config.id,
              maxEntriesPerMessage: config.maxEntriesPerMessage,
              ...guardParams(guards),
              ...snapshotParams(config.snapshotEvery),
            },
          },
          keepUpTo,
        ),
    });
    const r = this.driver.recovery;
    if (r.tornTail)
      log(
        `${config.id}: recovered ${r.records} WAL records; discarded a torn tail of ${r.tornTail.bytes} bytes at offset ${r.tornTail.offset} (${r.tornTail.reason})`,
      );
    this.rng = new Rng((config.seed * 7919 + Number(config.id.slice(1)) * 104729 + r.incarnation) >>> 0);
    this.lastRole = { role: this.driver.node.currentRole, term: this.driver.node.term };
    const peers = Object.fromEntries(
      Object.entries(config.members)
        .filter(([id]) => id !== config.id)
        .map(([id, m]) => [id, { host: m.host, port: config.routes?.[config.id]?.[id] ?? m.raftPort }]),
    );
    const me = config.members[config.id]!;
    this.transport = new TcpTransport(
      { id: config.id, listen: { host: me.host, port: me.raftPort }, peers, log },
      (envelope) => this.enqueue({ input: { kind: 'receive', msg: envelope.msg }, envelope }),
    );
    this.api = new ClientApi(this, { host: me.host, port: me.clientPort }, config.requestTimeoutMs, log);
  }

  /** Recovers from the data directory, binds both ports, and starts the timers. */
  static async start(
    config: ServerConfig,
    log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
    onFatal: (err: Error) => void = (err) => log(`${config.id}: stopped: ${err.message}`),
  ): Promise<RaftServer> {
    const server = new RaftServer(config, log, onFatal);
    try {
      await server.transport.start();
      await server.api.start();
    } catch (err) {
      await server.stop();
      throw err;
    }
    server.armElectionTimer();
    server.heartbeatTimer = setInterval(() => {
      const role = server.driver.node.currentRole;
      if (role !== 'Follower') server.enqueue({ input: { kind: 'heartbeatDue' }, envelope: null });
    }, config.heartbeatMs);
    const disk = server.disk;
    if (disk instanceof PageCacheDisk) server.writeBackTimer = setInterval(() => disk.writeBack(), 1000);
    server.watchDataDirectory();
    const r = server.driver.recovery;
    log(
      `${config.id}: started (incarnation ${r.incarnation}, term ${server.driver.node.term}, ${server.driver.lastIndex} log entries${server.driver.node.snapshotIndex ? `, the first ${server.driver.node.snapshotIndex} in its snapshot` : ''}${config.fsync ? '' : ', fsync OFF'}${config.loseUnsynced ? ', a crash loses unsynced writes' : ''})`,
    );
    return server;
  }

  get id(): ServerId {
    return this.config.id;
  }

  /**
   * Every second, checks that the write-ahead log it writes is still the file
   * at its path: once its data directory is removed or replaced, what it
   * writes is kept nowhere, so it stops (through onFatal) rather than
   * acknowledge anything more.
   */
  private watchDataDirectory(): void {
    const wal = join(this.config.dataDir, 'wal.log');
    const inode = (): number | null => {
      try {
        return statSync(wal).ino;
      } catch {
        return null;
      }
    };
    let opened = inode();
    let generation = this.driver.walGeneration;
    this.dataWatchTimer = setInterval(() => {
      // The log's own compactions replace the file (a snapshot's cut, every time): the new one is the one it writes.
      if (this.driver.walGeneration !== generation) {
        generation = this.driver.walGeneration;
        opened = inode();
        return;
      }
      if (this.stopped || inode() === opened) return;
      const err = new Error(
        `${this.id}: its write-ahead log ${wal} was removed or replaced while it ran (its data directory gone?): it stops rather than acknowledge what it cannot keep`,
      );
      void this.stop().finally(() => this.onFatal(err));
    }, 1000);
    this.dataWatchTimer.unref();
  }

  private armElectionTimer(): void {
    if (this.stopped) return;
    if (this.electionTimer) clearTimeout(this.electionTimer);
    const { min, max } = this.config.electionTimeoutMs;
    this.electionTimer = setTimeout(
      () => {
        this.electionTimer = null;
        this.enqueue({ input: { kind: 'electionTimeout' }, envelope: null });
        this.armElectionTimer();
      },
      this.rng.intBetween(min, max),
    );
  }

  private enqueue(item: Queued): void {
    if (this.stopped) return;
    this.queue.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.runBatch());
    }
  }

  /** A client's command: `after` learns, right after the step, whether this server (as leader) appended it. */
  propose(value: string, after: (ready: Ready) => void): void {
    this.enqueue({ input: { kind: 'propose', value }, envelope: null, after });
  }

  private runBatch(): void {
    this.scheduled = false;
    if (this.stopped) return;
    try {
      this.takeBatch();
    } catch (err) {
      // The server's own checks (ServerInvariantError) or a broken disk: it
      // stops taking steps at once; the owner decides how the process ends.
      void this.stop().finally(() => this.onFatal(err as Error));
    }
  }

  private takeBatch(): void {
    const batch = this.queue;
    this.queue = [];
    const acknowledgedBy = new Set<ServerId>();
    for (const item of batch) {
      const ready = this.driver.step(item.input, item.envelope);
      item.after?.(ready);
      if (item.input.kind === 'receive' && item.input.msg.type === 'AppendEntriesResponse' && item.input.msg.success)
        acknowledgedBy.add(item.input.msg.source);
    }
    const flushed = this.driver.flush();
    for (const e of flushed.envelopes) this.transport.send(e);
    if (flushed.resetElectionTimer) this.armElectionTimer();
    this.api.applied(flushed.applied);
    // A follower that is behind gets its next entries as soon as it has
    // stored the last ones, not at the next heartbeat: messages carry at most
    // maxEntriesPerMessage entries, so catching up on heartbeats alone
    // would take a heartbeat per few entries. Only a follower that just
    // acknowledged counts: one that is down must not turn this into a loop.
    if (this.behind(acknowledgedBy)) this.enqueue({ input: { kind: 'heartbeatDue' }, envelope: null });
    const now = { role: this.driver.node.currentRole, term: this.driver.node.term };
    if (now.role !== this.lastRole.role || (now.role !== 'Follower' && now.term !== this.lastRole.term)) {
      // A deposed leader's clients keep waiting: their entries may still commit.
      this.log(`${this.id}: ${now.role} in term ${now.term}`);
    }
    this.lastRole = now;
  }

  /** Whether this server leads and one of `peers` has not stored its whole log yet. */
  private behind(peers: ReadonlySet<ServerId>): boolean {
    if (peers.size === 0) return false;
    const t = this.driver.node.traced;
    return t.role === 'Leader' && [...peers].some((p) => (t.matchIndex[p] ?? 0) < t.logLength);
  }

  /** The last entry of the log: where a proposal accepted by the step just taken sits. */
  get lastEntry(): { index: number; term: number } {
    const log = this.driver.log;
    const index = this.driver.lastIndex;
    return { index, term: log.length ? log[log.length - 1]!.term : this.driver.node.currentSnapshot.term };
  }

  get knownLeader(): ServerId | null {
    return this.driver.knownLeader;
  }

  armDiskFault(fault: string): { ok: true } | { ok: false; error: string } {
    if (!(this.disk instanceof PageCacheDisk))
      return { ok: false, error: `${this.id} writes to the real file system: disk faults need loseUnsynced` };
    if (!DISK_FAULTS.includes(fault as DiskFault))
      return { ok: false, error: `no disk fault ${JSON.stringify(fault)}; use ${DISK_FAULTS.join(' or ')}` };
    this.disk.faults.arm(fault as DiskFault);
    return { ok: true };
  }

  status(): ServerStatus {
    const n = this.driver.node;
    const r = this.driver.recovery.durable;
    return {
      id: this.id,
      role: n.currentRole,
      term: n.term,
      leader: this.driver.knownLeader,
      logLength: this.driver.lastIndex,
      commitIndex: n.committedIndex,
      lastApplied: this.driver.kv.lastApplied,
      incarnation: this.driver.incarnation,
      walBytes: this.driver.walBytes,
      transport: this.transport.stats,
      recovered: r
        ? { term: r.currentTerm, votedFor: r.votedFor, logLength: (r.snapshot?.index ?? 0) + r.log.length }
        : null,
      disk:
        this.disk instanceof PageCacheDisk
          ? { waiting: this.disk.faults.waiting, struck: [...this.disk.faults.struck] }
          : null,
    };
  }

  clientUrl(id: ServerId): string | null {
    const m = this.config.members[id];
    return m ? clientUrlOf(m) : null;
  }

  /** Stops timers and listeners and closes the files: what SIGTERM does. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.electionTimer) clearTimeout(this.electionTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.writeBackTimer) clearInterval(this.writeBackTimer);
    if (this.dataWatchTimer) clearInterval(this.dataWatchTimer);
    this.queue = [];
    await this.api.stop();
    await this.transport.close();
    this.driver.close();
  }
}

export type { AppliedEntry };
