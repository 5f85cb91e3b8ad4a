// The cluster page's diagram when the traces do not merge: the trace of the
// process the merge stopped in, opened at the event it could not place; and
// when that line is not a valid event at all (a restart that recovered
// entries its events never wrote), the valid part before it, opened at its
// last event, saying which line broke.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterCheckReport } from '../../src/nemesis/run.js';
import { clusterReportPage } from '../../src/report/cluster-report.js';
import type { DiagramData } from '../../src/report/space-time.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-page-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = readFileSync('traces/fixtures/accepted-split-vote.ndjson', 'utf8').trimEnd().split('\n');

/** A report whose only finding is the merge's, naming `where`; no merged trace. */
function reportStoppedAt(where: string): ClusterCheckReport {
  const none = { count: 0, totalMs: 0, longestMs: 0, windows: [] };
  return {
    verdict: 'failed',
    findings: [{ oracle: 'merge', what: `${where}: the merge stopped here`, lines: [] }],
    inconclusive: null,
    seed: 1,
    seconds: 3,
    servers: 3,
    storage: { fsync: true, loseUnsynced: false },
    guards: { preVote: true, checkQuorum: true },
    dir,
    rerun: 'make cluster-check',
    faults: { planned: 0, file: join(dir, 'faults.json'), applied: [] },
    workload: { clients: 0, keys: 3, ok: 0, indefinite: 0, failed: 0, failures: {} },
    proxy: { forwarded: 0, dropped: 0, undeliverable: 0, duplicated: 0, unparsed: 0 },
    availability: {
      elections: null,
      electionsStarted: null,
      preVoteRounds: null,
      quorumStepDowns: null,
      highestTerm: null,
      unavailable: none,
      commands: { answered: 0, timedOut: 0, refused: 0, p50Ms: null, p99Ms: null },
    },
    messages: { delivered: 0, accountable: 0, consumed: 0, excused: 0, lost: 0, firstLost: [] },
    traces: { files: [], merged: null, events: 0, unreceived: 0, mergeMs: 0 },
    tlc: { verdict: 'not run', lines: [], ms: 0 },
    linearizability: { verdict: 'linearizable', operations: 0, keys: [], witness: [], ms: 0 },
    wallMs: 0,
  };
}

function diagramOfPage(html: string): DiagramData {
  const data = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!;
  return (JSON.parse(data) as { diagrams: Record<string, DiagramData> }).diagrams['merge-stop']!;
}

describe('the cluster page when the traces do not merge', () => {
  it('draws the trace the merge stopped in, opened at the event it could not place', () => {
    const file = join(dir, 'whole.ndjson');
    writeFileSync(file, fixture.join('\n') + '\n');
    const d = diagramOfPage(clusterReportPage(dir, reportStoppedAt(`${file}:10`)));
    expect(d.events).toHaveLength(fixture.length - 1);
    expect(d.failing).toMatchObject({ index: 8, title: 'the merge cannot place this event' });
    expect(d.events[8]!.i).toBe(9);
  });

  it('draws the valid part of a trace broken at that line, opened at its last event, naming the line', () => {
    const file = join(dir, 'broken.ndjson');
    const lines = [...fixture];
    lines[9] = lines[9]!.replace('"state":{', '"state":{"nonsense":1,');
    writeFileSync(file, lines.join('\n') + '\n');
    const d = diagramOfPage(clusterReportPage(dir, reportStoppedAt(`${file}:10`)));
    expect(d.events).toHaveLength(8);
    expect(d.failing).toMatchObject({
      index: 7,
      title: 'the merge stopped at line 10, the next line, which is not a valid event',
    });
  });
});
