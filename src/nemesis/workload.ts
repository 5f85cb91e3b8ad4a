// The nemesis's client workload: a few concurrent clients issuing PUT and GET
// on a few keys of a real cluster, each operation recorded with the times it
// was invoked and completed and what it returned, for the linearizability
// check (src/history/linearizability.ts). A write whose outcome the client
// never learned (a timeout, a server killed mid-request) is kept with no
// completion: it may have taken effect. A read without an answer, or a
// command known to have failed, is left out: it changed nothing.
//
// Bounded: each client stops at the deadline, each command has its own
// timeout, and a think time between commands keeps the log (and so the
// trace TLC reads) to a size a run's length predicts. One command in four
// starts over at a random server, as a client that reconnects does.
//
// The first client is patient: it waits patientMs for each answer, long
// enough to outlast a partition, so that a command it sent to a leader that
// was then cut off is answered by that leader once it rejoins and learns
// what became of the entry: an acknowledgement for an entry a later leader
// overwrote reaches the history, where linearizability judges it (the others
// give up after commandTimeoutMs, as impatient clients do).
import { KvClient, KvClientError } from '../client/kv-client.js';
import type { Operation } from '../history/linearizability.js';
import type { ServerId } from '../raft/types.js';
import { Rng } from '../random/rng.js';

export interface WorkloadOptions {
  readonly servers: Readonly<Record<ServerId, string>>;
  readonly clients: number;
  readonly keys: number;
  readonly seed: number;
  /** performance.now() at which clients stop issuing commands. */
  readonly until: number;
  /** performance.now() of the run's start: history times are taken from it. */
  readonly origin: number;
  readonly thinkMs: readonly [number, number];
  readonly commandTimeoutMs: number;
  /** How long the first client waits for each answer (the servers must keep a request that long: requestTimeoutMs). */
  readonly patientMs: number;
}

/** One command as its client saw it, answered or not: what availability is measured from. */
export interface Attempt {
  readonly client: string;
  /** ms since the workload started: when the client sent it, and when it had an answer or gave up. */
  readonly invoke: number;
  readonly end: number;
  /** answered; timed out (it may still take effect); refused (it failed for sure: no leader took it). */
  readonly outcome: 'answered' | 'timed out' | 'refused';
}

export interface WorkloadResult {
  readonly history: Operation[];
  readonly attempts: Attempt[];
  /** Answered; no answer (may have taken effect); failed for sure (no effect). */
  readonly ok: number;
  readonly indefinite: number;
  readonly failed: number;
  /** Why commands failed, with how often: the run's report shows the few most common. */
  readonly failures: Readonly<Record<string, number>>;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runWorkload(o: WorkloadOptions): Promise<WorkloadResult> {
  const history: Operation[] = [];
  const attempts: Attempt[] = [];
  const failures: Record<string, number> = {};
  let ok = 0;
  let indefinite = 0;
  let failed = 0;
  const now = () => Math.round((performance.now() - o.origin) * 1000) / 1000;
  const client = async (c: number) => {
    const name = `c${c}`;
    const rng = new Rng((o.seed * 31 + c) >>> 0);
    // A client that reconnects starts at a server of its choice, not at the
    // leader it knew: as real clients do, and how a server that answers
    // without being the leader gets found out.
    const ids = Object.keys(o.servers);
    const connect = () => {
      const first = rng.intBetween(0, ids.length - 1);
      const order = [...ids.slice(first), ...ids.slice(0, first)];
      return new KvClient({
        servers: Object.fromEntries(order.map((id) => [id, o.servers[id]!])),
        timeoutMs: c === 1 ? o.patientMs : o.commandTimeoutMs,
        maxAttempts: 20,
      });
    };
    let kv = connect();
    let n = 0;
    while (performance.now() < o.until) {
      if (rng.intBetween(0, 3) === 0) kv = connect();
      const key = `k${rng.intBetween(1, o.keys)}`;
      const put = rng.intBetween(0, 1) === 0;
      const value = put ? `${name}-${++n}` : null;
      const invoke = now();
      try {
        const r = put ? await kv.put(key, value!) : await kv.get(key);
        history.push({
          client: name,
          kind: put ? 'put' : 'get',
          key,
          value: put ? value : r.value,
          invoke,
          complete: now(),
        });
        attempts.push({ client: name, invoke, end: history.at(-1)!.complete!, outcome: 'answered' });
        ok++;
      } catch (err) {
        if (!(err instanceof KvClientError)) throw err;
        const reason = err.message.replace(/[0-9]+/g, '#').slice(0, 80);
        failures[reason] = (failures[reason] ?? 0) + 1;
        attempts.push({ client: name, invoke, end: now(), outcome: err.indefinite ? 'timed out' : 'refused' });
        if (err.indefinite) {
          indefinite++;
          if (put) history.push({ client: name, kind: 'put', key, value, invoke, complete: null });
        } else {
          failed++;
        }
      }
      await pause(rng.intBetween(o.thinkMs[0], o.thinkMs[1]));
    }
  };
  await Promise.all(Array.from({ length: o.clients }, (_, c) => client(c + 1)));
  return { history, attempts, ok, indefinite, failed, failures };
}
