// Three real server processes on 127.0.0.1, each with its write-ahead log on
// disk and its own trace: elections, replication and apply; a follower and
// then the leader killed with SIGKILL and restarted with nothing acknowledged
// lost; a torn WAL tail recovered; a malformed frame that closes one
// connection and nothing else; SIGTERM. Every process the tests start is
// stopped in afterAll (and by the cleanup hooks if the run is interrupted).
import { appendFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvClient, KvClientError, type KvResult } from '../../src/client/kv-client.js';
import { checkLinearizability, describeOperation, type Operation } from '../../src/history/linearizability.js';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import { LocalCluster } from '../../src/server/local-cluster.js';
import { encodeRecord } from '../../src/storage/wal-records.js';
import { validateTraceFile } from '../../src/trace/validate.js';
import { mergeTraceFiles } from '../../src/trace/merge.js';
import { checkTraces } from '../../src/check/trace-checker.js';
import { formatDiagnosis } from '../../src/verdict/diagnosis.js';
import { needTlc } from '../support/need-tlc.js';
import type { TraceEvent } from '../../src/raft/events.js';

let dir: string;
let cluster: LocalCluster;
let client: KvClient;
/** Every write the cluster acknowledged: key → value (each key written once). */
const acknowledged = new Map<string, string>();

/** Every operation a client completed or left without an answer, for the linearizability check. */
const history: Operation[] = [];

async function record(
  client: string,
  kind: 'put' | 'get',
  key: string,
  value: string | undefined,
  run: () => Promise<KvResult>,
): Promise<KvResult> {
  const invoke = performance.now();
  try {
    const r = await run();
    history.push({ client, kind, key, value: kind === 'put' ? value! : r.value, invoke, complete: performance.now() });
    return r;
  } catch (err) {
    // No answer: it may have taken effect. A definite failure had no effect.
    if (err instanceof KvClientError && err.indefinite && kind === 'put')
      history.push({ client, kind, key, value: value!, invoke, complete: null });
    throw err;
  }
}

async function write(key: string, value: string, who = 'c0'): Promise<void> {
  const r = await record(who, 'put', key, value, () => client.put(key, value));
  expect(r.value).toBe(value);
  acknowledged.set(key, value);
}

async function read(key: string): Promise<string | null> {
  return (await record('c0', 'get', key, undefined, () => client.get(key))).value;
}

/** Waits until every server has applied everything the leader committed (catch-up takes a round trip per two entries). */
async function allCaughtUp(): Promise<void> {
  await cluster.waitFor('every server to catch up with the leader', 60_000, (s) => {
    const leader = Object.values(s).find((x) => x?.role === 'Leader');
    return (
      leader &&
      cluster.ids.every(
        (id) => s[id] && s[id]!.lastApplied === leader.commitIndex && s[id]!.logLength === leader.logLength,
      )
    );
  });
}

function serverLog(id: string): string {
  return readFileSync(`${cluster.dataDir(id)}/server.log`, 'utf8');
}

beforeAll(async () => {
  dir = makeTempDir('raft-cluster-');
  cluster = await LocalCluster.create({
    dir,
    servers: 3,
    electionTimeoutMs: { min: 300, max: 600 },
    heartbeatMs: 75,
    requestTimeoutMs: 10_000,
  });
  client = new KvClient({ servers: cluster.clientUrls, timeoutMs: 15_000 });
  for (const id of cluster.ids) cluster.start(id);
});

afterAll(async () => {
  await cluster?.stopAll();
  if (dir) removeTempDir(dir);
});

