// A server process's own trace: the same NDJSON events as the simulator's,
// one file per server, appended across restarts. Each event also carries the
// ids of the messages it reads and sends and the process's vector clock, so
// that the files of a cluster can later be paired up (send with receive) and
// merged into one order consistent with happens-before.
//
// Lines are written (write(2), no fsync) before the messages they send leave
// the process: a process killed with SIGKILL keeps every line it wrote, so no
// peer ever holds a receive whose send is missing from the sender's file.
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Message, ServerId } from '../raft/types.js';
import type { MessageId, ServerEvent, TraceHeader, VectorClock } from '../trace/events.js';
import { ensureDir } from '../files/output-path.js';
import type { Envelope } from '../transport/envelope.js';

/** How far back from the end a restart looks for the last whole line. */
const TAIL_BYTES = 1 << 20;

export class ProcessTrace {
  private fd: number;
  private count: number;
  private readonly clock: Record<ServerId, number>;
  private sends = 0;

  private constructor(
    readonly path: string,
    private readonly id: ServerId,
    servers: readonly ServerId[],
    private readonly incarnation: number,
    header: TraceHeader,
  ) {
    ensureDir(dirname(path));
    this.clock = Object.fromEntries(servers.map((s) => [s, 0]));
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    const last = this.recoverTail();
    closeSync(this.fd);
    this.fd = openSync(path, 'a');
    if (last === null) {
      this.count = 0;
      this.write(JSON.stringify(header) + '\n');
    } else {
      this.count = last.i;
      for (const [s, n] of Object.entries(last.clock ?? {})) this.clock[s] = n;
    }
  }

  static open(path: string, id: ServerId, servers: readonly ServerId[], incarnation: number, header: TraceHeader): ProcessTrace {
    return new ProcessTrace(path, id, servers, incarnation, header);
  }

  /**
   * Finds the last event of a trace left by an earlier incarnation, cutting
   * off a line the kill interrupted. Returns null for a new (empty) file.
   */
  private recoverTail(): { i: number; clock?: VectorClock } | null {
    const size = fstatSync(this.fd).size;
    if (size === 0) return null;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    readSync(this.fd, buf, 0, buf.length, start);
    let end = buf.length;
    if (buf[end - 1] !== 0x0a) {
      const cut = buf.lastIndexOf(0x0a);
      if (cut < 0) throw new Error(`${this.path}: no whole line in its last ${buf.length} bytes; move the file away to start a new trace`);
      end = cut + 1;
      ftruncateSync(this.fd, start + end);
    }
    const from = buf.lastIndexOf(0x0a, end - 2) + 1;
    const line = buf.subarray(from, end - 1).toString('utf8');
    let parsed: { i?: unknown; clock?: VectorClock; format?: unknown };
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${this.path}: its last line is not JSON; move the file away to start a new trace`);
    }
    if (parsed.format !== undefined) return { i: 0 };
    if (!Number.isSafeInteger(parsed.i)) throw new Error(`${this.path}: its last line has no event number i`);
    return { i: parsed.i as number, clock: parsed.clock };
  }

  private write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
  }

  /**
   * Writes one step's events. `received` is the envelope the step read, if
   * any: its clock is merged in and its id named. Returns, for each message
   * the events sent, the envelope to send it in.
   */
  record(events: readonly ServerEvent[], received: Envelope | null): Map<Message, Envelope> {
    const out = new Map<Message, Envelope>();
    if (events.length === 0) return out;
    if (received) for (const [s, n] of Object.entries(received.clock)) if ((this.clock[s] ?? 0) < n) this.clock[s] = n;
    let text = '';
    for (const e of events) {
      this.clock[this.id] = (this.clock[this.id] ?? 0) + 1;
      const clock = { ...this.clock };
      const msgId: MessageId | undefined = e.msg && received && e.msg === received.msg ? received.id : undefined;
      let sendId: MessageId | undefined;
      if (e.send) {
        sendId = `${this.id}:${this.incarnation}:${++this.sends}`;
        out.set(e.send, { id: sendId, clock, msg: e.send });
      }
      const line = { i: ++this.count, ...e, ...(msgId ? { msgId } : {}), ...(sendId ? { sendId } : {}), clock };
      text += JSON.stringify(line) + '\n';
    }
    this.write(text);
    return out;
  }

  get eventCount(): number {
    return this.count;
  }

  close(): void {
    closeSync(this.fd);
  }
}
