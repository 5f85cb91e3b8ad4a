// The nemesis on real clusters: its fault schedule (seeded, replayable, read
// back with one-line errors), a short real run under kills, pauses,
// partitions and a lossy, duplicating, slow network whose merged trace TLC
// accepts and whose clients' history is linearizable (through the command
// users type), and a mutated server (votedFor not persisted) caught on a
// real cluster within a bounded time.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerMutants, mutantProblem } from '../../src/audit/mutants.js';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import {
  attackSchedule,
  CALM_MS,
  generateFaults,
  parseFaultSchedule,
  FaultScheduleError,
} from '../../src/nemesis/faults.js';
import { ConfigError, parseClusterConfig } from '../../src/server/config.js';
import { ServerDriver, ServerInvariantError } from '../../src/server/driver.js';
import { SimulatedDisk } from '../../src/storage/disk.js';
import { mutantRun, shortRun } from '../support/nemesis-runs.js';
import type { ClusterCheckReport } from '../../src/nemesis/run.js';
import type { ClusterOracle } from '../../src/verdict/oracles.js';
import { formatDiagnosis } from '../../src/verdict/diagnosis.js';
import { checkTraces } from '../../src/check/trace-checker.js';
import { validateTraceFile } from '../../src/trace/validate.js';
import { writeClusterReportPage } from '../../src/report/cluster-report.js';
import { faultBars } from '../../src/report/timelines.js';
import { openReport } from '../support/browser.js';
import { needTlc } from '../support/need-tlc.js';
import { browserForPages, diagnosisOutsideItsBox, inView } from '../support/report-pages.js';
import type { Fault } from '../../src/nemesis/faults.js';

const root = makeTempDir('nemesis-');
afterAll(() => removeTempDir(root));
/** Each run's report, by name, for the test of their pages (report.html) at the end of this file. */
const pages = new Map<string, ClusterCheckReport>();

