// The network between a real cluster's servers, owned by the nemesis: one
// loopback listener per directed link (from -> to), which the `from` server
// dials instead of `to` (ClusterConfig.routes), and one connection onwards
// to `to`. Every frame passes through here, so the nemesis can cut links
// (partitions of any shape, one-way ones included), drop, delay, reorder and
// duplicate messages. Each message it drops or duplicates becomes a
// DropMessage or DuplicateMessage event in the proxy's own trace, with the
// message's id and the proxy's vector clock, so that merging the servers'
// traces with this one (src/trace/merge.ts) still yields a behaviour the spec
// can judge: a duplicate may be received twice, a dropped message never.
//
// A message the proxy forwarded may still be lost (its receiver was killed
// before reading it): in the spec it simply stays in flight, which is allowed.
// So that a loss inside a live receiver does not pass as one of those, the
// proxy keeps a delivery record of each message it wrote to a receiver's
// connection, and when that connection closed (src/nemesis/accounting.ts).
// A message that cannot be forwarded (its receiver is down) is dropped, and
// logged as such, so the spec's bag of messages stays small.
import { closeSync, openSync, writeSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { MAX_ENTRIES_PER_MESSAGE } from '../raft/node.js';
import type { ServerId } from '../raft/types.js';
import { Rng } from '../random/rng.js';
import {
  snapshotParams,
  SNAPSHOT_TRACE_VERSION,
  TRACE_FORMAT,
  TRACE_VERSION,
  type NetworkAction,
  type TraceHeader,
  type VectorClock,
} from '../raft/events.js';
import type { Envelope } from '../transport/envelope.js';
import { FrameDecoder, DEFAULT_MAX_FRAME_BYTES } from '../transport/framing.js';
import { MessageAssembler, type Assembled } from '../transport/snapshot-chunks.js';
import { tracedMessage } from '../raft/node.js';
import type { MemberAddress } from '../server/config.js';

/** What the proxy does to one directed link's messages right now. */
export interface LinkFaults {
  /** Every message is dropped (a partition). */
  readonly cut: boolean;
  /** The chance that a message is dropped, duplicated. */
  readonly drop: number;
  readonly duplicate: number;
  /** Each copy is held for a delay in [min, max] ms; unequal delays reorder messages. */
  readonly delayMs: readonly [number, number];
}

const MAX_BUFFERED_BYTES = 4 << 20;

export const HEALTHY: LinkFaults = { cut: false, drop: 0, duplicate: 0, delayMs: [0, 0] };

export interface ProxyStats {
  forwarded: number;
  /** Messages the nemesis's link faults dropped (a partition, a lossy link). */
  dropped: number;
  /** Messages dropped because their receiver was down or not reading: no fault of the nemesis's. */
  undeliverable: number;
  duplicated: number;
  /** Frames that did not hold a valid envelope: forwarded untouched (the receiver refuses them). */
  unparsed: number;
}

export interface ProxyOptions {
  readonly members: Readonly<Record<ServerId, MemberAddress>>;
  /** routes[from][to]: the port the proxy listens on for from's messages to `to`. */
  readonly routes: Readonly<Record<ServerId, Readonly<Record<ServerId, number>>>>;
  /** The proxy's trace file (NDJSON, the cluster's trace header). */
  readonly tracePath: string;
  readonly seed: number;
  /** The servers' bound on entries per AppendEntries, for the header (merge needs the same on every trace); the default when absent. */
  readonly maxEntriesPerMessage?: number;
  /** The servers' snapshot policy, for the header likewise (0 or absent: none). */
  readonly snapshotEvery?: number;
}

/** The routes for `ids` on the given free ports, one per directed link, in a fixed order. */
export function routesOn(
  ids: readonly ServerId[],
  ports: readonly number[],
): Record<ServerId, Record<ServerId, number>> {
  const links = ids.length * (ids.length - 1);
  if (ports.length < links) throw new Error(`internal: ${links} links need ${links} ports, got ${ports.length}`);
  const routes: Record<ServerId, Record<ServerId, number>> = {};
  let k = 0;
  for (const from of ids) {
    routes[from] = {};
    for (const to of ids) if (to !== from) routes[from][to] = ports[k++]!;
  }
  return routes;
}

/** One connection to a receiver, and when it closed (ms since the epoch; null while open). */
export interface Connection {
  readonly to: ServerId;
  readonly opened: number;
  closed: number | null;
}

/** A message the proxy wrote to a receiver's connection, at `at` (ms since the epoch). */
export interface Delivery {
  readonly msgId: string;
  readonly type: string;
  readonly at: number;
  readonly connection: Connection;
}

class Onward {
  private socket: Socket | null = null;
  private connected = false;
  private pending: Array<{ frame: Buffer; envelope: Envelope | null }> = [];
  private connection: Connection | null = null;

  constructor(
    private readonly to: ServerId,
    private readonly address: MemberAddress,
    private readonly undeliverable: (envelope: Envelope) => void,
    private readonly stats: ProxyStats,
    private readonly deliveries: Delivery[],
  ) {}

  private written(envelope: Envelope | null): void {
    this.stats.forwarded++;
    if (envelope && this.connection)
      this.deliveries.push({
        msgId: envelope.id,
        type: envelope.msg.type,
        at: Date.now(),
        connection: this.connection,
      });
  }

  deliver(frame: Buffer, envelope: Envelope | null): void {
    if (this.connected) {
      // A receiver that does not read (SIGSTOPped) costs bounded memory: beyond
      // 4 MiB waiting in the socket, messages are dropped, and logged.
      if (this.socket!.writableLength > MAX_BUFFERED_BYTES) {
        if (envelope) this.undeliverable(envelope);
        return;
      }
      this.socket!.write(frame);
      this.written(envelope);
      return;
    }
    this.pending.push({ frame, envelope });
    if (!this.socket) this.dial();
  }

  private dial(): void {
    const socket = new Socket();
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.connection = { to: this.to, opened: Date.now(), closed: null };
      const pending = this.pending;
      this.pending = [];
      for (const p of pending) {
        socket.write(p.frame);
        this.written(p.envelope);
      }
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => {
      this.connected = false;
      if (this.connection && this.connection.closed === null) this.connection.closed = Date.now();
      this.connection = null;
      if (this.socket === socket) this.socket = null;
      // The receiver is down: what waited for it is dropped, and logged.
      const pending = this.pending;
      this.pending = [];
      for (const p of pending) if (p.envelope) this.undeliverable(p.envelope);
    });
    socket.connect(this.address.raftPort, this.address.host);
  }

  close(): void {
    if (this.connection && this.connection.closed === null) this.connection.closed = Date.now();
    this.socket?.destroy();
    this.socket = null;
    this.pending = [];
  }
}

