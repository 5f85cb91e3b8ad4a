// Frames on a server-to-server TCP connection: a 4-byte big-endian length,
// then that many bytes of UTF-8 JSON. A reader can follow a capture by eye,
// and a receiver knows a frame's size before it buffers it, so an oversized
// or endless frame is refused without holding it in memory.

export const DEFAULT_MAX_FRAME_BYTES = 1 << 20;

export function encodeFrame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

export class FrameError extends Error {}

/** Splits a byte stream into frame bodies; push() throws a FrameError for a frame over the limit. */
export class FrameDecoder {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  push(chunk: Buffer): Buffer[] {
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Buffer[] = [];
    while (this.bufferedBytes >= 4) {
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > this.maxFrameBytes)
        throw new FrameError(`a frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      if (this.bufferedBytes < 4 + length) break;
      const all = this.take(4 + length);
      frames.push(all.subarray(4));
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.buffered[0]!.length < n) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    this.buffered = all.length > n ? [all.subarray(n)] : [];
    this.bufferedBytes -= n;
    return all.subarray(0, n);
  }
}