describe('the fault schedule', () => {
  it('is drawn from the seed alone, covers every kind of fault over a few seeds, and leaves the last seconds calm', () => {
    expect(JSON.stringify(generateFaults(7, 60, 3))).toBe(JSON.stringify(generateFaults(7, 60, 3)));
    expect(JSON.stringify(generateFaults(8, 60, 3))).not.toBe(JSON.stringify(generateFaults(7, 60, 3)));
    const kinds = new Set<string>();
    const shapes = new Set<string>();
    const damages = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) {
      const s = generateFaults(seed, 60, 5, seed <= 5 ? 'none' : 'all');
      for (const f of s.faults) {
        kinds.add(f.kind);
        if (f.kind === 'partition') shapes.add(f.shape.split(' ')[0]!);
        if (f.kind === 'disk') damages.add(f.damage);
        const length =
          f.kind === 'kill' || f.kind === 'disk' ? f.restartAfter : f.kind === 'pause' ? f.resumeAfter : f.healAfter;
        expect(f.at + length).toBeLessThanOrEqual(60_000 - CALM_MS);
      }
      // Without disk faults a seed's schedule is what it was before they existed.
      if (seed <= 5) expect(s.faults.some((f) => f.kind === 'disk')).toBe(false);
    }
    expect([...kinds].sort()).toEqual(['disk', 'flaky', 'kill', 'partition', 'pause']);
    expect([...damages].sort()).toEqual(['eio', 'flip-bit', 'full', 'torn-tail', 'zero-sector', 'zero-tail']);
    // A short run with file damage meets every kind of it: the deck deals each before any twice.
    const short = generateFaults(1, 30, 3, 'files').faults.filter((f) => f.kind === 'disk');
    expect(new Set(short.slice(0, 4).map((f) => f.kind === 'disk' && f.damage)).size).toBe(Math.min(4, short.length));
    expect([...shapes].sort()).toEqual(['bridge', 'isolate', 'one-way:', 'split']);
  });

  it('the server mutants of the audit on real clusters still apply to the code (each edit matches exactly once)', () => {
    const mutants = loadServerMutants();
    expect(mutants.length).toBeGreaterThanOrEqual(2);
    for (const m of mutants) expect(mutantProblem(m), m.name).toBeNull();
  });

  it('has fixed attacks aimed at availability, from 2 s in to the calm end, which a run reads back as it wrote them', () => {
    const follower = attackSchedule('isolated-follower', 3, 20, 3);
    expect(follower.faults).toEqual([
      {
        at: 2000,
        kind: 'partition',
        shape: 'isolate the follower',
        cut: 'follower',
        healAfter: 20_000 - CALM_MS - 2000,
      },
    ]);
    expect(attackSchedule('isolated-leader', 3, 20, 3).faults[0]).toMatchObject({ cut: 'leader' });
    const flapping = attackSchedule('flapping-follower', 3, 20, 5).faults;
    expect(flapping.length).toBe(Math.floor((20_000 - CALM_MS - 2000 - 900) / 1800) + 1);
    for (const f of flapping) expect(f).toMatchObject({ kind: 'partition', cut: 'follower', healAfter: 900 });
    for (const s of [follower, attackSchedule('flapping-follower', 3, 20, 5)])
      expect(parseFaultSchedule('faults.json', JSON.stringify(s))).toEqual(s);
  });

  it('reads back what a run wrote, and refuses a bad file in one line naming the field', () => {
    const s = generateFaults(3, 30, 3);
    expect(parseFaultSchedule('f.json', JSON.stringify(s))).toEqual(s);
    const bad = (faults: unknown[]) => () =>
      parseFaultSchedule('f.json', JSON.stringify({ seed: 1, seconds: 10, servers: 3, faults }));
    expect(bad([{ at: 5, kind: 'kill', target: 'n4', restartAfter: 10 }])).toThrow(
      new FaultScheduleError('f.json: faults[0].target: must be "leader" or one of n1, n2, n3, got "n4"'),
    );
    expect(bad([{ at: 5, kind: 'flaky', drop: 2, duplicate: 0, delayMs: [0, 0], healAfter: 1 }])).toThrow(
      /^f\.json: faults\[0\]\.drop: must be a number in 0\.\.1, got 2$/,
    );
    expect(bad([{ at: 5, kind: 'partition', shape: 'x', cut: [['n1', 'n1']], healAfter: 1 }])).toThrow(
      /^f\.json: faults\[0\]\.cut\[0\]: must be \[from, to\]/,
    );
    expect(bad([{ at: -1, kind: 'pause', target: 'leader', resumeAfter: 1 }])).toThrow(
      /^f\.json: faults\[0\]\.at: must be milliseconds/,
    );
    expect(() => parseFaultSchedule('f.json', '{')).toThrow(/^f\.json: whole file: not JSON/);
  });
});

describe("make cluster-check's command on bad input", () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'tools/cluster-check.ts', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('refuses wrong options, a bad schedule file and a run folder holding other files, in one line with exit 2, before starting anything', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--servers', '4'], /^cluster-check: --servers must be 3 or 5 .*got 4\n$/],
      [['--seconds', '2'], /^cluster-check: --seconds must be in 3\.\.3600, got 2\n$/],
      [['--faults', join(root, 'none.json')], /^cluster-check: --faults .*none\.json: cannot be read \(ENOENT\)\n$/],
      [
        ['--attack', 'stampede'],
        /^cluster-check: --attack must be one of isolated-follower, isolated-leader, flapping-follower, isolated-behind, crashed-behind, crash-during-install, duplicated-snapshots, got "stampede"\n$/,
      ],
      [
        ['--attack', 'isolated-leader', '--seconds', '5'],
        /^cluster-check: --attack isolated-leader needs at least 5\.5 s of load\n$/,
      ],
      [
        ['--attack', 'crashed-behind'],
        /^cluster-check: --attack crashed-behind attacks compaction: give --snapshot-every N too\n$/,
      ],
      [
        ['--attack', 'crash-during-install', '--snapshot-every', '10', '--seconds', '8'],
        /^cluster-check: --attack crash-during-install needs at least 8\.5 s of load\n$/,
      ],
      [['--snapshot-every', 'often'], /^cluster-check: --snapshot-every must be .*got "often"\n$/],
    ];
    const bad = join(root, 'bad-faults.json');
    writeFileSync(bad, JSON.stringify({ seed: 1, seconds: 10, servers: 3, faults: [{ at: 10, kind: 'explode' }] }));
    cases.push([
      ['--faults', bad],
      /^cluster-check: .*bad-faults\.json: faults\[0\]\.kind: must be kill, pause, disk, partition or flaky, got "explode"\n$/,
    ]);
    writeFileSync(join(root, 'keep-me.txt'), 'x');
    cases.push([
      ['--out', root],
      /^cluster-check: .*: holds .*, which no cluster-check run wrote; name a new or empty folder for the run\n$/,
    ]);
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect(readFileSync(join(root, 'keep-me.txt'), 'utf8')).toBe('x');
  });
});

