// The simulated network: the multiset of messages in flight, in the order they
// were sent, each with the tick it was sent at. Delivery picks any of them,
// which is how the simulator reorders and delays; dropping and duplicating act
// on one message at a time. A message still in flight `maxDelay` ticks after
// it was sent is delivered by the clock (see Cluster.tick), as a real network
// delivers or loses every message eventually.
import type { Message } from '../raft/types.js';

interface InFlight {
  readonly msg: Message;
  readonly sentAt: number;
}

export class Network {
  private readonly inFlight: InFlight[] = [];

  get size(): number {
    return this.inFlight.length;
  }

  send(m: Message, now: number): void {
    this.inFlight.push({ msg: m, sentAt: now });
  }

  /** Removes and returns the message at position `pick` (taken modulo the number in flight). */
  take(pick: number): Message | undefined {
    if (this.inFlight.length === 0) return undefined;
    const [m] = this.inFlight.splice(pick % this.inFlight.length, 1);
    return m!.msg;
  }

  /** The message at position `pick` (modulo the number in flight), left in place. */
  peek(pick: number): Message | undefined {
    if (this.inFlight.length === 0) return undefined;
    return this.inFlight[pick % this.inFlight.length]!.msg;
  }

  /** Position of the oldest message sent at or before `tick`, or -1. */
  oldestSentBy(tick: number): number {
    return this.inFlight.length > 0 && this.inFlight[0]!.sentAt <= tick ? 0 : -1;
  }

  messages(): readonly Message[] {
    return this.inFlight.map((f) => f.msg);
  }
}
