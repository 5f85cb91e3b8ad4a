// Merging per-server traces by happens-before: the traces of drivers that
// exchanged messages merge into one valid trace in which every message is
// received after its send and each server's own order is kept; a receive
// whose send is in no file, a cycle, a message sent twice, a missing file
// and a cut line are each refused in one line naming the file and line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import { writeCommand } from '../../src/raft/kv.js';
import { MAX_ENTRIES_PER_MESSAGE } from '../../src/raft/node.js';
import { ServerDriver } from '../../src/server/driver.js';
import { ProcessTrace } from '../../src/server/process-trace.js';
import { SimulatedDisk } from '../../src/storage/disk.js';
import { TRACE_FORMAT, TRACE_VERSION, type ServerEvent } from '../../src/raft/events.js';
import { MergeError, mergedNdjson, mergeTraceFiles } from '../../src/trace/merge.js';
import { validateTraceText } from '../../src/trace/validate.js';
import { checkTraces } from '../../src/check/trace-checker.js';
import { formatDiagnosis } from '../../src/verdict/diagnosis.js';
import { needTlc } from '../support/need-tlc.js';
import type { Envelope } from '../../src/transport/envelope.js';

const SERVERS = ['n1', 'n2', 'n3'];
const root = makeTempDir('merge-');
afterAll(() => removeTempDir(root));

/**
 * Three drivers with real trace files: n1 is elected, two writes commit, n3
 * restarts once. With `proxy`, a network proxy's trace (as src/nemesis/proxy.ts
 * writes it) joins them: the first message carrying entries is duplicated
 * (delivered twice) and the first heartbeat dropped.
 */
function runCluster(dir: string, proxy = false): string[] {
  const disk = new SimulatedDisk();
  const file = (id: string) => join(dir, `${id}.ndjson`);
  const open = (id: string) =>
    ServerDriver.open({
      id,
      servers: SERVERS,
      disk,
      walPath: `/${id}/wal.log`,
      openTrace: (inc, keep) =>
        ProcessTrace.open(
          file(id),
          id,
          SERVERS,
          inc,
          {
            format: TRACE_FORMAT,
            version: TRACE_VERSION,
            nodes: SERVERS,
            seed: 1,
            params: { source: 'server', server: id, maxEntriesPerMessage: MAX_ENTRIES_PER_MESSAGE },
          },
          keep,
        ),
    });
  const drivers = new Map(SERVERS.map((id) => [id, open(id)]));
  const net: Envelope[] = [];
  const step = (id: string, input: Parameters<ServerDriver['step']>[0], env: Envelope | null = null) => {
    drivers.get(id)!.step(input, env);
    net.push(...drivers.get(id)!.flush().envelopes);
  };
  const proxyFile = join(dir, 'proxy.ndjson');
  const proxyLines: unknown[] = [
    {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      nodes: SERVERS,
      seed: 1,
      params: { source: 'proxy', maxEntriesPerMessage: MAX_ENTRIES_PER_MESSAGE },
    },
  ];
  const proxyClock: Record<string, number> = {};
  const logNetwork = (action: 'DropMessage' | 'DuplicateMessage', e: Envelope) => {
    for (const [id, n] of Object.entries(e.clock)) proxyClock[id] = Math.max(proxyClock[id] ?? 0, n);
    proxyClock.proxy = (proxyClock.proxy ?? 0) + 1;
    proxyLines.push({ i: proxyLines.length, action, msg: e.msg, msgId: e.id, clock: { ...proxyClock } });
  };
  let duplicated = !proxy;
  let dropped = !proxy;
  const deliverAll = () => {
    for (let k = 0; k < 100 && net.length; k++) {
      const e = net.shift()!;
      if (!duplicated && e.msg.type === 'AppendEntriesRequest' && e.msg.entries.length > 0) {
        duplicated = true;
        logNetwork('DuplicateMessage', e);
        net.push(e);
      } else if (!dropped && e.msg.type === 'AppendEntriesRequest' && e.msg.entries.length === 0) {
        dropped = true;
        logNetwork('DropMessage', e);
        continue;
      }
      step(e.msg.dest, { kind: 'receive', msg: e.msg }, e);
    }
  };
  step('n1', { kind: 'electionTimeout' });
  deliverAll();
  step('n1', { kind: 'propose', value: writeCommand('a', '1') });
  deliverAll();
  drivers.get('n3')!.close();
  drivers.set('n3', open('n3'));
  step('n1', { kind: 'propose', value: writeCommand('b', '2') });
  deliverAll();
  step('n1', { kind: 'heartbeatDue' });
  deliverAll();
  for (const d of drivers.values()) d.close();
  if (!proxy) return SERVERS.map(file);
  expect([duplicated, dropped]).toEqual([true, true]);
  write(proxyFile, proxyLines);
  return [...SERVERS.map(file), proxyFile];
}