export class NetworkProxy {
  readonly stats: ProxyStats = { forwarded: 0, dropped: 0, undeliverable: 0, duplicated: 0, unparsed: 0 };
  /** Every message written to a receiver's connection, in order. */
  readonly deliveries: Delivery[] = [];
  /** When the proxy started (ms since the epoch): deliveries are reported from here. */
  readonly startedAt = Date.now();
  private readonly servers: Server[] = [];
  private readonly inbound = new Set<Socket>();
  private readonly onward = new Map<string, Onward>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly faults = new Map<string, LinkFaults>();
  private readonly rng: Rng;
  private readonly fd: number;
  private clock: Record<string, number> = {};
  private events = 0;
  private closed = false;
  private holding = false;

  private constructor(options: ProxyOptions) {
    this.rng = new Rng(options.seed ^ 0x5eed);
    const nodes = Object.keys(options.members);
    const header: TraceHeader = {
      format: TRACE_FORMAT,
      version: options.snapshotEvery ? SNAPSHOT_TRACE_VERSION : TRACE_VERSION,
      nodes,
      seed: options.seed,
      params: {
        source: 'proxy',
        maxEntriesPerMessage: options.maxEntriesPerMessage ?? MAX_ENTRIES_PER_MESSAGE,
        ...snapshotParams(options.snapshotEvery ?? 0),
      },
    };
    this.fd = openSync(options.tracePath, 'w');
    writeSync(this.fd, `${JSON.stringify(header)}\n`);
    for (const [from, tos] of Object.entries(options.routes)) {
      for (const to of Object.keys(tos)) {
        this.onward.set(
          `${from}>${to}`,
          new Onward(
            to,
            options.members[to]!,
            (e) => this.log('DropMessage', e, 'undeliverable'),
            this.stats,
            this.deliveries,
          ),
        );
      }
    }
  }

