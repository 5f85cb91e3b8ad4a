// The package as a user installs it: `npm pack`, then the tarball installed
// into a fresh project offline (from the tarball and the npm cache the
// repository's own install filled, through a lockfile naming the same
// dependency versions), the API imported and type-checked from TypeScript, a
// run of the user's own RaftNodes recorded and checked, a fixture checked,
// and `npx raft-tla check` run there with TLC.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';

const root = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'raft-pack-'));
const project = join(dir, 'my-raft-tests');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(command, args, { cwd: project, encoding: 'utf8', timeout: 180_000, ...options });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

interface LockEntry {
  dev?: boolean;
  link?: boolean;
}

/** The user's lockfile: the tarball, and each dependency of the harness at the version the repository's install holds. */
function lockfileFor(tarball: string): string {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:../${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'my-raft-tests', dependencies: { 'raft-tla-harness': spec } },
    'node_modules/raft-tla-harness': {
      version: pkg.version,
      resolved: spec,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages))
    if (path && !entry.dev && !entry.link) packages[path] = entry;
  return JSON.stringify({ name: 'my-raft-tests', lockfileVersion: 3, requires: true, packages }, null, 2);
}

const USER_TEST = `import { checkTrace, RaftNode, TraceRecording, type Message } from 'raft-tla-harness';
import { expectTraceAccepted, TraceNotAcceptedError } from 'raft-tla-harness/vitest';

// The user's own run: three RaftNodes, every message delivered in order.
const servers = ['n1', 'n2', 'n3'];
const nodes = new Map(servers.map((id) => [id, RaftNode.boot(id, servers)]));
const run = new TraceRecording(servers, { name: 'my-run' });
const inFlight: Message[] = [];
function step(id: string, input: Parameters<RaftNode['step']>[0]): void {
  const ready = nodes.get(id)!.step(input);
  run.record(ready);
  inFlight.push(...ready.messages);
}
step('n1', { kind: 'electionTimeout' });
while (inFlight.length > 0) {
  const msg = inFlight.shift()!;
  step(msg.dest, { kind: 'receive', msg });
}
const mine = await checkTrace(run);
const fixture = await checkTrace('rejected.ndjson');
let thrown = '';
try {
  await expectTraceAccepted({ file: 'rejected.ndjson' });
} catch (err) {
  if (err instanceof TraceNotAcceptedError) thrown = err.message;
}
console.log(JSON.stringify({ mine: mine.status, events: run.events.length, fixture: fixture.status, explanation: fixture.explanation, thrown }));
`;

describe('the packed package, installed offline into a fresh project', { timeout: 300_000 }, () => {
  let tarball = '';

  beforeAll(() => {
    const packed = spawnSync('npm', ['pack', '--pack-destination', dir, '--json'], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(packed.status, packed.stderr).toBe(0);
    tarball = (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename;
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'my-raft-tests',
        private: true,
        type: 'module',
        dependencies: { 'raft-tla-harness': `file:../${tarball}` },
      }),
    );
    writeFileSync(join(project, 'package-lock.json'), lockfileFor(tarball));
    const install = run('npm', ['ci', '--offline', '--no-audit', '--no-fund']);
    expect(install.status, `npm ci --offline in the fresh project: ${install.stderr}`).toBe(0);
    // The describe's timeout covers its tests, not this hook (vitest's default
    // for hooks is 10 s): packing builds dist/ with tsc, which on busy cores
    // took longer. Its bound is the two commands' own, 180 s each.
  }, 400_000);

  it('holds the API with its types: a TypeScript test of the user type-checks, records a run and checks it', () => {
    copyFileSync('traces/fixtures/rejected-two-votes-one-term.ndjson', join(project, 'rejected.ndjson'));
    writeFileSync(join(project, 'my-run.ts'), USER_TEST);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ['my-run.ts'],
      }),
    );
    // The repository's TypeScript on the user's project: the package's declarations must serve it.
    const tsc = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    // tsx came with the package (its command runs on it).
    const r = run('npx', ['--no-install', 'tsx', 'my-run.ts']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      mine: string;
      events: number;
      fixture: string;
      explanation: string[];
      thrown: string;
    };
    expect(out.mine).toBe('accepted');
    expect(out.events).toBeGreaterThan(5);
    expect(out.fixture).toBe('rejected');
    expect(out.explanation[0]).toMatch(
      /^rejected\.ndjson:10: event 9 is not a step of the spec: HandleRequestVoteRequest\(n3/,
    );
    // The helper's failure message is the diagnosis.
    expect(out.thrown).toContain(out.explanation.join('\n'));
  });

  it('runs npx raft-tla there: its help, and check with TLC on a fixture', async () => {
    const { jar } = await needTlc();
    expect(run('npx', ['--no-install', 'raft-tla', '--version']).stdout).toMatch(/^raft-tla-harness \d+\.\d+\.\d+\n$/);
    const env = { ...process.env, TLA2TOOLS_JAR: jar.path };
    copyFileSync('traces/fixtures/accepted-split-vote.ndjson', join(project, 'split-vote.ndjson'));
    const ok = run('npx', ['--no-install', 'raft-tla', 'check', '--json', 'split-vote.ndjson'], { env });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      command: 'check',
      exitCode: 0,
      result: { checker: 'tlc', accepted: 1 },
    });
    const rejected = run('npx', ['--no-install', 'raft-tla', 'check', 'rejected.ndjson'], { env });
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toMatch(/rejected\.ndjson:10: event 9 is not a step of the spec/);
    // Its reports land in the user's project, not in the package.
    expect(readFileSync(join(project, 'traces/reports/check-report.json'), 'utf8')).toMatch(/"rejected": 1/);
  });

  it("runs the README's example test in the user's vitest, passing, and failing with the diagnosis when the run is wrong", () => {
    // The user's own vitest: here the repository's, linked into the project.
    symlinkSync(join(root, 'node_modules/vitest'), join(project, 'node_modules/vitest'), 'dir');
    const example = /```ts\n([\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))![1]!;
    expect(example.split('\n').length).toBeLessThanOrEqual(25);
    writeFileSync(join(project, 'readme.test.ts'), example);
    // The same test on a server that forgets its vote: n2 records a vote for itself after granting n1's.
    const broken = example.replace(
      'run.record(ready);',
      "run.record(id === 'n2' && input.kind === 'receive' ? { events: ready.events.map((e) => ({ ...e, state: { ...e.state, votedFor: 'n2' } })) } : ready);",
    );
    expect(broken).not.toBe(example);
    writeFileSync(join(project, 'broken.test.ts'), broken);
    const vitest = (file: string) =>
      run(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project, file], {
        env: { ...process.env, NO_COLOR: '1' },
      });
    const passing = vitest('readme.test.ts');
    expect(passing.status, passing.stdout + passing.stderr).toBe(0);
    const failing = vitest('broken.test.ts');
    expect(failing.status).toBe(1);
    expect(failing.stdout + failing.stderr).toMatch(/recording: not accepted by spec\/Raft\.tla/);
    expect(failing.stdout + failing.stderr).toMatch(
      /UpdateTerm\(n2, [^\n]*\n[^\n]*\n\s*votedFor\[n2\]: implementation "n2", spec null/,
    );
  });
});
