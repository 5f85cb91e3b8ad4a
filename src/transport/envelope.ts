// What travels between servers: a Raft message with the id and vector clock
// of the event that sent it, so that the receiver's trace can name the send
// it pairs with and order itself after it. Every received frame is checked
// against this shape (and the trace schema's message definitions) before the
// Raft node sees it.
import type { ValidateFunction } from 'ajv';
import type { Message } from '../raft/types.js';
import type { MessageId, VectorClock } from '../raft/events.js';
import { traceSchemas } from '../trace/validate.js';

export interface Envelope {
  readonly id: MessageId;
  readonly clock: VectorClock;
  readonly msg: Message;
}

let validate: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (!validate) {
    const { ajv, v2 } = traceSchemas();
    validate = ajv.compile({
      type: 'object',
      additionalProperties: false,
      required: ['id', 'clock', 'msg'],
      properties: {
        id: { $ref: `${v2}#/definitions/messageId` },
        clock: { $ref: `${v2}#/definitions/vectorClock` },
        msg: { $ref: `${v2}#/definitions/message` },
        // A snapshot's head (snapshot-chunks.ts): how many chunk frames follow, and the content's size.
        chunks: { type: 'integer', minimum: 0 },
        bytes: { type: 'integer', minimum: 0 },
      },
    });
  }
  return validate;
}

/** The envelope a frame holds, or a one-line reason why it holds none. */
export function parseEnvelope(body: Buffer): Envelope | string {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the frame is not JSON';
  }
  const check = validator();
  if (check(value)) return value as Envelope;
  const e = check.errors![0]!;
  return `the frame does not match the message schema at ${e.instancePath || '/'}: ${e.message}`;
}
