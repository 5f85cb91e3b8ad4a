// A server's own trace across restarts: it continues the event numbers and
// the vector clock of the incarnation before, drops a line a kill cut short,
// and drops the events of a batch whose write-ahead log write the kill
// prevented (nothing they did left the process) but keeps the events before
// them that changed nothing durable (their messages may have left), so that
// each Restart follows an event whose durable state it recovers.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import { RaftNode } from '../../src/raft/node.js';
import { ProcessTrace } from '../../src/server/process-trace.js';
import { TRACE_FORMAT, TRACE_VERSION, type TraceHeader } from '../../src/raft/events.js';
import { validateTraceFile } from '../../src/trace/validate.js';
import { SimulatedDisk } from '../../src/storage/disk.js';
import { ServerDriver } from '../../src/server/driver.js';

const SERVERS = ['n1', 'n2', 'n3'];
const HEADER: TraceHeader = {
  format: TRACE_FORMAT,
  version: TRACE_VERSION,
  nodes: SERVERS,
  seed: 1,
  params: { source: 'server', server: 'n1', maxEntriesPerMessage: 2 },
};
const dir = makeTempDir('process-trace-');
afterAll(() => removeTempDir(dir));

function lines(file: string): Array<{ i?: number; clock?: Record<string, number>; action?: string }> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('a server process trace', () => {
  it('continues numbering and clock after a restart, and cuts what the log does not cover from the first durable change on', () => {
    const file = join(dir, 'a.ndjson');
    const node = RaftNode.boot('n1', SERVERS);
    const t1 = ProcessTrace.open(file, 'n1', SERVERS, 1, HEADER);
    const sent = t1.record(node.step({ kind: 'electionTimeout' }).events, null);
    expect([...sent.values()].map((e) => e.id)).toEqual(['n1:1:1', 'n1:1:2']);
    // Events 4-5 change nothing durable (their batch's mark needs no sync, and a crash may lose it; their messages left): kept.
    t1.record(node.step({ kind: 'heartbeatDue' }).events, null);
    // Events 6-8 start term 2: their batch's log write is what the crash lost, and none of their messages left: cut.
    t1.record(node.step({ kind: 'electionTimeout' }).events, null);
    expect(t1.eventCount).toBe(8);
    t1.close();
    appendFileSync(file, '{"i":9,"action":"Tim'); // a line the kill cut short

    const t2 = ProcessTrace.open(file, 'n1', SERVERS, 2, HEADER, 3);
    expect(t2.eventCount).toBe(5);
    const kept = lines(file);
    expect(kept.map((e) => e.action ?? 'header')).toEqual([
      'header',
      'Timeout',
      'RequestVote',
      'RequestVote',
      'RequestVote',
      'RequestVote',
    ]);
    expect(kept[5]).toMatchObject({ i: 5, clock: { n1: 5, n2: 0, n3: 0 } });
    const again = t2.record(node.step({ kind: 'heartbeatDue' }).events, null);
    expect([...again.values()].map((e) => e.id)).toEqual(['n1:2:1', 'n1:2:2']);
    expect([...again.values()][0]!.clock).toEqual({ n1: 6, n2: 0, n3: 0 });
    t2.close();
    const v = validateTraceFile(file);
    expect(v.ok ? v.trace.eventCount : v.problems).toBe(7);
  });

  it('the driver writes the trace mark with each batch, and a restart after a lost log write cuts the trace back to it', () => {
    const file = join(dir, 'b.ndjson');
    const disk = new SimulatedDisk();
    const open = () =>
      ServerDriver.open({
        id: 'n1',
        servers: SERVERS,
        disk,
        walPath: '/d/wal.log',
        openTrace: (incarnation, keepUpTo) => ProcessTrace.open(file, 'n1', SERVERS, incarnation, HEADER, keepUpTo),
      });
    const d1 = open();
    d1.step({ kind: 'electionTimeout' });
    d1.flush(); // term 1, vote for itself: durable, and the trace's events 1-3 are covered
    d1.step({ kind: 'electionTimeout' }); // term 2: traced (events 4-6), but the kill comes before the log write
    d1.close();
    expect(lines(file)).toHaveLength(7);

    const d2 = open();
    expect(d2.node.term).toBe(1);
    const after = lines(file);
    expect(after.map((e) => e.action ?? 'header')).toEqual([
      'header',
      'Timeout',
      'RequestVote',
      'RequestVote',
      'Restart',
    ]);
    expect(after[4]).toMatchObject({ i: 4, clock: { n1: 4 } });
    d2.close();
  });
});