describe('what the nemesis needs from the servers', () => {
  it('routes in a cluster config (where a server dials each peer) are checked, with one-line errors', () => {
    const config = (routes: unknown) =>
      parseClusterConfig(
        'c.json',
        JSON.stringify({
          servers: { n1: { raftPort: 7001, clientPort: 7101 }, n2: { raftPort: 7002, clientPort: 7102 } },
          routes,
        }),
      );
    expect(config({ n1: { n2: 9001 }, n2: { n1: 9002 } }).routes).toEqual({ n1: { n2: 9001 }, n2: { n1: 9002 } });
    expect(() => config({ n3: { n1: 9001 } })).toThrow(
      new ConfigError('c.json: field routes.n3: not a member (members: n1, n2)'),
    );
    expect(() => config({ n1: { n1: 9001 } })).toThrow(new ConfigError('c.json: field routes.n1.n1: not a peer of n1'));
    expect(() => config({ n1: { n2: 70000 } })).toThrow(
      new ConfigError('c.json: field routes.n1.n2: a port must be an integer in 1..65535, got 70000'),
    );
    expect(() => config([1])).toThrow(/^c\.json: field routes: must be an object/);
  });

  it('the servers run PreVote and CheckQuorum unless their config turns one off, and a wrong value is named', () => {
    const config = (extra: object) =>
      parseClusterConfig('c.json', JSON.stringify({ servers: { n1: { raftPort: 7001, clientPort: 7101 } }, ...extra }));
    expect(config({})).toMatchObject({ preVote: true, checkQuorum: true });
    expect(config({ preVote: false })).toMatchObject({ preVote: false, checkQuorum: true });
    expect(() => config({ checkQuorum: 'no' })).toThrow(
      new ConfigError('c.json: field checkQuorum: must be true or false'),
    );
  });

  it('the servers carry up to 2 entries per AppendEntries unless their config says otherwise, and a wrong value is named', () => {
    const config = (extra: object) =>
      parseClusterConfig('c.json', JSON.stringify({ servers: { n1: { raftPort: 7001, clientPort: 7101 } }, ...extra }));
    expect(config({}).maxEntriesPerMessage).toBe(2);
    expect(config({ maxEntriesPerMessage: 64 }).maxEntriesPerMessage).toBe(64);
    expect(() => config({ maxEntriesPerMessage: 0 })).toThrow(
      new ConfigError(
        'c.json: field maxEntriesPerMessage: must be a positive integer (entries per AppendEntries), got 0',
      ),
    );
  });

  it('on the page-cache disk, a SIGKILL loses what was appended and neither synced nor written back', () => {
    const file = join(root, 'page-cache', 'wal.log');
    const script = [
      "import { PageCacheDisk } from './src/storage/disk.ts';",
      'const d = new PageCacheDisk();',
      `const f = d.openAppend(${JSON.stringify(file)});`,
      "f.append(Buffer.from('synced;')); f.sync();",
      "f.append(Buffer.from('written-back;')); d.writeBack();",
      "f.append(Buffer.from('lost;'));",
      "process.kill(process.pid, 'SIGKILL');",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(file, 'utf8')).toBe('synced;written-back;');
  });

  it('a server refuses to cut an entry it has committed out of its log (its own safety check)', () => {
    const d = ServerDriver.open({
      id: 'n1',
      servers: ['n1', 'n2', 'n3'],
      disk: new SimulatedDisk(),
      walPath: '/n1/wal.log',
    });
    d.step({ kind: 'electionTimeout' });
    d.step({
      kind: 'receive',
      msg: { type: 'RequestVoteResponse', source: 'n2', dest: 'n1', term: 1, voteGranted: true },
    });
    d.step({ kind: 'propose', value: 'k=v' });
    d.step({
      kind: 'receive',
      msg: { type: 'AppendEntriesResponse', source: 'n2', dest: 'n1', term: 1, success: true, matchIndex: 1 },
    });
    expect(d.flush().applied.map((a) => a.index)).toEqual([1]);
    // A message no correct cluster sends (a later leader without the committed entry) would make n1 cut entry 1.
    const conflicting = {
      type: 'AppendEntriesRequest',
      source: 'n3',
      dest: 'n1',
      term: 5,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [{ term: 5, value: 'x=y' }],
      commitIndex: 0,
    } as const;
    expect(() => d.step({ kind: 'receive', msg: conflicting })).toThrow(
      new ServerInvariantError(
        'n1: invariant violated: HandleAppendEntriesRequest cut the log back to 0 entries, but entry 1 was already committed (and applied)',
      ),
    );
  });
});