describe('a cluster of 3 real server processes', () => {
  it('elects a leader, replicates and applies writes, and reads through the log', async () => {
    const leader = await cluster.waitForLeader(20_000);
    for (let k = 1; k <= 10; k++) await write(`a${k}`, `v${k}`);
    for (let k = 1; k <= 10; k++) expect(await read(`a${k}`)).toBe(`v${k}`);
    expect(await read('never-written')).toBeNull();
    // The leader's no-op, ten writes and eleven reads (each read goes through the log): at least 22
    // entries (another election adds a no-op), held and applied by every server, waited for whole:
    // the last may still be on its way to one.
    const s = await cluster.waitFor('every server to hold and apply the same 22 or more entries', 10_000, (all) => {
      const length = all[cluster.ids[0]!]?.logLength ?? 0;
      const whole = cluster.ids.every((id) => all[id]?.logLength === length && (all[id]?.lastApplied ?? 0) >= length);
      return length >= 22 && whole ? all : null;
    });
    expect(s[leader]!.role).toBe('Leader');
    for (const id of cluster.ids) expect(s[id]!.logLength).toBe(s[leader]!.logLength);
  });

  it('a follower killed with SIGKILL recovers its log from disk and catches up', async () => {
    await allCaughtUp();
    const leader = await cluster.waitForLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    expect(await cluster.kill(follower)).toBe(true);
    for (let k = 1; k <= 5; k++) await write(`b${k}`, `w${k}`);
    cluster.start(follower);
    const all = await cluster.waitFor(`${follower} to catch up`, 20_000, (s) => {
      const l = s[leader];
      const f = s[follower];
      return l && f && f.incarnation === 2 && f.lastApplied === l.commitIndex && f.logLength === l.logLength ? s : null;
    });
    expect(all[follower]!.logLength).toBeGreaterThanOrEqual(26);
    expect(serverLog(follower)).toMatch(/started \(incarnation 2, term \d+, \d+ log entries\)/);
  });

  it('the leader killed with SIGKILL mid-load: a new leader is elected and no acknowledged write is lost', async () => {
    const old = await cluster.waitForLeader();
    // Writes keep coming while the leader dies; those acknowledged must survive.
    const writes: Promise<void>[] = [];
    const writer = async (w: number) => {
      for (let k = 1; k <= 15; k++) {
        try {
          await write(`c${w}-${k}`, `x${k}`, `w${w}`);
        } catch {
          // Not acknowledged (e.g. the leader died mid-request): no promise to keep.
        }
      }
    };
    for (let w = 1; w <= 3; w++) writes.push(writer(w));
    await cluster.waitFor(
      'some writes during the load',
      10_000,
      () => [...acknowledged.keys()].filter((k) => k.startsWith('c')).length >= 6,
    );
    expect(await cluster.kill(old)).toBe(true);
    const successor = await cluster.waitForLeader(
      20_000,
      cluster.ids.filter((id) => id !== old),
    );
    expect(successor).not.toBe(old);
    await Promise.all(writes);
    cluster.start(old);
    await cluster.waitForLeader(20_000);
    for (const [key, value] of acknowledged) expect(await read(key), key).toBe(value);
    expect([...acknowledged.keys()].filter((k) => k.startsWith('c')).length).toBeGreaterThan(10);
  });

  it('recovers from a WAL with a torn tail', async () => {
    // The server restarted last may still be catching up: the write below
    // needs it once the victim is down.
    await allCaughtUp();
    const leader = await cluster.waitForLeader();
    const victim = cluster.ids.find((id) => id !== leader)!;
    await cluster.kill(victim);
    const torn = encodeRecord({ t: 'log', keep: 0, append: [{ term: 99, value: 'torn=1' }] });
    appendFileSync(`${cluster.dataDir(victim)}/wal.log`, torn.subarray(0, torn.length - 7));
    cluster.start(victim);
    await write('d1', 'after-torn');
    await cluster.waitFor(`${victim} to catch up after its torn tail`, 20_000, (s) =>
      s[victim] && s[leader] && s[victim]!.lastApplied === s[leader]!.commitIndex ? s : null,
    );
    expect(serverLog(victim)).toMatch(
      new RegExp(`${victim}: recovered \\d+ WAL records; discarded a torn tail of ${torn.length - 7} bytes`),
    );
  });

  it('a malformed or oversized frame closes that one connection, and the cluster carries on', async () => {
    const target = cluster.ids[0]!;
    const port = cluster.config.members[target]!.raftPort;
    const frames = [
      Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('not json')]),
      (() => {
        const body = Buffer.from(
          JSON.stringify({
            id: 'n2:1:1',
            clock: {},
            msg: { type: 'AppendEntriesRequest', source: 'n2', dest: target, term: -1 },
          }),
        );
        const head = Buffer.alloc(4);
        head.writeUInt32BE(body.length);
        return Buffer.concat([head, body]);
      })(),
      Buffer.from([0x7f, 0xff, 0xff, 0xff]),
    ];
    for (const frame of frames) {
      const closed = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1', () => s.write(frame));
        s.on('error', () => {});
        s.on('close', () => resolve(true));
        setTimeout(() => {
          s.destroy();
          resolve(false);
        }, 5000);
      });
      expect(closed).toBe(true);
    }
    const lines = serverLog(target)
      .split('\n')
      .filter((l) => l.includes('closed the connection'));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/the frame is not JSON/);
    expect(lines[1]).toMatch(/does not match the message schema/);
    expect(lines[2]).toMatch(/exceeds the limit/);
    await write('e1', 'still-working');
    const s = await cluster.statuses();
    for (const id of cluster.ids) expect(s[id], `${id} answers`).not.toBeNull();
  });

  it("SIGTERM stops every server cleanly; every trace is schema-valid, every receive has its send in the sender's trace, the merged run is accepted by TLC, and the clients' history is linearizable", async () => {
    for (const id of cluster.ids) expect(await cluster.stop(id)).toBe('stopped');
    const sent = new Map<string, Record<string, number>>();
    const received: Array<[string, number, string, Record<string, number>]> = [];
    for (const id of cluster.ids) {
      expect(serverLog(id)).toMatch(new RegExp(`${id}: stopped by SIGTERM`));
      const file = `${cluster.dataDir(id)}/trace.ndjson`;
      const v = validateTraceFile(file);
      expect(v.ok ? null : v.problems, file).toBeNull();
      if (!v.ok) continue;
      let before: TraceEvent | null = null;
      for (const e of v.trace.events as Iterable<
        TraceEvent & { sendId?: string; msgId?: string; clock?: Record<string, number> }
      >) {
        // A restart recovers exactly the durable state of the last event its file kept.
        if (e.action === 'Restart' && before && 'state' in before) {
          const durable = (x: TraceEvent) =>
            'state' in x ? [x.state.term, x.state.votedFor, x.state.logLength] : null;
          expect(durable(e), `${file} event ${e.i}`).toEqual(durable(before));
        }
        before = e;
        if (e.sendId) sent.set(e.sendId, e.clock!);
        if (e.msgId) received.push([id, e.i, e.msgId, e.clock!]);
        expect(e.clock, `${file} event ${e.i}`).toBeDefined();
      }
      expect(v.trace.eventCount).toBeGreaterThan(10);
    }
    expect(received.length).toBeGreaterThan(100);

    // What the clients saw is linearizable.
    const lin = checkLinearizability(history);
    expect(lin.keys.filter((k) => !k.linearizable).map((k) => k.witness!.map((o) => describeOperation(o)))).toEqual([]);
    expect(lin.operations).toBeGreaterThan(50);

    // The three files, merged by happens-before, are a behaviour of spec/Raft.tla.
    const merged = mergeTraceFiles(cluster.ids.map((id) => `${cluster.dataDir(id)}/trace.ndjson`));
    expect(merged.events.filter((e) => e.action === 'Restart').length).toBeGreaterThanOrEqual(3);
    console.log(`merged ${merged.events.length} events from the real cluster run; checking them with TLC`);
    const report = await checkTraces([{ file: 'merged.ndjson', header: merged.header, events: merged.events }], {
      ...(await needTlc()),
    });
    const verdict = report.verdicts[0]!;
    expect(
      verdict.status === 'rejected'
        ? formatDiagnosis(verdict.file, verdict.diagnosis).join('\n')
        : verdict.status === 'error'
          ? verdict.message
          : verdict.status,
    ).toBe('accepted');
    const orphans = received.filter(([, , m]) => !sent.has(m));
    expect(orphans.slice(0, 3)).toEqual([]);
    // The vector clocks order each receive after its send.
    const sender = (m: string) => m.split(':')[0]!;
    const disordered = received.filter(([, , m, clock]) => (clock[sender(m)] ?? 0) < sent.get(m)![sender(m)]!);
    expect(disordered.slice(0, 3)).toEqual([]);
  });
});
