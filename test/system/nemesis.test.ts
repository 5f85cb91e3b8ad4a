// The nemesis on real clusters: its fault schedule (seeded, replayable, read
// back with one-line errors), a short real run under kills, pauses,
// partitions and a lossy, duplicating, slow network whose merged trace TLC
// accepts and whose clients' history is linearizable (through the command
// users type), and a mutated server (votedFor not persisted) caught on a
// real cluster within a bounded time.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadMutants,
  loadServerMutants,
  mutantProblem,
  scratchCopy,
  SERVER_COPY_PARTS,
  type Mutant,
} from '../src/audit/mutants.js';
import { makeTempDir, removeTempDir } from '../src/files/cleanup.js';
import {
  CALM_MS,
  generateFaults,
  parseFaultSchedule,
  FaultScheduleError,
  type Fault,
  type FaultSchedule,
} from '../src/nemesis/faults.js';
import { runClusterCheck, type ClusterCheckOptions, type ClusterCheckReport } from '../src/nemesis/run.js';
import { LocalCluster, portInUse } from '../src/server/local-cluster.js';
import { ConfigError, parseClusterConfig } from '../src/server/config.js';
import { ServerDriver, ServerInvariantError } from '../src/server/driver.js';
import { SimulatedDisk } from '../src/storage/disk.js';
import { validateTraceFile } from '../src/trace/validate.js';
import { needTlc } from './need-tlc.js';

const root = makeTempDir('nemesis-');
afterAll(() => removeTempDir(root));