// Real processes and a TLC check each: generous bounds, so that a loaded CI machine is not mistaken for a failure.
describe('a real cluster under the nemesis', { timeout: 300_000 }, () => {
  it('the shortest run the command allows, with no fault at all, passes on the correct servers, and the proxy drops and duplicates nothing', async () => {
    const report = await shortRun(root, 'calm', 3, []);
    pages.set('calm', report);
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.tlc.verdict).toBe('accepted');
    // No fault drops or duplicates; a receiver that was not up yet may make a
    // message undeliverable, counted apart. The servers' stop at the end makes
    // none: the proxy holds every message from then on.
    expect(report.proxy.dropped + report.proxy.duplicated).toBe(0);
    // Availability, counted from the trace and the clients' commands: the run's one election, every command once.
    const a = report.availability;
    expect(a.elections).toBeGreaterThanOrEqual(1);
    expect(a.highestTerm).toBeGreaterThanOrEqual(1);
    expect([a.commands.answered, a.commands.timedOut, a.commands.refused]).toEqual([
      report.workload.ok,
      report.workload.indefinite,
      report.workload.failed,
    ]);
    expect(a.commands.p50Ms).toBeLessThanOrEqual(a.commands.p99Ms!);
  });

  it('servers told to carry up to 8 entries per AppendEntries say so in every trace, and TLC holds the merged run to it', async () => {
    const report = await shortRun(root, 'wide', 3, [], { maxEntriesPerMessage: 8 });
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([]);
    expect(report.tlc.verdict).toBe('accepted');
    const header = (file: string) => JSON.parse(readFileSync(join(root, 'wide', file), 'utf8').split('\n', 1)[0]!);
    for (const file of ['n1/trace.ndjson', 'n2/trace.ndjson', 'n3/trace.ndjson', 'proxy/trace.ndjson', 'merged.ndjson'])
      expect(header(file).params.maxEntriesPerMessage, file).toBe(8);
  });

  it('a run in which no client got an answer is inconclusive, not failed: the correct servers did nothing wrong, and the history judged nothing', async () => {
    const report = await shortRun(root, 'no-answers', 3, [], { clients: 0 });
    pages.set('no-answers', report);
    expect(report.findings).toEqual([]);
    expect(report.verdict).toBe('inconclusive');
    expect(report.inconclusive).toMatch(/^no client command was answered, so the history checks nothing/);
    expect(report.tlc.verdict).toBe('accepted');
  });

  it('servers that never fsync, killed by a SIGKILL that loses unsynced writes, fail the run', async () => {
    const report = await shortRun(
      root,
      'no-fsync',
      8,
      // Four kills: each loses what its server appended since the last write-back
      // (every second), which holds sent messages only if clients wrote meanwhile,
      // and a loaded machine makes fewer writes a second.
      [
        { at: 1500, kind: 'kill', target: 'leader', restartAfter: 400 },
        { at: 2500, kind: 'kill', target: 'n1', restartAfter: 400 },
        { at: 3500, kind: 'kill', target: 'leader', restartAfter: 400 },
        { at: 4500, kind: 'kill', target: 'leader', restartAfter: 400 },
      ],
      { fsync: false, loseUnsynced: true },
    );
    pages.set('no-fsync', report);
    console.log(report.findings.map((f) => `${f.oracle}: ${f.what}`).join('\n'));
    expect(report.verdict).toBe('failed');
    expect(report.storage).toEqual({ fsync: false, loseUnsynced: true });
    // The lost log takes sends whose messages had already left, or the record of a
    // restart (a later one reuses its number): the merge names them.
    expect(
      report.findings.some(
        (f) =>
          f.oracle === 'merge' &&
          /its restart cut its trace back to what its write-ahead log had kept|started incarnation \d+ twice, so its write-ahead log lost the record of that start/.test(
            f.what,
          ),
      ),
      report.findings.map((f) => `${f.oracle}: ${f.what}`).join('\n'),
    ).toBe(true);
  });
});

