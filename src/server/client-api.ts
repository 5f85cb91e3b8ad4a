// The client API of a server, over HTTP on the loopback interface:
//   PUT /kv/KEY   (body: the value)  writes KEY
//   GET /kv/KEY                      reads KEY
//   GET /status                      this server's role, term, log and leader (not linearizable)
//   POST /fault/disk (body: eio|full) the nemesis's disk fault, on a server whose disk is simulated
//                                    (loseUnsynced): its next fsync fails, or its disk is full
// A write or a read is answered only once its entry is committed and
// applied: reads go through the log too, so that both are linearizable. A
// server that is not the leader answers 421 with the leader it knows of
// ("not leader, try n2"); a command not applied in time answers 504; one whose
// entry another leader overwrote answers 409 (it was not applied).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readCommand, writeCommand } from '../raft/kv.js';
import type { AppliedEntry } from './driver.js';
import type { Ready } from '../raft/node.js';
import type { ServerId } from '../raft/types.js';

export const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
export const MAX_VALUE_BYTES = 4096;

interface Pending {
  readonly term: number;
  readonly command: string;
  readonly respond: (status: number, body: object) => void;
}

/** What the API needs of the server it serves (RaftServer), named here so that the two do not import each other. */
export interface ClientApiHost {
  readonly id: ServerId;
  readonly knownLeader: ServerId | null;
  readonly lastEntry: { index: number; term: number };
  status(): object;
  propose(value: string, after: (ready: Ready) => void): void;
  clientUrl(id: ServerId): string | null;
  /** Arms a disk fault; an error to answer if this server cannot have one. */
  armDiskFault(fault: string): { ok: true } | { ok: false; error: string };
}

export class ClientApi {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly raft: ClientApiHost,
    private readonly address: { host: string; port: number },
    private readonly timeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: object) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ server: this.raft.id, ...body }) + '\n');
    };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/status' && req.method === 'GET') return send(200, this.raft.status());
    if (url.pathname === '/fault/disk' && req.method === 'POST') return this.diskFault(req, send);
    const m = /^\/kv\/([^/]+)$/.exec(url.pathname);
    if (!m) return send(404, { ok: false, error: `no such resource ${url.pathname}; use /kv/KEY or /status` });
    let key: string;
    try {
      key = decodeURIComponent(m[1]!);
    } catch {
      return send(400, { ok: false, error: 'the key is not valid percent-encoding' });
    }
    if (!KEY_PATTERN.test(key))
      return send(400, { ok: false, error: `bad key ${JSON.stringify(key)}: 1-128 characters of A-Z a-z 0-9 _ . : -` });
    if (req.method === 'GET') return this.submit(readCommand(key), key, send);
    if (req.method !== 'PUT') return send(405, { ok: false, error: `${req.method} is not supported; use PUT or GET` });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_VALUE_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_VALUE_BYTES)
        return send(413, { ok: false, error: `the value has ${size} bytes; at most ${MAX_VALUE_BYTES} are allowed` });
      const value = Buffer.concat(chunks).toString('utf8');
      if (/[\n\r]/.test(value)) return send(400, { ok: false, error: 'the value must be one line' });
      this.submit(writeCommand(key, value), key, send);
    });
  }

  private diskFault(req: IncomingMessage, send: (status: number, body: object) => void): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (body.length < 64) body += c;
    });
    req.on('end', () => {
      const armed = this.raft.armDiskFault(body.trim());
      if (!armed.ok) return send(400, armed);
      this.log(`${this.raft.id}: disk fault armed: ${body.trim()}`);
      send(200, { ok: true, fault: body.trim() });
    });
  }

  private submit(command: string, key: string, send: (status: number, body: object) => void): void {
    this.raft.propose(command, (ready) => {
      if (!ready.accepted) {
        const leader = this.raft.knownLeader;
        const hint = leader && leader !== this.raft.id ? leader : null;
        return send(421, {
          ok: false,
          error: hint ? `not leader, try ${hint}` : 'not leader, and no leader known yet: try another server',
          leader: hint,
          url: hint ? this.raft.clientUrl(hint) : null,
        });
      }
      const { index, term } = this.raft.lastEntry;
      const timer = setTimeout(() => {
        this.pending.delete(index);
        send(504, {
          ok: false,
          error: `not applied within ${this.timeoutMs} ms (entry ${index} of term ${term} may still commit)`,
          index,
          term,
        });
      }, this.timeoutMs);
      this.pending.set(index, {
        term,
        command,
        respond: (status, body) => {
          clearTimeout(timer);
          send(status, { key, index, term, ...body });
        },
      });
    });
  }

  /** Answers the clients whose entries were just applied. */
  applied(entries: readonly AppliedEntry[]): void {
    for (const a of entries) {
      const p = this.pending.get(a.index);
      if (!p) continue;
      this.pending.delete(a.index);
      if (a.entry.term === p.term && a.entry.value === p.command) p.respond(200, { ok: true, value: a.result ?? null });
      else
        p.respond(409, {
          ok: false,
          error: `entry ${a.index} was overwritten by a later leader's entry; the command was not applied`,
        });
    }
  }

  async stop(): Promise<void> {
    for (const p of this.pending.values())
      p.respond(503, { ok: false, error: 'the server is shutting down; the command may still commit' });
    this.pending.clear();
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