describe('the fault schedule', () => {
  it('is drawn from the seed alone, covers every kind of fault over a few seeds, and leaves the last seconds calm', () => {
    expect(JSON.stringify(generateFaults(7, 60, 3))).toBe(JSON.stringify(generateFaults(7, 60, 3)));
    expect(JSON.stringify(generateFaults(8, 60, 3))).not.toBe(JSON.stringify(generateFaults(7, 60, 3)));
    const kinds = new Set<string>();
    const shapes = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) {
      const s = generateFaults(seed, 60, 5);
      for (const f of s.faults) {
        kinds.add(f.kind);
        if (f.kind === 'partition') shapes.add(f.shape.split(' ')[0]!);
        const length = f.kind === 'kill' ? f.restartAfter : f.kind === 'pause' ? f.resumeAfter : f.healAfter;
        expect(f.at + length).toBeLessThanOrEqual(60_000 - CALM_MS);
      }
    }
    expect([...kinds].sort()).toEqual(['flaky', 'kill', 'partition', 'pause']);
    expect([...shapes].sort()).toEqual(['bridge', 'isolate', 'one-way:', 'split']);
  });

  it('the server mutants of the audit on real clusters still apply to the code (each edit matches exactly once)', () => {
    const mutants = loadServerMutants();
    expect(mutants.length).toBeGreaterThanOrEqual(2);
    for (const m of mutants) expect(mutantProblem(m), m.name).toBeNull();
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
    ];
    const bad = join(root, 'bad-faults.json');
    writeFileSync(bad, JSON.stringify({ seed: 1, seconds: 10, servers: 3, faults: [{ at: 10, kind: 'explode' }] }));
    cases.push([
      ['--faults', bad],
      /^cluster-check: .*bad-faults\.json: faults\[0\]\.kind: must be kill, pause, partition or flaky, got "explode"\n$/,
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

/** A short attack with one of every fault, at fixed times: kills, a pause, two partition shapes, a lossy network. */
const SHORT: FaultSchedule = {
  seed: 5,
  seconds: 9,
  servers: 3,
  faults: [
    { at: 500, kind: 'flaky', drop: 0.2, duplicate: 0.3, delayMs: [0, 40], healAfter: 1500 },
    { at: 800, kind: 'kill', target: 'leader', restartAfter: 700 },
    { at: 2300, kind: 'partition', shape: 'isolate the leader', cut: 'leader', healAfter: 1200 },
    { at: 2400, kind: 'pause', target: 'n2', resumeAfter: 500 },
    { at: 3800, kind: 'kill', target: 'n3', restartAfter: 500 },
    {
      at: 4000,
      kind: 'partition',
      shape: 'one-way: nobody hears n1',
      cut: [
        ['n1', 'n2'],
        ['n1', 'n3'],
      ],
      healAfter: 1500,
    },
  ],
};

/** A short run of 3 real servers (from the project copy `projectRoot`, if given) under `faults`, whose times are ms from the workload's start. */
async function shortRun(
  name: string,
  seconds: number,
  faults: Fault[],
  options: Partial<ClusterCheckOptions> = {},
): Promise<ClusterCheckReport> {
  return runClusterCheck({
    dir: join(root, name),
    servers: 3,
    seconds,
    seed: 1,
    tlc: await needTlc(),
    faults: { seed: 1, seconds, servers: 3, faults },
    ...options,
  });
}

/** The same, with servers built from a scratch copy of the project with `mutant` applied. */
async function mutantRun(
  mutant: Mutant,
  name: string,
  seconds: number,
  faults: Fault[],
  options: Partial<ClusterCheckOptions> = {},
): Promise<ClusterCheckReport> {
  const copy = scratchCopy(mutant, SERVER_COPY_PARTS);
  try {
    return await shortRun(name, seconds, faults, { ...options, projectRoot: copy });
  } finally {
    removeTempDir(copy);
  }
}

// Real processes and a TLC check each: generous bounds, so that a loaded CI machine is not mistaken for a failure.
describe('a real cluster under the nemesis', { timeout: 300_000 }, () => {
  it("make cluster-check's command: kills that lose unsynced writes, a pause, partitions, drops and duplicates; TLC accepts the merged trace, the history is linearizable", () => {
    const dir = join(root, 'short');
    const faults = join(root, 'short-faults.json');
    writeFileSync(faults, JSON.stringify(SHORT));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/cluster-check.ts', '--faults', faults, '--out', dir, '--lose-unsynced'],
      { encoding: 'utf8', timeout: 280_000 },
    );
    console.log(r.stdout);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/cluster-check: PASSED/);
    expect(r.stdout).toContain(
      `rerun the same fault schedule: npx tsx tools/cluster-check.ts --faults ${faults} --out ${dir} --lose-unsynced`,
    );
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ClusterCheckReport;
    expect(report.tlc.verdict).toBe('accepted');
    expect(report.linearizability.verdict).toBe('linearizable');
    expect(report.workload.ok).toBeGreaterThan(10);
    const kinds = report.faults.applied.map((a) => a.kind);
    for (const k of ['kill', 'restart', 'pause', 'resume', 'partition', 'flaky', 'heal']) expect(kinds).toContain(k);
    expect(report.proxy.dropped).toBeGreaterThan(0);
    expect(report.proxy.duplicated).toBeGreaterThan(0);
    // The merged trace is an ordinary trace: the proxy's drops and duplicates and the restarts are in it.
    const merged = validateTraceFile(join(dir, 'merged.ndjson'));
    if (!merged.ok) throw new Error(merged.problems[0]!.message);
    const actions = new Set<string>();
    for (const e of merged.trace.events) actions.add(e.action);
    for (const a of ['DropMessage', 'DuplicateMessage', 'Restart', 'BecomeLeader', 'ClientRequest'])
      expect(actions).toContain(a);
    expect(JSON.parse(readFileSync(join(dir, 'faults.json'), 'utf8'))).toEqual(SHORT);
  });

  it("the shortest run the command allows, with no fault at all, passes on the correct servers (the proxy's trace then holds no events)", async () => {
    const report = await shortRun('calm', 3, []);
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.tlc.verdict).toBe('accepted');
    expect(report.proxy.dropped + report.proxy.duplicated).toBe(0);
  });

  it('a server killed before it took a step, and restarted, leaves a run that passes (its trace starts with nothing to cut)', async () => {
    const report = await shortRun('kill-at-start', 3, [{ at: 0, kind: 'kill', target: 'n1', restartAfter: 200 }]);
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([]);
    expect(report.verdict).toBe('passed');
    expect(report.faults.applied.map((a) => a.kind)).toEqual(expect.arrayContaining(['kill', 'restart']));
  });

  it('a run in which no client got an answer is inconclusive, not failed: the correct servers did nothing wrong, and the history judged nothing', async () => {
    const report = await shortRun('no-answers', 3, [], { clients: 0 });
    expect(report.findings).toEqual([]);
    expect(report.verdict).toBe('inconclusive');
    expect(report.inconclusive).toMatch(/^no client command was answered, so the history checks nothing/);
    expect(report.tlc.verdict).toBe('accepted');
  });

  it('servers that never fsync, killed by a SIGKILL that loses unsynced writes, fail the run', async () => {
    const report = await shortRun(
      'no-fsync',
      6,
      [
        { at: 1500, kind: 'kill', target: 'leader', restartAfter: 400 },
        { at: 2500, kind: 'kill', target: 'n1', restartAfter: 400 },
      ],
      { fsync: false, loseUnsynced: true },
    );
    console.log(report.findings.map((f) => `${f.oracle}: ${f.what}`).join('\n'));
    expect(report.verdict).toBe('failed');
    expect(report.storage).toEqual({ fsync: false, loseUnsynced: true });
    // The lost log takes sends whose messages had already left: the merge names them.
    expect(
      report.findings.some(
        (f) =>
          f.oracle === 'merge' && /its restart cut its trace back to what its write-ahead log had kept/.test(f.what),
      ),
    ).toBe(true);
  });

  it('catches a mutated server (votedFor not persisted) on a real cluster within a bounded time', async () => {
    const mutant = loadMutants().find((m) => m.name === 'voted-for-not-persisted')!;
    const t0 = performance.now();
    // Each server is killed and restarted in turn: whichever had voted in its term comes back without its vote.
    const report = await mutantRun(mutant, 'mutant', 6, [
      { at: 300, kind: 'kill', target: 'n1', restartAfter: 300 },
      { at: 1000, kind: 'kill', target: 'n2', restartAfter: 300 },
      { at: 1700, kind: 'kill', target: 'n3', restartAfter: 300 },
    ]);
    // Bounded: a 6-second run, then one TLC check; the figure is printed, not asserted (these machines are noisy).
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `mutant voted-for-not-persisted: ${report.findings.map((f) => `${f.oracle}: ${f.what}`).join('; ')} (${seconds.toFixed(0)} s)`,
    );
    // (A vote given twice may also elect two leaders and lose writes: other oracles may join in.)
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toContainEqual(expect.stringMatching(/^tlc: /));
    expect(report.verdict).toBe('failed');
    const tlc = report.findings.find((f) => f.oracle === 'tlc')!;
    expect(tlc.what).toMatch(/event \d+ is not a step of the spec: Restart\(n\d\)/);
    expect(tlc.lines.join('\n')).toMatch(/votedFor\[n\d\]: implementation null, spec "n\d"/);
    expect(tlc.lines.join('\n')).toMatch(/the event came from .*\/n\d\/trace\.ndjson:\d+/);
  });

  it('catches a server that answers reads from its own store (server mutant 101) by linearizability, while TLC accepts every protocol step', async () => {
    const mutant = loadServerMutants().find((m) => m.name === 'stale-read-from-local-store')!;
    // n3 is cut off for 4 s while the clients write the one key; a client that reconnects to n3 reads what n3 last applied.
    const cut: Array<[string, string]> = [
      ['n3', 'n1'],
      ['n3', 'n2'],
      ['n1', 'n3'],
      ['n2', 'n3'],
    ];
    const report = await mutantRun(
      mutant,
      'stale-read',
      7,
      [{ at: 300, kind: 'partition', shape: 'isolate n3', cut, healAfter: 4000 }],
      { keys: 1 },
    );
    console.log(report.linearizability.witness.join('\n'));
    // Every finding, in full: a failure here says what else went wrong.
    expect(report.findings.map((f) => `${f.oracle}: ${f.what}`)).toEqual([
      expect.stringMatching(/^linearizability: the clients' history is not linearizable \(k1\)$/),
    ]);
    expect(report.tlc.verdict).toBe('accepted');
    expect(report.linearizability.verdict).toBe('not linearizable');
    // The witness names the stale read and the write it missed: at least a write and a read.
    expect(report.linearizability.witness.join('\n')).toMatch(/put k1=.*\n(.*\n)*.*get k1 -> /);
  });

  it("on Ctrl-C (SIGINT) stops every server it started and frees every port, the proxy's too", async () => {
    const dir = join(root, 'interrupted');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tools/cluster-check.ts', '--seconds', '60', '--out', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const deadline = Date.now() + 60_000;
    while (!out.includes('attacking for 60 s') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('attacking for 60 s');
    await new Promise((r) => setTimeout(r, 1500)); // the faults and clients are at work
    const config = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
      servers: Record<string, { raftPort: number; clientPort: number }>;
      routes: Record<string, Record<string, number>>;
    };
    const ports = [
      ...Object.values(config.servers).flatMap((m) => [m.raftPort, m.clientPort]),
      ...Object.values(config.routes).flatMap((r) => Object.values(r)),
    ];
    expect(ports).toHaveLength(12);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(serversOf(join(dir, 'cluster.json'))).toEqual([]);
    for (const port of ports) expect(await portInUse(port), `port ${port}`).toBe(false);
  });

  it('SIGKILLed, it leaves no server running: each one, the paused one too, sees its supervisor gone and stops; a new run into the folder then passes', async () => {
    const dir = join(root, 'orphaned');
    const faults = join(root, 'orphaned-faults.json');
    // n2 is paused (SIGSTOP) for the whole run when the checker dies.
    writeFileSync(
      faults,
      JSON.stringify({
        seed: 3,
        seconds: 30,
        servers: 3,
        faults: [{ at: 200, kind: 'pause', target: 'n2', resumeAfter: 20_000 }],
      }),
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tools/cluster-check.ts', '--faults', faults, '--out', dir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('close', (_code, signal) => done(signal)));
    const deadline = Date.now() + 60_000;
    while (!out.includes('attacking for 30 s') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    const configPath = join(dir, 'cluster.json');
    expect(serversOf(configPath)).toHaveLength(3);
    const paused = serversOf(configPath).filter((pid) =>
      /^\d+ \([^)]*\) T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    );
    expect(paused).toHaveLength(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const gone = Date.now() + 10_000;
    while (serversOf(configPath).length && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
    expect(serversOf(configPath)).toEqual([]);
    for (const id of ['n1', 'n2', 'n3'])
      expect(readFileSync(join(dir, id, 'server.log'), 'utf8')).toMatch(/stopped by its supervisor going away/);
    const again = await shortRun('orphaned', 3, []);
    expect(again.verdict).toBe('passed');
  });

  it('refuses a run folder where a server of an earlier run still runs, naming it, and starts nothing', async () => {
    const dir = join(root, 'occupied');
    const old = await LocalCluster.create({ dir, servers: 3, detached: true, lifetimeSeconds: 120 });
    old.start('n1');
    try {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'tools/cluster-check.ts', '--seconds', '3', '--out', dir],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.stderr).toMatch(
        new RegExp(
          `^cluster-check: ${dir}: n1 \\(pid ${old.ownPid('n1')}\\) of an earlier run still runs with this folder's config; stop it \\(make cluster-down CLUSTER_DIR=${dir}\\) or name another folder\n$`,
        ),
      );
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    } finally {
      await old.stopAll();
      old.release();
    }
  });
});

/** The PIDs of processes whose command line names this cluster config (its servers). */
function serversOf(configPath: string): string[] {
  return readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(configPath);
    } catch {
      return false;
    }
  });
}
