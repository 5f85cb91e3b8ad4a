// The fault timeline of a cluster's page, from the nemesis's log of what it
// did: a server is down from its kill to its restart, paused from SIGSTOP to
// SIGCONT; a link is cut or flaky until the next heal, partition or flaky
// spell (each heals every link first); a disk fault and its outcome are
// moments; what is still in force at the end lasts to the end.
import { describe, expect, it } from 'vitest';
import type { AppliedFault } from '../../src/nemesis/nemesis.js';
import { faultBars, faultRows, operationBars } from '../../src/report/timelines.js';

const servers = ['n1', 'n2', 'n3'];

describe('the fault timeline', () => {
  it('pairs each fault with its undoing, per server and per directed link', () => {
    const applied: AppliedFault[] = [
      { at: 100, kind: 'kill', what: 'SIGKILL n1', server: 'n1' },
      { at: 150, kind: 'disk', what: "zero-tail on n1's log", server: 'n1' },
      { at: 300, kind: 'outcome', what: 'restarted n1 after zero-tail', server: 'n1' },
      { at: 400, kind: 'pause', what: 'SIGSTOP n2', server: 'n2' },
      { at: 500, kind: 'resume', what: 'SIGCONT n2', server: 'n2' },
      {
        at: 600,
        kind: 'partition',
        what: 'partition: isolate n3',
        links: [
          ['n3', 'n1'],
          ['n1', 'n3'],
        ],
      },
      { at: 700, kind: 'flaky', what: 'every link drops 10%', links: [['n1', 'n2']] },
      { at: 800, kind: 'heal', what: 'links healthy again' },
      { at: 900, kind: 'kill', what: 'SIGKILL n3', server: 'n3' },
    ];
    const bars = faultBars(applied, servers, 1000).map((b) => `${b.row} ${b.kind} ${b.from}-${b.to}`);
    expect(bars.sort()).toEqual(
      [
        'n1 down 100-300',
        'n1 disk 150-150',
        'n1 outcome 300-300',
        'n2 paused 400-500',
        'n3→n1 cut 600-700',
        'n1→n3 cut 600-700',
        'n1→n2 flaky 700-800',
        'n3 down 900-1000',
      ].sort(),
    );
    expect(faultRows(servers)).toEqual(['n1', 'n2', 'n3', 'n1→n2', 'n1→n3', 'n2→n1', 'n2→n3', 'n3→n1', 'n3→n2']);
  });

  it("draws each client's operations to their answer, or to the end without one, marking the witness's", () => {
    const answered = { client: 'c1', kind: 'put' as const, key: 'k', value: 'a', invoke: 10, complete: 20 };
    const lost = { client: 'c2', kind: 'get' as const, key: 'k', value: null, invoke: 30, complete: null };
    const bars = operationBars([answered, lost], new Set([lost]), 500);
    expect(bars.map((b) => [b.row, b.kind, b.from, b.to, b.witness])).toEqual([
      ['c1', 'put', 10, 20, false],
      ['c2', 'unknown', 30, 500, true],
    ]);
  });
});
