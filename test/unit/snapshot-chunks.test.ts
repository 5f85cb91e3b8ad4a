// InstallSnapshot on the wire: a snapshot far larger than a frame travels as
// a head and chunks, is reassembled byte for byte (any text, split anywhere),
// and a receiver refuses one over its size limit or with chunks out of order.
// The last test sends one between two real TCP transports on the loopback.
import { describe, expect, it } from 'vitest';
import { FrameDecoder, DEFAULT_MAX_FRAME_BYTES } from '../../src/transport/framing.js';
import { encodeMessage, MessageAssembler } from '../../src/transport/snapshot-chunks.js';
import { TcpTransport } from '../../src/transport/tcp-transport.js';
import type { Envelope } from '../../src/transport/envelope.js';
import { freePorts } from '../../src/server/local-cluster.js';

function snapshotEnvelope(data: string, id = 'n1:1:7'): Envelope {
  return {
    id,
    clock: { n1: 7 },
    msg: {
      type: 'InstallSnapshotRequest',
      source: 'n1',
      dest: 'n2',
      term: 3,
      lastIncludedIndex: 120,
      lastIncludedTerm: 2,
      data,
    },
  };
}

/** Frames off a byte stream, fed in pieces of `piece` bytes, into one assembler. */
function receive(bytes: Buffer, piece: number, maxSnapshotBytes?: number): Array<Envelope | string> {
  const decoder = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
  const assembler = new MessageAssembler(maxSnapshotBytes);
  const out: Array<Envelope | string> = [];
  for (let at = 0; at < bytes.length; at += piece) {
    for (const body of decoder.push(bytes.subarray(at, at + piece))) {
      const whole = assembler.push(body);
      if (whole !== null) out.push(typeof whole === 'string' ? whole : whole.envelope);
      // A receiver closes the connection at the first bad frame.
      if (typeof whole === 'string') return out;
    }
  }
  return out;
}

describe('a snapshot in chunks', () => {
  it('is reassembled exactly, whatever its text and however the stream is cut', () => {
    // Over 2 MiB (twice the frame limit), with multi-byte characters and pairs a chunk boundary may split.
    const data = JSON.stringify({ k: 'é😀\u0001"\\'.repeat(150_000) });
    const wire = encodeMessage(snapshotEnvelope(data), 1000);
    expect(wire.length).toBeGreaterThan(2 * DEFAULT_MAX_FRAME_BYTES);
    for (const piece of [7, 4096, 1 << 20]) {
      const got = receive(wire, piece);
      expect(got).toHaveLength(1);
      expect(got[0]).toEqual(snapshotEnvelope(data));
    }
    // Messages before and after it are untouched.
    const ping: Envelope = {
      id: 'n1:1:8',
      clock: { n1: 8 },
      msg: { type: 'AppendEntriesResponse', source: 'n1', dest: 'n2', term: 3, success: true, matchIndex: 4 },
    };
    const got = receive(Buffer.concat([encodeMessage(ping), wire, encodeMessage(ping)]), 65536);
    expect(got.map((e) => (typeof e === 'string' ? e : e.msg.type))).toEqual([
      'AppendEntriesResponse',
      'InstallSnapshotRequest',
      'AppendEntriesResponse',
    ]);
    // An empty snapshot is a head with no chunks.
    expect(receive(encodeMessage(snapshotEnvelope('')), 100)).toEqual([snapshotEnvelope('')]);
  });

  it('refuses a snapshot over the size limit, and chunks that are missing, foreign or too long, in one line', () => {
    const data = 'x'.repeat(5000);
    expect(receive(encodeMessage(snapshotEnvelope(data), 1000), 512, 4999)).toEqual([
      'a snapshot of 5000 bytes exceeds the limit of 4999',
    ]);
    const wire = encodeMessage(snapshotEnvelope(data), 1000);
    const frames: Buffer[] = [];
    const decoder = new FrameDecoder();
    for (const body of decoder.push(wire)) frames.push(body);
    expect(frames).toHaveLength(6);
    const reframe = (bodies: Buffer[]) =>
      Buffer.concat(
        bodies.map((b) => {
          const h = Buffer.alloc(4);
          h.writeUInt32BE(b.length);
          return Buffer.concat([h, b]);
        }),
      );
    const swapped = [frames[0]!, frames[2]!, frames[1]!];
    expect(receive(reframe(swapped), 1 << 16)).toEqual(['expected chunk 0 of 5 of snapshot n1:1:7, got another frame']);
    const foreign = Buffer.from(JSON.stringify({ of: 'n3:1:1', seq: 0, data: 'x' }));
    expect(receive(reframe([frames[0]!, foreign]), 1 << 16)[0]).toMatch(/expected chunk 0 of 5/);
    const long = Buffer.from(JSON.stringify({ of: 'n1:1:7', seq: 0, data: 'x'.repeat(6000) }));
    expect(receive(reframe([frames[0]!, long]), 1 << 16)).toEqual([
      'snapshot n1:1:7 sent more than the 5000 bytes its head announced',
    ]);
  });

  it('crosses a real TCP connection between two transports', async () => {
    const [a, b] = await freePorts(2);
    const got: Envelope[] = [];
    const log: string[] = [];
    const n2 = new TcpTransport(
      {
        id: 'n2',
        listen: { host: '127.0.0.1', port: b! },
        peers: { n1: { host: '127.0.0.1', port: a! } },
        log: (l) => log.push(l),
      },
      (e) => got.push(e),
    );
    const n1 = new TcpTransport(
      {
        id: 'n1',
        listen: { host: '127.0.0.1', port: a! },
        peers: { n2: { host: '127.0.0.1', port: b! } },
        log: (l) => log.push(l),
      },
      () => {},
    );
    try {
      await n2.start();
      await n1.start();
      const data = JSON.stringify(
        Object.fromEntries(Array.from({ length: 40_000 }, (_, k) => [`key${k}`, `value ${k}`])),
      );
      n1.send(snapshotEnvelope(data));
      const deadline = Date.now() + 10_000;
      while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(log).toEqual([]);
      expect(got).toHaveLength(1);
      expect(got[0]!.msg).toEqual(snapshotEnvelope(data).msg);
    } finally {
      await n1.close();
      await n2.close();
    }
  });
});
