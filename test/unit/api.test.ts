// The library API as a user's own test meets it: a run of RaftNodes recorded
// and checked, a wrong recording rejected with the diagnosis as the test's
// failure message (helper and matcher alike), schema problems named by line,
// a history judged for linearizability, a campaign run.
import { describe, expect, it } from 'vitest';
import {
  checkLinearizability,
  checkTrace,
  RaftNode,
  runCampaign,
  TraceRecording,
  validateTrace,
  type Guards,
  type Message,
} from '../../src/api/index.js';
import { expectTraceAccepted, raftTlaMatchers, TraceNotAcceptedError } from '../../src/api/vitest.js';

expect.extend(raftTlaMatchers);

/** Three servers; n1 times out; every message delivered once, in order, but the first one sent, which is duplicated, and the last, which is dropped. */
function electionRun(guards?: Guards): TraceRecording {
  const servers = ['n1', 'n2', 'n3'];
  const nodes = new Map(servers.map((id) => [id, RaftNode.boot(id, servers, guards)]));
  const run = new TraceRecording(servers, { name: 'election', ...(guards ? { guards } : {}) });
  const inFlight: Message[] = [];
  const step = (id: string, input: Parameters<RaftNode['step']>[0]) => {
    const ready = nodes.get(id)!.step(input);
    run.record(ready);
    inFlight.push(...ready.messages);
  };
  step('n1', { kind: 'electionTimeout' });
  run.duplicated(inFlight[0]!);
  inFlight.push(inFlight[0]!);
  step('n1', { kind: 'propose', value: 'x' });
  while (inFlight.length > 1) {
    const msg = inFlight.shift()!;
    step(msg.dest, { kind: 'receive', msg });
  }
  run.dropped(inFlight.shift()!);
  return run;
}

describe('the library API', () => {
  it("accepts a recording of the user's own RaftNodes, with the network's duplicates and drops", async () => {
    const run = electionRun();
    expect(validateTrace(run)).toEqual({ ok: true, events: run.events.length, problems: [] });
    const verdict = await checkTrace(run);
    expect(verdict).toMatchObject({ status: 'accepted', file: 'election', explanation: [] });
    await expect(run).toBeAcceptedBySpec();
    await expectTraceAccepted({ ndjson: run.toNdjson(), name: 'as text' });
  });

  it('records and accepts a run of RaftNodes with PreVote and CheckQuorum, given the guards they run with', async () => {
    const run = electionRun({ preVote: true, checkQuorum: true });
    expect(run.header.params).toMatchObject({ preVote: true, checkQuorum: true });
    expect(run.events.map((e) => e.action)).toContain('StartElection');
    expect(validateTrace(run).ok).toBe(true);
    await expect(run).toBeAcceptedBySpec();
  });

  it('rejects a wrong recording, and the helper and the matcher fail with the diagnosis', async () => {
    const run = electionRun();
    // A server that logged a vote for n3 where it gave one to n1: the spec's state differs.
    const lines = run.toNdjson().trimEnd().split('\n');
    const k = lines.findIndex((l) => l.includes('"HandleRequestVoteRequest"'));
    lines[k] = lines[k]!.replace('"votedFor":"n1"', '"votedFor":"n3"');
    const wrong = { ndjson: lines.join('\n') + '\n', name: 'wrong.ndjson' };
    const verdict = await checkTrace(wrong);
    expect(verdict.status).toBe('rejected');
    expect(verdict.explanation[0]).toMatch(new RegExp(`^wrong\\.ndjson:${k + 1}: event ${k} `));
    expect(verdict.explanation.join('\n')).toMatch(/votedFor\[n\d\]: implementation "n3", spec "n1"/);
    const thrown = await expectTraceAccepted(wrong).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(TraceNotAcceptedError);
    expect((thrown as Error).message).toBe(
      ['wrong.ndjson: not accepted by spec/Raft.tla', ...verdict.explanation].join('\n'),
    );
    await expect(wrong).not.toBeAcceptedBySpec();
    await expect(expect(wrong).toBeAcceptedBySpec()).rejects.toThrow(/votedFor\[n\d\]: implementation "n3"/);
  });

  it('names the line and field of a trace that breaks the schema, and checks nothing of it', async () => {
    const bad = {
      ndjson:
        '{"format":"raft-tla-trace","version":3,"nodes":["n1"],"seed":0,"params":{"maxEntriesPerMessage":2}}\n{"i":1}\n',
    };
    const outcome = validateTrace(bad);
    expect(outcome.ok).toBe(false);
    expect(outcome.problems[0]).toMatch(/^trace:2: /);
    const verdict = await checkTrace(bad);
    expect(verdict.status).toBe('error');
    expect(verdict.explanation[0]).toMatch(/^trace:2: /);
  });

  it('judges a history for linearizability, with a witness', () => {
    const ok = checkLinearizability([
      { client: 'c1', kind: 'put', key: 'k', value: 'a', invoke: 0, complete: 1 },
      { client: 'c2', kind: 'get', key: 'k', value: 'a', invoke: 2, complete: 3 },
    ]);
    expect(ok.linearizable).toBe(true);
    const stale = checkLinearizability([
      { client: 'c1', kind: 'put', key: 'k', value: 'a', invoke: 0, complete: 1 },
      { client: 'c1', kind: 'put', key: 'k', value: 'b', invoke: 2, complete: 3 },
      { client: 'c2', kind: 'get', key: 'k', value: 'a', invoke: 4, complete: 5 },
    ]);
    expect(stale.linearizable).toBe(false);
    expect(stale.keys[0]!.witness!.length).toBeGreaterThan(0);
  });

  it("runs a campaign of seeded schedules against the harness's Raft, clean", async () => {
    const r = await runCampaign({ maxSchedules: 5, maxSeconds: 30 });
    expect(r).toMatchObject({ schedules: 5, failure: null, error: null });
    expect(r.events).toBeGreaterThan(0);
  });
});
