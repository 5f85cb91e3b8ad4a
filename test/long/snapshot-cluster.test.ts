// Snapshots on real clusters: the correct servers compact, send and install
// snapshots over TCP through the nemesis's proxy while one of them is killed
// behind the compaction point and again while its snapshot comes, and TLC
// accepts the merged trace; a server whose snapshot file goes missing
// (server mutant 110) is caught refusing to start, naming the file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerMutants } from '../../src/audit/mutants.js';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import type { Fault } from '../../src/nemesis/faults.js';
import { mutantRun, shortRun } from '../support/nemesis-runs.js';

const root = makeTempDir('snapshot-cluster-');
afterAll(() => removeTempDir(root));

/** n3 down for 5 s while the others compact past it, then killed again right after each of two restarts. */
const BEHIND: Fault[] = [
  { at: 300, kind: 'kill', target: 'n3', restartAfter: 5000 },
  { at: 6000, kind: 'kill', target: 'n3', restartAfter: 400 },
  { at: 7200, kind: 'kill', target: 'n3', restartAfter: 400 },
];

function actions(merged: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of readFileSync(merged, 'utf8').matchAll(/"action":"(\w+)"/g)) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  return counts;
}

describe('snapshots on a real cluster', { timeout: 300_000 }, () => {
  it('a server killed behind the compaction point catches up by snapshot over TCP, killed again as it comes; TLC accepts every step', async () => {
    const report = await shortRun(root, 'behind', 11, BEHIND, { snapshotEvery: 10 });
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.tlc.verdict).toBe('accepted');
    const counts = actions(join(report.dir, 'merged.ndjson'));
    expect(counts.TakeSnapshot ?? 0).toBeGreaterThan(3);
    expect(counts.SendSnapshot ?? 0).toBeGreaterThan(0);
    expect(counts.HandleInstallSnapshotRequest ?? 0).toBeGreaterThan(0);
    expect(readFileSync(join(report.dir, 'merged.ndjson'), 'utf8')).toMatch(
      /^\{"format":"raft-tla-trace","version":5,/,
    );
    // Each server keeps one snapshot file (the one its log names) and no leftovers.
    for (const id of ['n1', 'n2', 'n3']) {
      const files = readdirSync(join(report.dir, id)).filter((f) => f.startsWith('wal.log.snapshot.'));
      expect(files.length, `${id}: ${files.join(', ')}`).toBeLessThanOrEqual(1);
    }
  });

  it('catches a server that removes the snapshot its log names (server mutant 110): its restart refuses, naming the file', async () => {
    const mutant = loadServerMutants().find((m) => m.name === 'newest-snapshot-reaped')!;
    // Every server that has taken two snapshots has removed its own; n1 and n2 have taken several when they are killed.
    const report = await mutantRun(
      root,
      mutant,
      'reaped',
      10,
      [
        { at: 300, kind: 'kill', target: 'n3', restartAfter: 3000 },
        { at: 5000, kind: 'kill', target: 'n1', restartAfter: 400 },
        { at: 7000, kind: 'kill', target: 'n2', restartAfter: 400 },
      ],
      { snapshotEvery: 10 },
    );
    expect(report.verdict).toBe('failed');
    const server = report.findings.filter((f) => f.oracle === 'server');
    expect(server.map((f) => f.what)).toContainEqual(
      expect.stringMatching(/n[123] ended by itself .*wal\.log\.snapshot\.\d+: damaged snapshot: the file is missing/),
    );
  });
});