// Two zeroed log ends (killed servers) and a failing fsync (a running one), on the simulated page cache.
const DISK_ATTACK: Fault[] = [
  { at: 2000, kind: 'disk', target: 'n2', damage: 'zero-tail', restartAfter: 1000 },
  { at: 4000, kind: 'disk', target: 'n3', damage: 'zero-tail', restartAfter: 1000 },
  { at: 5500, kind: 'disk', target: 'leader', damage: 'eio', restartAfter: 1000 },
];

describe('message accounting on a real cluster', { timeout: 300_000 }, () => {
  it('catches a transport that silently drops received frames (server mutant 107), naming a lost message, where Raft itself recovers', async () => {
    const mutant = loadServerMutants().find((m) => m.name === 'received-frames-silently-dropped')!;
    const report = await mutantRun(root, mutant, 'messages-mutant', 6, []);
    pages.set('messages-mutant', report);
    const lost = report.findings.filter((f) => f.oracle === 'messages');
    expect(lost.length).toBeGreaterThan(0);
    expect(lost[0]!.what).toMatch(
      /^n\d never consumed message n\d:\d+:\d+ \(\w+\), delivered to it at [\d.]+ s, though it ran on for [\d.]+ s.*: messages lost inside the process/,
    );
    expect(report.messages.lost).toBeGreaterThan(0);
  });
});

// The leader cut off for 2 s while clients write: the patient client's
// command waits at it, and its entry there is overwritten by the new leader's.
const ISOLATE_LEADER: Fault[] = [
  { at: 1500, kind: 'partition', shape: 'isolate the leader', cut: 'leader', healAfter: 2000 },
];