  /** Listens on every route's port; resolves once all are bound. */
  static async start(options: ProxyOptions): Promise<NetworkProxy> {
    const proxy = new NetworkProxy(options);
    try {
      for (const [from, tos] of Object.entries(options.routes)) {
        for (const [to, port] of Object.entries(tos)) await proxy.listen(from, to, port);
      }
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return proxy;
  }

  private listen(from: ServerId, to: ServerId, port: number): Promise<void> {
    const server = createServer((socket) => this.accept(from, to, socket));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(from: ServerId, to: ServerId, socket: Socket): void {
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
    // A snapshot's chunks are one message: dropped, delayed or duplicated whole.
    let assembler = new MessageAssembler(Infinity);
    socket.on('data', (chunk: Buffer) => {
      let bodies: Buffer[];
      try {
        bodies = decoder.push(chunk);
      } catch {
        socket.destroy(); // an oversized frame: the server would refuse it too
        return;
      }
      for (const body of bodies) {
        const whole = assembler.push(body);
        if (whole === null) continue;
        // A frame that holds no message (or breaks a snapshot's chunks) goes on untouched: the receiver refuses it.
        if (typeof whole === 'string') assembler = new MessageAssembler(Infinity);
        this.route(from, to, typeof whole === 'string' ? { envelope: null, bodies: [body] } : whole);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.inbound.delete(socket));
  }

  /** Sets the faults of the directed link from -> to (HEALTHY heals it). */
  setLink(from: ServerId, to: ServerId, faults: LinkFaults): void {
    this.faults.set(`${from}>${to}`, faults);
  }

  /** Heals every link. */
  healAll(): void {
    this.faults.clear();
  }

  private chance(p: number): boolean {
    return p > 0 && this.rng.nextU32() / 2 ** 32 < p;
  }

  /**
   * Stops routing: what arrives from now on is neither forwarded nor logged, so
   * it stays in flight in the spec. The run calls this before it stops the
   * servers, whose exits would otherwise make the messages sent to them
   * undeliverable one by one, depending on which exits first.
   */
  hold(): void {
    this.holding = true;
  }

  private route(
    from: ServerId,
    to: ServerId,
    message: Assembled | { envelope: null; bodies: readonly Buffer[] },
  ): void {
    if (this.closed || this.holding) return;
    const onward = this.onward.get(`${from}>${to}`)!;
    const parsed = message.envelope;
    const frame = framed(message.bodies);
    if (parsed === null) {
      this.stats.unparsed++;
      onward.deliver(frame, null);
      return;
    }
    const f = this.faults.get(`${from}>${to}`) ?? HEALTHY;
    if (f.cut || this.chance(f.drop)) {
      this.log('DropMessage', parsed);
      return;
    }
    const copies = this.chance(f.duplicate) ? 2 : 1;
    if (copies === 2) this.log('DuplicateMessage', parsed);
    for (let c = 0; c < copies; c++) {
      const [min, max] = f.delayMs;
      const delay = max > 0 ? this.rng.intBetween(min, max) : 0;
      if (delay === 0) {
        onward.deliver(frame, parsed);
        continue;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!this.closed) onward.deliver(frame, parsed);
      }, delay);
      this.timers.add(timer);
    }
  }

  /** Writes one network event: the proxy's clock joins the message's, then counts this event. */
  private log(action: NetworkAction, envelope: Envelope, cause: 'fault' | 'undeliverable' = 'fault'): void {
    if (this.closed) return;
    for (const [id, n] of Object.entries(envelope.clock)) this.clock[id] = Math.max(this.clock[id] ?? 0, n);
    this.clock.proxy = (this.clock.proxy ?? 0) + 1;
    const clock: VectorClock = { ...this.clock };
    if (action === 'DuplicateMessage') this.stats.duplicated++;
    else if (cause === 'undeliverable') this.stats.undeliverable++;
    else this.stats.dropped++;
    writeSync(
      this.fd,
      `${JSON.stringify({ i: ++this.events, action, msg: tracedMessage(envelope.msg), msgId: envelope.id, clock })}\n`,
    );
  }

  /** Stops listening and forwarding, and closes the trace. Messages still held are lost (they stay in flight in the spec). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.inbound) s.destroy();
    for (const o of this.onward.values()) o.close();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    closeSync(this.fd);
  }
}

/** Frame bodies as they were on the wire, each behind its length. */
function framed(bodies: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const body of bodies) {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(body.length, 0);
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}
