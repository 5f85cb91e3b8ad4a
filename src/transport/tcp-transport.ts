// Server-to-server messaging over TCP on the loopback interface. Each server
// listens on its own port for frames from its peers and dials every peer for
// the frames it sends: one outbound connection per peer, re-dialled with
// backoff when it fails. A peer that is down costs bounded memory: its send
// queue holds at most `queueLimit` frames and drops the oldest (Raft tolerates
// loss, and the newest messages carry the newest state). A received frame
// that is malformed, oversized, or addressed to another server closes that
// one connection with one log line; the server carries on.
import { createServer, Socket, type Server } from 'node:net';
import type { ServerId } from '../raft/types.js';
import { FrameDecoder, FrameError, DEFAULT_MAX_FRAME_BYTES } from './framing.js';
import type { Envelope } from './envelope.js';
import { DEFAULT_MAX_SNAPSHOT_BYTES, encodeMessage, MessageAssembler } from './snapshot-chunks.js';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface TransportOptions {
  readonly id: ServerId;
  readonly listen: PeerAddress;
  readonly peers: Readonly<Record<ServerId, PeerAddress>>;
  readonly queueLimit?: number;
  readonly maxFrameBytes?: number;
  /** The largest snapshot content taken from a peer (its chunks reassembled); a larger one closes the connection. */
  readonly maxSnapshotBytes?: number;
  readonly backoffMs?: { readonly min: number; readonly max: number };
  readonly log?: (line: string) => void;
}

export interface TransportStats {
  sent: number;
  received: number;
  /** Frames dropped because a peer's queue was full. */
  dropped: number;
  /** Inbound connections closed for a bad frame. */
  rejected: number;
  reconnects: number;
}

/** Only loopback addresses are ever dialled or listened on. */
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

class PeerLink {
  private socket: Socket | null = null;
  private connected = false;
  private queue: Buffer[] = [];
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly address: PeerAddress,
    private readonly limit: number,
    private readonly backoff: { min: number; max: number },
    private readonly stats: TransportStats,
  ) {
    this.dial();
  }

  send(frame: Buffer): void {
    if (this.closed) return;
    if (this.connected) {
      // A connected peer that does not read fast enough: the socket's own
      // buffer is the queue, bounded the same way.
      if (this.socket!.writableLength > this.limit * 1024) {
        this.stats.dropped++;
        return;
      }
      this.socket!.write(frame);
      this.stats.sent++;
      return;
    }
    this.queue.push(frame);
    if (this.queue.length > this.limit) {
      this.queue.shift();
      this.stats.dropped++;
    }
  }

  private dial(): void {
    if (this.closed) return;
    const socket = new Socket();
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.attempt = 0;
      const queued = this.queue;
      this.queue = [];
      for (const f of queued) {
        socket.write(f);
        this.stats.sent++;
      }
    });
    socket.on('data', () => {}); // peers never answer on this connection
    socket.on('error', () => {}); // 'close' follows and schedules the retry
    socket.on('close', () => {
      this.connected = false;
      if (this.socket === socket) this.socket = null;
      this.retry();
    });
    socket.connect(this.address.port, this.address.host);
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    const delay = Math.min(this.backoff.max, this.backoff.min * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    this.stats.reconnects++;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dial();
    }, delay);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.destroy();
    this.socket = null;
    this.queue = [];
  }
}

export class TcpTransport {
  readonly stats: TransportStats = { sent: 0, received: 0, dropped: 0, rejected: 0, reconnects: 0 };
  private readonly links = new Map<ServerId, PeerLink>();
  private readonly inbound = new Set<Socket>();
  private server: Server | null = null;
  private readonly log: (line: string) => void;

  constructor(
    private readonly options: TransportOptions,
    private readonly deliver: (envelope: Envelope) => void,
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    for (const [peer, addr] of [[options.id, options.listen] as const, ...Object.entries(options.peers)]) {
      if (!isLoopback(addr.host))
        throw new Error(
          `${peer}: address ${addr.host} is not a loopback address; servers only talk over 127.0.0.1 or ::1`,
        );
    }
  }

  /** Starts listening; resolves once the port is bound. */
  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.listen.port, this.options.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const backoff = this.options.backoffMs ?? { min: 20, max: 500 };
    for (const [peer, addr] of Object.entries(this.options.peers)) {
      this.links.set(peer, new PeerLink(addr, this.options.queueLimit ?? 1024, backoff, this.stats));
    }
  }

  private accept(socket: Socket): void {
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    const assembler = new MessageAssembler(this.options.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES);
    const from = `${socket.remoteAddress}:${socket.remotePort}`;
    let frames = 0;
    const reject = (reason: string) => {
      this.stats.rejected++;
      this.log(`${this.options.id}: closed the connection from ${from} at frame ${frames + 1}: ${reason}`);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      let bodies: Buffer[];
      try {
        bodies = decoder.push(chunk);
      } catch (err) {
        if (err instanceof FrameError) return reject(err.message);
        throw err;
      }
      for (const body of bodies) {
        const whole = assembler.push(body);
        if (typeof whole === 'string') return reject(whole);
        if (whole === null) continue;
        const envelope = whole.envelope;
        if (envelope.msg.dest !== this.options.id) return reject(`the message is addressed to ${envelope.msg.dest}`);
        if (!(envelope.msg.source in this.options.peers))
          return reject(`the sender ${envelope.msg.source} is not a member of the cluster`);
        if (!envelope.id.startsWith(`${envelope.msg.source}:`))
          return reject(`the message id ${envelope.id} does not name its sender ${envelope.msg.source}`);
        frames++;
        this.stats.received++;
        this.deliver(envelope);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.inbound.delete(socket));
  }

  send(envelope: Envelope): void {
    const link = this.links.get(envelope.msg.dest);
    if (!link) throw new Error(`internal: no link to ${envelope.msg.dest}`);
    link.send(encodeMessage(envelope));
  }

  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.options.listen.port;
  }

  async close(): Promise<void> {
    for (const link of this.links.values()) link.close();
    for (const s of this.inbound) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
