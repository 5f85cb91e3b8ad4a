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
import type { MessageId, ServerEvent, TraceHeader, VectorClock } from '../raft/events.js';
import { ensureDir } from '../files/output-path.js';
import type { Envelope } from '../transport/envelope.js';
import { tracedMessage } from '../raft/node.js';

/** How far back from the end a restart first looks for the last event to keep (then four times as far, and so on). */
const TAIL_BYTES = 1 << 16;

interface LastEvent {
  readonly i: number;
  readonly clock?: VectorClock;
}

/** An event as a restart reads it: enough to tell whether it changed durable state. */
interface TailEvent extends LastEvent {
  readonly term: number;
  readonly votedFor: ServerId | null;
  readonly changedLog: boolean;
}

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
    keepUpTo: number | null,
  ) {
    ensureDir(dirname(path));
    this.clock = Object.fromEntries(servers.map((s) => [s, 0]));
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w+');
    let last: LastEvent | null;
    try {
      last = this.recoverTail(keepUpTo);
    } finally {
      closeSync(this.fd);
    }
    this.fd = openSync(path, 'a');
    if (last === null) {
      this.count = 0;
      this.write(JSON.stringify(header) + '\n');
    } else {
      this.count = last.i;
      for (const [s, n] of Object.entries(last.clock ?? {})) this.clock[s] = n;
    }
  }

  /**
   * Opens the trace of server `id` for appending. `keepUpTo` is the last
   * event the server's write-ahead log says it covered. Of the events after
   * it, the first that changed durable state (term, vote or log) and all
   * after it are cut off: that batch's log write was lost, and nothing of
   * that batch left the process, since a batch's messages leave only after
   * its log write is synced. The events before it changed nothing durable;
   * their batches' marks were never synced (there was nothing to sync) and a
   * crash that loses unsynced writes loses those marks, but their messages
   * did leave, so they stay. Null keeps every event.
   */
  static open(
    path: string,
    id: ServerId,
    servers: readonly ServerId[],
    incarnation: number,
    header: TraceHeader,
    keepUpTo: number | null = null,
  ): ProcessTrace {
    return new ProcessTrace(path, id, servers, incarnation, header, keepUpTo);
  }

  /**
   * Finds the last event to keep of a trace left by an earlier incarnation,
   * cutting off a line the kill interrupted and the events the write-ahead
   * log lost (see open). Returns null for a new (empty) file.
   */
  private recoverTail(keepUpTo: number | null): LastEvent | null {
    const size = fstatSync(this.fd).size;
    if (size === 0) return null;
    for (let window = TAIL_BYTES; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      readSync(this.fd, buf, 0, buf.length, start);
      // Whole lines only: from the first line start in the window to the last newline.
      let end = buf[buf.length - 1] === 0x0a ? buf.length : buf.lastIndexOf(0x0a) + 1;
      const first = start === 0 ? 0 : buf.indexOf(0x0a) + 1;
      /** The events after keepUpTo, last first, each with where its line ends. */
      const later: Array<{ event: TailEvent; end: number }> = [];
      while (end > first) {
        const from = buf.lastIndexOf(0x0a, end - 2) + 1;
        if (from < first) break;
        const line = this.parseLine(buf.subarray(from, end - 1).toString('utf8'));
        if (line.i === 0 || keepUpTo === null || line.i <= keepUpTo) {
          let kept: LastEvent = line;
          let keepEnd = end;
          let before = line.i === 0 ? { term: 0, votedFor: null } : line;
          for (const { event, end: after } of later.reverse()) {
            if (event.changedLog || event.term !== before.term || event.votedFor !== before.votedFor) break;
            kept = event;
            keepEnd = after;
            before = event;
          }
          if (start + keepEnd < size) ftruncateSync(this.fd, start + keepEnd);
          return kept.i === 0 ? { i: 0 } : { i: kept.i, ...(kept.clock ? { clock: kept.clock } : {}) };
        }
        later.push({ event: line, end });
        end = from;
      }
      if (start === 0) throw new Error(`${this.path}: no header line; move the file away to start a new trace`);
    }
  }

  private parseLine(line: string): TailEvent {
    let parsed: {
      i?: unknown;
      clock?: VectorClock;
      format?: unknown;
      state?: { term?: number; votedFor?: ServerId | null };
      logChange?: unknown;
    };
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${this.path}: a line near its end is not JSON; move the file away to start a new trace`);
    }
    if (parsed.format !== undefined) return { i: 0, term: 0, votedFor: null, changedLog: false };
    if (!Number.isSafeInteger(parsed.i)) throw new Error(`${this.path}: a line near its end has no event number i`);
    return {
      i: parsed.i as number,
      ...(parsed.clock ? { clock: parsed.clock } : {}),
      term: parsed.state?.term ?? 0,
      votedFor: parsed.state?.votedFor ?? null,
      changedLog: parsed.logChange !== undefined,
    };
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
      const msgId: MessageId | undefined =
        e.msg && received && e.msg === tracedMessage(received.msg) ? received.id : undefined;
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
