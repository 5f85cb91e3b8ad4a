// The cluster as its trace tells it: the messages in flight and each server's
// state and log, rebuilt from the events alone, the way TLC rebuilds them.
// A driver that holds the real cluster compares the two after each step; any
// difference is something that happened without an event (a message consumed
// silently, a state changed by no action), which TLC, seeing only the trace,
// could never notice: the spec lets a message stay in flight forever.
import { NO_GUARDS, type Guards, type Message, type ServerId } from '../raft/types.js';
import type { TracedState, UnnumberedEvent } from '../raft/events.js';
import { applyEvent, messageKey, startReplay, type LogView, type Replay } from './replay.js';

export function describeMessage(m: Message): string {
  return `${m.type} ${m.source}→${m.dest} (term ${m.term})`;
}

/** The trace's replay (the one TLC's chunks start from), fed event by event as the run records them. */
export class LoggedWorld {
  private readonly replay: Replay;

  constructor(servers: readonly ServerId[], guards: Guards = NO_GUARDS) {
    this.replay = startReplay(servers, guards);
  }

  apply(e: UnnumberedEvent): void {
    applyEvent(this.replay, e);
  }

  state(id: ServerId): TracedState {
    return this.replay.state.servers[id]!.state;
  }

  log(id: ServerId): LogView {
    return this.replay.state.servers[id]!.log;
  }

  /**
   * How the real bag of messages differs from this one, or null: the first
   * message found in one and not (as often) in the other.
   */
  differenceFrom(real: readonly Message[]): string | null {
    const bag = this.replay.state.bag;
    const counts = new Map<string, { msg: Message; count: number }>();
    for (const m of real) {
      const key = messageKey(m);
      const c = counts.get(key);
      if (c) c.count++;
      else counts.set(key, { msg: m, count: 1 });
    }
    for (const [key, { msg, count }] of counts) {
      const logged = bag.get(key)?.copies ?? 0;
      if (logged !== count)
        return `${describeMessage(msg)} is in flight ${count} time(s), but the trace says ${logged}`;
    }
    // Every message of the network matched: the trace can only hold more.
    if (bag.size === counts.size) return null;
    for (const [key, { msg, copies }] of bag) {
      if (!counts.has(key))
        return `${describeMessage(msg)} is in flight ${copies} time(s) according to the trace, but the network no longer holds it`;
    }
    return null;
  }
}

/** The first field in which two traced states differ, as `field: real vs logged`, or null. */
export function stateDifference(real: TracedState, logged: TracedState): string | null {
  if (real === logged || sameTracedState(real, logged) || JSON.stringify(real) === JSON.stringify(logged)) return null;
  for (const field of Object.keys(real) as Array<keyof TracedState>) {
    const a = JSON.stringify(real[field]);
    const b = JSON.stringify(logged[field]);
    if (a !== b) return `${field} is ${a}, but its last event says ${b}`;
  }
  return null;
}

/** Whether two traced states hold the same values in the same order (the common case, checked after every step without serializing). */
function sameTracedState(a: TracedState, b: TracedState): boolean {
  if (
    a.term !== b.term ||
    a.role !== b.role ||
    a.votedFor !== b.votedFor ||
    a.logLength !== b.logLength ||
    a.commitIndex !== b.commitIndex
  )
    return false;
  if (!sameList(a.votesResponded, b.votesResponded) || !sameList(a.votesGranted, b.votesGranted)) return false;
  if (a.leaderSeen !== b.leaderSeen || !sameList(a.activePeers ?? [], b.activePeers ?? [])) return false;
  if ((a.activePeers === undefined) !== (b.activePeers === undefined)) return false;
  return sameIndexMap(a.nextIndex, b.nextIndex) && sameIndexMap(a.matchIndex, b.matchIndex);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Same keys in the same order, same values (as their JSON would be). */
function sameIndexMap(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (!sameList(ka, kb)) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
