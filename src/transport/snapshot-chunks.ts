// A snapshot on the wire, in chunks. An InstallSnapshotRequest carries the
// state machine's whole content, which may be far larger than a frame may be
// (framing.ts bounds every frame, so that a receiver never buffers an endless
// one). So it travels as a head frame, the envelope without the content and
// with the number of chunks and the content's size in UTF-8 bytes, then that
// many chunk frames, back to back on the same connection:
//
//   {"id":..,"clock":..,"msg":{"type":"InstallSnapshotRequest",..},"chunks":3,"bytes":150000}
//   {"of":"n1:1:42","seq":0,"data":"..."}   (CHUNK_CHARS characters each, the last one fewer)
//
// The receiver (and the nemesis's proxy, which must drop, delay or duplicate
// a snapshot whole) reassembles them before the message goes anywhere; a head
// that declares more than the receiver's limit, a chunk out of order or one
// that belongs to no head closes the connection. The sender writes a
// message's frames as one buffer, so that no other frame comes between them.
import { parseEnvelope, type Envelope } from './envelope.js';
import { encodeFrame } from './framing.js';

/** Characters of content per chunk: at most 6 bytes each once JSON-escaped, well inside a frame. */
export const CHUNK_CHARS = 1 << 16;

/** The largest snapshot content a receiver takes unless told otherwise. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 64 << 20;

/** A message's frames, as one buffer: one frame, or a snapshot's head and chunks. */
export function encodeMessage(envelope: Envelope, chunkChars = CHUNK_CHARS): Buffer {
  const msg = envelope.msg;
  if (msg.type !== 'InstallSnapshotRequest' || msg.data === undefined) return encodeFrame(envelope);
  const { data, ...traced } = msg;
  const chunks = Math.ceil(data.length / chunkChars);
  const frames = [encodeFrame({ ...envelope, msg: traced, chunks, bytes: Buffer.byteLength(data, 'utf8') })];
  for (let k = 0; k < chunks; k++)
    frames.push(encodeFrame({ of: envelope.id, seq: k, data: data.slice(k * chunkChars, (k + 1) * chunkChars) }));
  return Buffer.concat(frames);
}

/** A whole message off the wire, and the frame bodies it came in (the proxy forwards them as they were). */
export interface Assembled {
  readonly envelope: Envelope;
  readonly bodies: readonly Buffer[];
}

interface Waiting {
  readonly head: Envelope;
  readonly chunks: number;
  readonly bytes: number;
  readonly parts: string[];
  readonly bodies: Buffer[];
  /** Characters of content received so far. */
  received: number;
}

/** Reassembles one connection's frames into messages. */
export class MessageAssembler {
  private waiting: Waiting | null = null;

  constructor(private readonly maxSnapshotBytes = DEFAULT_MAX_SNAPSHOT_BYTES) {}

  /** The message this frame completes, null if it needs more chunks, or a one-line reason the connection must close. */
  push(body: Buffer): Assembled | null | string {
    if (this.waiting) return this.chunk(this.waiting, body);
    const envelope = parseEnvelope(body);
    if (typeof envelope === 'string') return envelope;
    const head = envelope as Envelope & { chunks?: number; bytes?: number };
    if (head.chunks === undefined) return { envelope, bodies: [body] };
    if (envelope.msg.type !== 'InstallSnapshotRequest')
      return `a ${envelope.msg.type} announces chunks: only a snapshot comes in chunks`;
    const bytes = head.bytes ?? 0;
    if (bytes > this.maxSnapshotBytes)
      return `a snapshot of ${bytes} bytes exceeds the limit of ${this.maxSnapshotBytes}`;
    const { chunks: _c, bytes: _b, ...plain } = head;
    const waiting: Waiting = { head: plain, chunks: head.chunks, bytes, parts: [], bodies: [body], received: 0 };
    if (head.chunks === 0) return this.complete(waiting);
    this.waiting = waiting;
    return null;
  }

  private chunk(w: Waiting, body: Buffer): Assembled | null | string {
    let c: { of?: unknown; seq?: unknown; data?: unknown };
    try {
      c = JSON.parse(body.toString('utf8'));
    } catch {
      return `chunk ${w.parts.length} of snapshot ${w.head.id} is not JSON`;
    }
    if (
      typeof c !== 'object' ||
      c === null ||
      c.of !== w.head.id ||
      c.seq !== w.parts.length ||
      typeof c.data !== 'string'
    )
      return `expected chunk ${w.parts.length} of ${w.chunks} of snapshot ${w.head.id}, got another frame`;
    // Characters so far: never more than the content's bytes (a character is one byte at least), so memory stays bounded.
    w.received += c.data.length;
    if (w.received > w.bytes) return `snapshot ${w.head.id} sent more than the ${w.bytes} bytes its head announced`;
    w.parts.push(c.data);
    w.bodies.push(body);
    if (w.parts.length < w.chunks) return null;
    this.waiting = null;
    return this.complete(w);
  }

  private complete(w: Waiting): Assembled | string {
    const data = w.parts.join('');
    const bytes = Buffer.byteLength(data, 'utf8');
    if (bytes !== w.bytes) return `snapshot ${w.head.id} sent ${bytes} of the ${w.bytes} bytes its head announced`;
    const msg = { ...w.head.msg, data };
    return { envelope: { ...w.head, msg }, bodies: w.bodies };
  }
}
