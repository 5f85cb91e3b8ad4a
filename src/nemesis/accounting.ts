// Message accounting on a real cluster: every message the proxy wrote to a
// live receiver's connection must show up in that receiver's trace as
// consumed (an event that reads its id). Raft tolerates lost messages, so a
// receiver that silently drops some passes every other oracle; only this
// account sees it. A message is excused when its receiver could not have read
// it: it was written within GRACE_MS of the connection's end (the receiver
// was killed, stopped on a failed disk, or the run ended; its last steps may
// also have been cut from its trace at restart, with the unsynced records that
// held them), or while the receiver was paused (then the time counts from the
// SIGCONT).
import { readFileSync } from 'node:fs';
import type { ServerId } from '../raft/types.js';
import type { Delivery } from './proxy.js';

/** How long a live receiver has to consume a message before its loss is a finding. */
export const GRACE_MS = 2500;

/** A span in which a server was SIGSTOPped (ms since the epoch; `to` null: never resumed). */
export interface Pause {
  readonly id: ServerId;
  readonly from: number;
  readonly to: number | null;
}

export interface Unconsumed {
  readonly msgId: string;
  readonly type: string;
  readonly to: ServerId;
  /** When it was written, in ms from `origin`. */
  readonly at: number;
  /** How long the receiver ran on, able to read it, before its connection ended. */
  readonly ranOnMs: number;
}

export interface MessageAccount {
  readonly delivered: number;
  /** Deliveries the receivers had time to consume. */
  readonly accountable: number;
  readonly consumed: number;
  readonly excused: number;
  readonly lost: readonly Unconsumed[];
}

/** How many times each message id was read, in one server's trace file. */
export function readsIn(traceFile: string): Map<string, number> {
  const reads = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync(traceFile, 'utf8');
  } catch {
    return reads;
  }
  for (const line of text.split('\n')) {
    const m = /"msgId":"([^"]+)"/.exec(line);
    if (m) reads.set(m[1]!, (reads.get(m[1]!) ?? 0) + 1);
  }
  return reads;
}

/** Writes this close before a SIGSTOP may still be unread when it strikes. */
const BEFORE_PAUSE_MS = 100;

/** When `d`'s receiver could first read it: its delivery, or the end of a pause it fell in; null if never. */
function readableFrom(d: Delivery, pauses: readonly Pause[]): number | null {
  const p = pauses.find(
    (x) => x.id === d.connection.to && x.from - BEFORE_PAUSE_MS <= d.at && (x.to === null || d.at <= x.to),
  );
  if (!p) return d.at;
  return p.to;
}

/**
 * The account of `deliveries` against the receivers' reads (`reads[id]`,
 * from readsIn). Copies count: a message delivered twice must be read twice.
 */
export function accountMessages(
  deliveries: readonly Delivery[],
  reads: ReadonlyMap<ServerId, ReadonlyMap<string, number>>,
  pauses: readonly Pause[],
  origin: number,
): MessageAccount {
  const left = new Map<string, number>();
  for (const [id, r] of reads) for (const [msgId, n] of r) left.set(`${id} ${msgId}`, n);
  const lost: Unconsumed[] = [];
  let accountable = 0;
  let consumed = 0;
  let excused = 0;
  for (const d of deliveries) {
    const key = `${d.connection.to} ${d.msgId}`;
    const have = left.get(key) ?? 0;
    if (have > 0) left.set(key, have - 1);
    const from = readableFrom(d, pauses);
    const end = d.connection.closed;
    if (from === null || end === null || end - from <= GRACE_MS) {
      if (have > 0) consumed++;
      else excused++;
      continue;
    }
    accountable++;
    if (have > 0) consumed++;
    else lost.push({ msgId: d.msgId, type: d.type, to: d.connection.to, at: d.at - origin, ranOnMs: end - from });
  }
  return { delivered: deliveries.length, accountable, consumed, excused, lost };
}

/** One line per receiver that lost messages, naming the first ones: the finding's text. */
export function describeLosses(lost: readonly Unconsumed[]): Array<{ what: string; lines: string[] }> {
  const by = new Map<ServerId, Unconsumed[]>();
  for (const u of lost) by.set(u.to, [...(by.get(u.to) ?? []), u]);
  return [...by].map(([to, us]) => {
    const u = us[0]!;
    const more = us.length > 1 ? ` (and ${us.length - 1} more)` : '';
    return {
      what: `${to} never consumed message ${u.msgId} (${u.type}), delivered to it at ${(u.at / 1000).toFixed(2)} s, though it ran on for ${(u.ranOnMs / 1000).toFixed(1)} s${more}: messages lost inside the process (its transport or its input queue), not on the network`,
      lines: us.slice(0, 8).map((x) => `${x.msgId} (${x.type}) delivered at ${(x.at / 1000).toFixed(2)} s, unread`),
    };
  });
}