describe('clients that wait at a deposed leader', { timeout: 300_000 }, () => {
  it("catch a server that acknowledges a command by its entry's index alone (server mutant 108), by linearizability; the correct servers pass the same attack", async () => {
    const mutant = loadServerMutants().find((m) => m.name === 'acknowledged-by-index-alone')!;
    const wrong = await mutantRun(root, mutant, 'ack-mutant', 7, ISOLATE_LEADER);
    pages.set('ack-mutant', wrong);
    expect(wrong.findings.map((f) => f.oracle)).toContain('linearizability');
    const right = await shortRun(root, 'ack-correct', 7, ISOLATE_LEADER);
    expect(right.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([]);
    expect(right.verdict).toBe('passed');
  });
});

describe('disk faults on a real cluster', { timeout: 300_000 }, () => {
  it('the correct servers refuse a log damaged inside what they synced (and start once it is restored), and stop when an fsync fails', async () => {
    const report = await shortRun(root, 'disk-correct', 9, DISK_ATTACK, { loseUnsynced: true });
    pages.set('disk-correct', report);
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([]);
    // Kills, failed disks and restarts lose messages only where the account excuses them.
    expect(report.messages.lost).toBe(0);
    expect(report.messages.accountable).toBeGreaterThan(100);
    expect(report.verdict).toBe('passed');
    const outcomes = report.faults.applied.filter((a) => a.kind === 'outcome').map((a) => a.what);
    const refused = outcomes.filter((o) =>
      /refused to start on its damaged log, as it may: .*refusing to start/.test(o),
    );
    const recovered = outcomes.filter((o) => /after zero-tail: it recovered \d+ entr/.test(o));
    expect(refused.length + recovered.length).toBe(2);
    // Each refusal ends with the log restored and the server back.
    expect(outcomes.filter((o) => /^restarted n\d on its restored log$/.test(o))).toHaveLength(refused.length);
    expect(outcomes.some((o) => /stopped by itself when its disk failed, as it must: .*EIO|never struck/.test(o))).toBe(
      true,
    );
  });

  it('catches a log recovery that takes zeroed synced sectors for a torn write (server mutant 103) by the disk oracle, naming the entries lost', async () => {
    const mutant = loadServerMutants().find((m) => m.name === 'zeroed-synced-tail-read-as-torn')!;
    const report = await mutantRun(root, mutant, 'disk-mutant', 9, DISK_ATTACK.slice(0, 2), { loseUnsynced: true });
    pages.set('disk-mutant', report);
    const disk = report.findings.filter((f) => f.oracle === 'disk');
    expect(disk.map((f) => f.what).join('\n')).toMatch(
      /^n[23] started with \d+ entr.* after zero-tail on its write-ahead log, but it had made durable \d+ entries.*: entr(y|ies) \d+.* lost at restart/m,
    );
    expect(report.verdict).toBe('failed');
  });
});

// The page of each run above (report.html, as cluster-check and the cluster
// audit write it), opened in chromium: the verdict and the oracle that found
// something, a bar for every fault and every client operation, the merged
// trace drawn and, when TLC or the merge rejected it, opened at the failing
// event with its diagnosis in its box; a non-linearizable witness marked.
// TLC's and the servers' own oracles get pages of their own below: a real
// run's merged trace with one event made wrong (judged by TLC), and a report
// with a server's own finding.
interface PageCase {
  readonly name: string;
  readonly verdict: 'PASSED' | 'FAILED' | 'INCONCLUSIVE';
  readonly oracle: ClusterOracle | null;
}

const PAGE_CASES: readonly PageCase[] = [
  { name: 'calm', verdict: 'PASSED', oracle: null },
  { name: 'no-answers', verdict: 'INCONCLUSIVE', oracle: null },
  { name: 'disk-correct', verdict: 'PASSED', oracle: null },
  { name: 'no-fsync', verdict: 'FAILED', oracle: 'merge' },
  { name: 'messages-mutant', verdict: 'FAILED', oracle: 'messages' },
  { name: 'ack-mutant', verdict: 'FAILED', oracle: 'linearizability' },
  { name: 'disk-mutant', verdict: 'FAILED', oracle: 'disk' },
  { name: 'tlc-rejected', verdict: 'FAILED', oracle: 'tlc' },
  { name: 'server-finding', verdict: 'FAILED', oracle: 'server' },
  { name: 'nemesis-finding', verdict: 'FAILED', oracle: 'nemesis' },
];

/** What the servers' own checks and the nemesis say when they find something: their pages are the calm run's with such a finding. */
const SYNTHETIC: Partial<Record<string, { oracle: 'server' | 'nemesis'; what: string }>> = {
  'server-finding': { oracle: 'server', what: 'n2 ended by itself (exit code 70): a server check' },
  'nemesis-finding': { oracle: 'nemesis', what: 'at 1200 ms: SIGKILL n2 failed: the attack did not go as scheduled' },
};

/** The calm run's folder again, its merged trace with one server's term made wrong at its last event, judged by TLC. */
async function tlcRejectedRun(calm: ClusterCheckReport): Promise<ClusterCheckReport> {
  const dir = join(root, 'tlc-rejected');
  cpSync(calm.dir, dir, { recursive: true });
  const merged = join(dir, 'merged.ndjson');
  const lines = readFileSync(merged, 'utf8').trimEnd().split('\n');
  let k = lines.length - 1;
  while (!/"term":\d+/.test(lines[k]!)) k--;
  lines[k] = lines[k]!.replace(/"term":(\d+)/, (_, t: string) => `"term":${Number(t) + 5}`);
  writeFileSync(merged, lines.join('\n') + '\n');
  const read = validateTraceFile(merged);
  if (!read.ok) throw new Error(`the changed trace is invalid: ${read.problems[0]!.message}`);
  const verdict = (await checkTraces([{ file: merged, ...read.trace }], await needTlc())).verdicts[0]!;
  if (verdict.status !== 'rejected') throw new Error(`TLC did not reject the changed trace: ${verdict.status}`);
  const text = formatDiagnosis(merged, verdict.diagnosis);
  return {
    ...calm,
    dir,
    verdict: 'failed',
    findings: [{ oracle: 'tlc', what: text[0]!, lines: text.slice(1) }],
    traces: { ...calm.traces, merged },
    tlc: { verdict: 'rejected', lines: text, diagnosis: verdict.diagnosis, ms: 0 },
  };
}

describe('the page of each run, in chromium', { timeout: 300_000 }, () => {
  const browser = browserForPages();

  it.each(PAGE_CASES)('$name: $verdict', async ({ name, verdict, oracle }) => {
    const calm = pages.get('calm');
    const synthetic = SYNTHETIC[name];
    const report =
      name === 'tlc-rejected' && calm
        ? await tlcRejectedRun(calm)
        : synthetic && calm
          ? { ...calm, verdict: 'failed' as const, findings: [{ ...synthetic, lines: [] }] }
          : pages.get(name);
    expect(report, `the run ${name} above did not complete`).toBeDefined();
    const p = await openReport(browser(), writeClusterReportPage(report!));
    try {
      expect(await p.page.locator('.verdict-line').textContent()).toMatch(new RegExp(`^${verdict}`));
      const verdicts = await p.page
        .locator('#oracles tbody tr')
        .evaluateAll((rows) =>
          rows.map((r) => [r.querySelector('[data-oracle]')!.getAttribute('data-oracle'), r.children[1]!.textContent]),
        );
      // The oracles the table marks failed are exactly those with findings, the case's among them.
      const failed = verdicts.filter(([, v]) => v === 'failed').map(([o]) => o);
      expect(new Set(failed)).toEqual(new Set(report!.findings.map((f) => f.oracle)));
      if (oracle) expect(failed).toContain(oracle);
      else expect(failed).toEqual([]);
      const servers = Array.from({ length: report!.servers }, (_, k) => `n${k + 1}`);
      const bars = faultBars(report!.faults.applied, servers, report!.seconds * 1000);
      expect(await p.page.locator('#fault-timeline .bar').count()).toBe(bars.length);
      if (report!.faults.applied.some((a) => a.kind === 'kill'))
        expect(await p.page.locator('#fault-timeline .bar.down').count()).toBeGreaterThan(0);
      const history = JSON.parse(readFileSync(join(report!.dir, 'history.json'), 'utf8')) as unknown[];
      // An operation a bar, and a bar for each stretch without an answer.
      expect(await p.page.locator('#client-timeline .bar').count()).toBe(
        history.length + report!.availability.unavailable.count,
      );
      // The merged trace; when the traces did not merge, the one the merge stopped in.
      const diagram = report!.traces.merged ? 'merged' : 'merge-stop';
      const section = `details#${diagram}`;
      await expect.poll(() => p.page.locator(`${section}[open] .event`).count()).toBeGreaterThan(0);
      if (report!.tlc.diagnosis || !report!.traces.merged) {
        await expect.poll(() => p.page.locator(`${section} .event.failing`).count()).toBe(1);
        expect(await inView(p, diagram, '.event.failing')).toBe(true);
        expect(await diagnosisOutsideItsBox(p, section)).toEqual([]);
      }
      // A witness is drawn wherever linearizability failed (the case's oracle, or another finding of the run).
      if (report!.findings.some((f) => f.oracle === 'linearizability')) {
        const witness = await p.page.locator('#client-timeline .bar.witness').count();
        expect(witness).toBeGreaterThan(1);
        expect(await p.page.locator('pre.witness').textContent()).toMatch(/cannot be ordered/);
      } else expect(await p.page.locator('#client-timeline .bar.witness').count()).toBe(0);
      await p.screenshot(`cluster-${name}`, true);
      expect(p.errors).toEqual([]);
      expect(p.requests).toEqual([]);
    } finally {
      await p.page.close();
    }
  });
});
