// The simulated network: the multiset of messages in flight, in the order they
// were sent. Delivery picks any of them, which is how the simulator reorders
// and delays; dropping and duplicating act on one message at a time.
import type { Message } from '../raft/types.js';

export class Network {
  private readonly inFlight: Message[] = [];

  get size(): number {
    return this.inFlight.length;
  }

  send(m: Message): void {
    this.inFlight.push(m);
  }

  /** Removes and returns the message at position `pick` (taken modulo the number in flight). */
  take(pick: number): Message | undefined {
    if (this.inFlight.length === 0) return undefined;
    const [m] = this.inFlight.splice(pick % this.inFlight.length, 1);
    return m;
  }

  /** The message at position `pick` (modulo the number in flight), left in place. */
  peek(pick: number): Message | undefined {
    if (this.inFlight.length === 0) return undefined;
    return this.inFlight[pick % this.inFlight.length];
  }

  messages(): readonly Message[] {
    return this.inFlight;
  }
}