type Line = ServerEvent & { i: number };
const read = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const write = (f: string, lines: unknown[]) => writeFileSync(f, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

describe('merging per-server traces', () => {
  it("orders every receive after its send, keeps each file's order, and writes a valid trace", () => {
    const files = runCluster(makeTempDir('merge-ok-'));
    const m = mergeTraceFiles(files);
    const total = files.reduce((n, f) => n + read(f).length - 1, 0);
    expect(m.events).toHaveLength(total);
    const at = new Map<string, number>();
    m.events.forEach((e, k) => {
      const s = e as Line;
      if (s.sendId) at.set(s.sendId, k);
      if (s.msgId) expect(at.get(s.msgId), `event ${k + 1} receives ${s.msgId}`).toBeLessThan(k);
    });
    for (const f of files) {
      const lines = m.events
        .filter((e) => e.origin!.startsWith(`${f}:`))
        .map((e) => Number(e.origin!.split(':').at(-1)));
      expect(lines).toEqual(lines.slice().sort((a, b) => a - b));
    }
    expect(m.events.filter((e) => e.action === 'Restart')).toHaveLength(1);
    const v = validateTraceText('merged.ndjson', mergedNdjson(m));
    expect(v.ok ? v.trace.eventCount : v.problems).toBe(total);
    // The same files always merge the same way.
    expect(mergedNdjson(mergeTraceFiles(files))).toBe(mergedNdjson(m));
  });

  it("merges the network proxy's trace: a duplicate before its second receive, a drop after its send; TLC accepts the merge", async () => {
    const files = runCluster(makeTempDir('merge-proxy-'), true);
    const m = mergeTraceFiles(files);
    const dup = m.events.findIndex((e) => e.action === 'DuplicateMessage');
    const drop = m.events.findIndex((e) => e.action === 'DropMessage');
    expect(dup).toBeGreaterThanOrEqual(0);
    expect(drop).toBeGreaterThanOrEqual(0);
    const id = m.events[dup]!.msgId!;
    const uses = m.events
      .map((e, k) => ({ e, k }))
      .filter(({ e }) => e.msgId === id && e.action !== 'DuplicateMessage' && e.action !== 'UpdateTerm');
    expect(uses).toHaveLength(2);
    expect(m.events.findIndex((e) => (e as Line).sendId === id)).toBeLessThan(dup);
    expect(dup).toBeLessThan(uses[1]!.k);
    expect(m.events.findIndex((e) => (e as Line).sendId === m.events[drop]!.msgId)).toBeLessThan(drop);
    const report = await checkTraces([{ file: 'merged.ndjson', header: m.header, events: m.events }], {
      ...(await needTlc()),
    });
    const v = report.verdicts[0]!;
    expect(v.status === 'rejected' ? formatDiagnosis('merged.ndjson', v.diagnosis) : v.status).toBe('accepted');
    // Without the proxy's trace, the second receive has no copy to take.
    expect(() => mergeTraceFiles(files.slice(0, 3))).toThrow(
      /cannot be ordered \(a cycle, or more receives of a message than copies of it\)/,
    );
  });

  it('refuses a receive whose send is in no file, naming the file and line', () => {
    const files = runCluster(makeTempDir('merge-orphan-'));
    const n1 = read(files[0]!);
    const k = n1.findIndex((e: Line) => e.sendId);
    const id = n1[k].sendId;
    delete n1[k].sendId;
    write(files[0]!, n1);
    const receiver = files.find((f) => read(f).some((e: Line) => e.msgId === id))!;
    const line = read(receiver).findIndex((e: Line) => e.msgId === id) + 1;
    expect(() => mergeTraceFiles(files)).toThrow(
      new MergeError(
        `${receiver}:${line}: event ${line - 1} (${read(receiver)[line - 1].action}) receives message ${id}, whose send is in none of the files`,
      ),
    );
  });

  it('refuses a cycle, and a message id sent twice', () => {
    const files = runCluster(makeTempDir('merge-cycle-'));
    // n2's first receive (from n1) is made to wait for n1's last send, which n1 makes after hearing from n2.
    const n1 = read(files[0]!);
    const n2 = read(files[1]!);
    const lastSend = n1.filter((e: Line) => e.sendId).at(-1).sendId;
    const first = n2.findIndex((e: Line) => e.msgId);
    n2[first].msgId = lastSend;
    write(files[1]!, n2);
    expect(() => mergeTraceFiles(files)).toThrow(
      /^the events cannot be ordered \(a cycle, or more receives of a message than copies of it\): .*waits for n1:/,
    );

    const again = runCluster(makeTempDir('merge-twice-'));
    const m1 = read(again[0]!);
    const sends = m1
      .map((e: Line, k: number) => [k, e.sendId] as const)
      .filter(([, s]: readonly [number, string | undefined]) => s);
    m1[sends[1]![0]].sendId = sends[0]![1];
    write(again[0]!, m1);
    expect(() => mergeTraceFiles(again)).toThrow(
      new RegExp(
        `^${again[0]}:${sends[1]![0] + 1}: message ${sends[0]![1]} was already sent at ${again[0]}:${sends[0]![0] + 1}: n1 started incarnation \\d+ twice, so its write-ahead log lost the record of that start`,
      ),
    );
  });

  it('takes a part that holds only its header (a proxy that dropped and duplicated nothing), and merges the same as without it', () => {
    const files = runCluster(makeTempDir('merge-empty-part-'));
    const proxyFile = join(root, 'empty-proxy.ndjson');
    write(proxyFile, [
      {
        format: TRACE_FORMAT,
        version: TRACE_VERSION,
        nodes: SERVERS,
        seed: 1,
        params: { source: 'proxy', maxEntriesPerMessage: MAX_ENTRIES_PER_MESSAGE },
      },
    ]);
    const m = mergeTraceFiles([...files, proxyFile]);
    expect(m.files.at(-1)).toEqual({ file: proxyFile, events: 0 });
    expect(m.events.map(({ origin: _, ...e }) => e)).toEqual(
      mergeTraceFiles(files).events.map(({ origin: _, ...e }) => e),
    );
    // Only headers: nothing to merge, and no empty merge that would check nothing.
    expect(() => mergeTraceFiles([proxyFile])).toThrow(
      new MergeError('none of the 1 trace(s) holds an event: there is nothing to merge'),
    );
  });

  it('a sender whose trace ends early is said to be still written or killed, not to have lost its log, unless it restarted', () => {
    const files = runCluster(makeTempDir('merge-cut-sender-'));
    // n1's trace cut before its last send (as a running server's trace is, mid-run): n1 never restarted.
    const n1 = read(files[0]!);
    const lastSend = n1
      .map((e: Line, k: number) => ({ e, k }))
      .filter(({ e }: { e: Line }) => e.sendId)
      .at(-1)!;
    const received = files.slice(1).some((f) => read(f).some((e: Line) => e.msgId === lastSend.e.sendId));
    expect(received).toBe(true);
    write(files[0]!, n1.slice(0, lastSend.k));
    let message = '';
    try {
      mergeTraceFiles(files);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /holds no later incarnation: the trace was still being written \(is the cluster still running\?/,
    );
    expect(message).not.toMatch(/write-ahead log/);
  });

  it('refuses a missing file and a line cut short, in one line', () => {
    const files = runCluster(makeTempDir('merge-bad-'));
    expect(() => mergeTraceFiles([...files, join(root, 'none.ndjson')])).toThrow(/none\.ndjson: no such file/);
    writeFileSync(files[2]!, readFileSync(files[2]!, 'utf8').slice(0, -40));
    expect(() => mergeTraceFiles(files)).toThrow(new RegExp(`^${files[2]}:\\d+: `));
  });
});
