// The cluster as its trace tells it: the messages in flight and each server's
// state and log, rebuilt from the events alone, the way TLC rebuilds them.
// A driver that holds the real cluster compares the two after each step; any
// difference is something that happened without an event (a message consumed
// silently, a state changed by no action), which TLC, seeing only the trace,
// could never notice: the spec lets a message stay in flight forever.
import type { Entry, Message, ServerId } from '../raft/types.js';
import type { TracedState, UnnumberedEvent } from './events.js';

const keys = new WeakMap<Message, string>();

/** A message's identity in the bag: its fields, in the order the core writes them (kept per object: messages are immutable). */
export function messageKey(m: Message): string {
  let key = keys.get(m);
  if (key === undefined) {
    key = JSON.stringify(m);
    keys.set(m, key);
  }
  return key;
}

export function describeMessage(m: Message): string {
  return `${m.type} ${m.source}→${m.dest} (term ${m.term})`;
}

interface LoggedServer {
  state: TracedState;
  log: Entry[];
}

export class LoggedWorld {
  /** Multiset of messages in flight: key → how many copies. */
  private readonly bag = new Map<string, { msg: Message; count: number }>();
  private inFlight = 0;
  private readonly servers = new Map<ServerId, LoggedServer>();

  /** `initial` gives each server's state before any event (the spec's Init). */
  constructor(initial: ReadonlyMap<ServerId, TracedState>) {
    for (const [id, state] of initial) this.servers.set(id, { state, log: [] });
  }

  apply(e: UnnumberedEvent): void {
    if (!('node' in e)) return e.action === 'DropMessage' ? this.take(e.msg) : this.put(e.msg);
    // Every action that reads a message consumes it, except UpdateTerm, which
    // adopts the term and leaves the message for the handler that follows.
    if (e.msg && e.action !== 'UpdateTerm') this.take(e.msg);
    if (e.send) this.put(e.send);
    const s = this.servers.get(e.node)!;
    if (e.logChange) {
      s.log.length = Math.min(s.log.length, e.logChange.keep);
      for (const entry of e.logChange.append) s.log.push(entry);
    }
    s.state = e.state;
  }

  get size(): number {
    return this.inFlight;
  }

  state(id: ServerId): TracedState {
    return this.servers.get(id)!.state;
  }

  log(id: ServerId): readonly Entry[] {
    return this.servers.get(id)!.log;
  }

  /**
   * How the real bag of messages differs from this one, or null: the first
   * message found in one and not (as often) in the other.
   */
  differenceFrom(real: readonly Message[]): string | null {
    const counts = new Map<string, { msg: Message; count: number }>();
    for (const m of real) {
      const key = messageKey(m);
      const c = counts.get(key);
      if (c) c.count++;
      else counts.set(key, { msg: m, count: 1 });
    }
    for (const [key, { msg, count }] of counts) {
      const logged = this.bag.get(key)?.count ?? 0;
      if (logged !== count) return `${describeMessage(msg)} is in flight ${count} time(s), but the trace says ${logged}`;
    }
    if (real.length !== this.inFlight) {
      for (const [key, { msg, count }] of this.bag) {
        if (!counts.has(key)) return `${describeMessage(msg)} is in flight ${count} time(s) according to the trace, but the network no longer holds it`;
      }
    }
    return null;
  }

  private put(m: Message): void {
    const key = messageKey(m);
    const c = this.bag.get(key);
    if (c) c.count++;
    else this.bag.set(key, { msg: m, count: 1 });
    this.inFlight++;
  }

  private take(m: Message): void {
    const key = messageKey(m);
    const c = this.bag.get(key);
    // A message the trace consumes without having sent it is TLC's to reject
    // (the action is not enabled); here it only must not go negative.
    if (!c) return;
    this.inFlight--;
    if (--c.count === 0) this.bag.delete(key);
  }
}

/** The first field in which two traced states differ, as `field: real vs logged`, or null. */
export function stateDifference(real: TracedState, logged: TracedState): string | null {
  if (real === logged || JSON.stringify(real) === JSON.stringify(logged)) return null;
  for (const field of Object.keys(real) as Array<keyof TracedState>) {
    const a = JSON.stringify(real[field]);
    const b = JSON.stringify(logged[field]);
    if (a !== b) return `${field} is ${a}, but its last event says ${b}`;
  }
  return null;
}
