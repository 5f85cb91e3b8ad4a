// The server, cluster and client commands answer bad input in one line
// naming the file, field or flag, with a non-zero exit and no stack trace.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir, trackPid, untrackPid } from '../../src/files/cleanup.js';
import { freePorts } from '../../src/server/local-cluster.js';
import { crc32c } from '../../src/storage/crc32c.js';
import { encodeSlot } from '../../src/storage/wal-mark.js';
import { encodeRecord } from '../../src/storage/wal-records.js';
import { freeBasePort } from '../support/ports.js';
import { oneLine, tool } from '../support/tools.js';

const dir = makeTempDir('server-tools-');
afterAll(() => removeTempDir(dir));

describe('bad input to the real-cluster commands', { timeout: 120_000 }, () => {
  it('a config with a non-loopback address is refused, naming the file and field', () => {
    const file = join(dir, 'remote.json');
    writeFileSync(file, JSON.stringify({ servers: { n1: { host: '10.0.0.1', raftPort: 7101, clientPort: 7201 } } }));
    oneLine(
      tool('server', ['--config', file, '--id', 'n1']),
      2,
      new RegExp(`^server: ${file}: field servers\\.n1\\.host: only loopback addresses`),
    );
  });

  it('a config with an unknown field or a bad port is refused', () => {
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ servers: { n1: { raftPort: 7101, clientPort: 7201 } }, heartbeat: 5 }));
    oneLine(tool('server', ['--config', file, '--id', 'n1']), 2, /field heartbeat: unknown/);
    writeFileSync(file, JSON.stringify({ servers: { n1: { raftPort: 70000, clientPort: 7201 } } }));
    oneLine(
      tool('server', ['--config', file, '--id', 'n1']),
      2,
      /field servers\.n1\.raftPort: a port must be an integer in 1\.\.65535/,
    );
  });

  it('a server without --id, or with an id outside the cluster, is refused', () => {
    oneLine(tool('server', ['--members', 'n1=127.0.0.1:7101:7201', '--data', dir]), 2, /--id is required/);
    oneLine(
      tool('server', ['--members', 'n1=127.0.0.1:7101:7201', '--data', dir, '--id', 'n4']),
      2,
      /--id: n4 is not a member/,
    );
    oneLine(
      tool('server', ['--members', 'n1=8.8.8.8:7101:7201', '--data', dir, '--id', 'n1']),
      2,
      /^server: --members\.n1\.host: only loopback addresses/,
    );
  });

  it('a server whose WAL is damaged before its tail refuses to start, naming the file and offset', () => {
    const data = join(dir, 'damaged');
    mkdirSync(data, { recursive: true });
    const first = encodeRecord({ t: 'boot', incarnation: 1 });
    const second = encodeRecord({ t: 'state', term: 3, votedFor: 'n1' });
    second.writeUInt8(second.readUInt8(12) ^ 1, 12);
    const log = Buffer.concat([first, second, encodeRecord({ t: 'boot', incarnation: 2 })]);
    writeFileSync(join(data, 'wal.log'), log);
    writeFileSync(
      join(data, 'wal.log.mark'),
      encodeSlot({
        seq: 0,
        generation: 0,
        bytes: log.length,
        chain: crc32c(log),
        term: 3,
        votedFor: 'n1',
        logLength: 0,
      }),
    );
    const r = tool('server', ['--members', 'n1=127.0.0.1:1:2', '--data', data, '--id', 'n1']);
    oneLine(
      r,
      1,
      new RegExp(
        `^server: ${join(data, 'wal.log')}: corrupt write-ahead log at byte offset ${first.length}: checksum mismatch`,
      ),
    );
  });

  it('a server whose WAL was zero-filled at its size refuses to start, saying what it had promised (it is no torn tail)', async () => {
    const [a, b] = await freePorts(2);
    const data = join(dir, 'zeroed');
    const members = ['--members', `n1=127.0.0.1:${a}:${b}`, '--id', 'n1', '--data', data];
    // A one-server cluster elects itself and writes a term, a vote and its boot records.
    expect(tool('server', [...members, '--lifetime', '1']).status).toBe(0);
    const wal = join(data, 'wal.log');
    writeFileSync(wal, Buffer.alloc(readFileSync(wal).length));
    oneLine(
      tool('server', [...members, '--lifetime', '1']),
      1,
      new RegExp(
        `^server: ${wal}: corrupt write-ahead log at byte offset 0: an impossible record length 0, inside the synced bytes .*: its mark says it held term \\d+, .* refusing to start with less than it promised\\n$`,
      ),
    );
  });

  it('a server stops by itself, cleanly, at the end of its lifetime', async () => {
    const [a, b, c, d] = await freePorts(4);
    const r = tool('server', [
      '--members',
      `n1=127.0.0.1:${a}:${b},n2=127.0.0.1:${c}:${d}`,
      '--id',
      'n1',
      '--data',
      join(dir, 'lifetime'),
      '--lifetime',
      '1',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/n1: stopped by the end of its lifetime \(1 s\)\n$/);
  });

  it('the client refuses a bad key, a missing run folder and a remote server', () => {
    oneLine(tool('kv', ['--dir', dir, 'get', 'bad key']), 2, /^kv: KEY must be 1-128 characters/);
    oneLine(
      tool('kv', ['--dir', join(dir, 'none'), 'get', 'k']),
      1,
      /^kv: .*none: no cluster\.json here; start a cluster with make cluster-up/,
    );
    oneLine(
      tool('kv', ['--servers', 'http://example.com:80', 'get', 'k']),
      2,
      /^kv: --servers: .* is not http:\/\/127\.0\.0\.1:PORT/,
    );
  });

  it('the cluster command names what it needs', () => {
    oneLine(tool('cluster', ['begin']), 2, /^cluster: say up, status, start ID or down/);
    oneLine(tool('cluster', ['start']), 2, /^cluster: start needs the id of a server/);
    oneLine(tool('cluster', ['down', '--dir', join(dir, 'none')]), 1, /no cluster\.json here/);
  });
});

describe("the README's quick start", { timeout: 180_000 }, () => {
  it('cluster up, a write and a read with the CLI client, status, cluster down', async () => {
    const run = join(dir, 'quick-start');
    const base = await freeBasePort();
    const started: number[] = [];
    try {
      const up = tool('cluster', ['up', '--dir', run, '--base-port', String(base)]);
      // The servers are detached: should this test be interrupted, the cleanup hooks kill them.
      for (const pid of up.stdout.match(/pid (\d+)/g) ?? []) started.push(Number(pid.slice(4)));
      for (const pid of started) trackPid(pid);
      expect(up.status, up.stderr).toBe(0);
      expect(up.stdout).toMatch(/^cluster up: 3 servers, leader n[123]/);
      const put = tool('kv', ['--dir', run, 'put', 'greeting', 'hello']);
      expect(put.status, put.stderr).toBe(0);
      expect(put.stdout).toMatch(/^ok: greeting=hello applied as entry 2 of term \d+ \(leader n[123]\)/); // entry 1 is the leader's no-op
      const get = tool('kv', ['--dir', run, 'get', 'greeting']);
      expect(get.stdout).toBe('hello\n');
      // A key never set: a read that worked (exit 0), with nothing a script could read as its value.
      const unset = tool('kv', ['--dir', run, 'get', 'never-set']);
      expect([unset.stdout, unset.status]).toEqual(['', 0]);
      expect(unset.stderr).toMatch(/^kv: never-set is not set \(read at entry \d+, leader n[123]\)\n$/);
      // For a script: one JSON document, the same shape as every command's.
      const unsetJson = tool('kv', ['--dir', run, '--json', 'get', 'never-set']);
      expect(JSON.parse(unsetJson.stdout)).toMatchObject({
        command: 'kv',
        exitCode: 0,
        result: { command: 'get', key: 'never-set', value: null, leader: expect.stringMatching(/^n[123]$/) },
      });
      const statusJson = JSON.parse(tool('cluster', ['status', '--json', '--dir', run]).stdout) as {
        result: { servers: Array<{ id: string; answering: boolean; status: { role: string } | null }> };
      };
      expect(statusJson.result.servers.map((s) => s.id)).toEqual(['n1', 'n2', 'n3']);
      expect(statusJson.result.servers.filter((s) => s.status?.role === 'Leader')).toHaveLength(1);
      const again = tool('cluster', ['up', '--dir', run, '--base-port', String(base)]);
      oneLine(again, 1, /servers n1, n2, n3 are already running; stop them with make cluster-down/);
      const status = tool('cluster', ['status', '--dir', run]);
      expect(status.stdout.match(/Leader/g)).toHaveLength(1);
      // kill -9 one server, then start it again: it recovers its log from disk.
      const victim = /^(n\d) {2}Follower/m.exec(status.stdout)![1]!;
      process.kill(Number(readFileSync(join(run, victim, 'server.pid'), 'utf8')), 'SIGKILL');
      const restarted = tool('cluster', ['start', victim, '--dir', run]);
      expect(restarted.status, restarted.stderr).toBe(0);
      expect(restarted.stdout).toMatch(
        new RegExp(`^${victim} started \\(pid (\\d+), incarnation 2, term \\d+, log [2-5]\\)`),
      );
      started.push(Number(/pid (\d+)/.exec(restarted.stdout)![1]));
      trackPid(started.at(-1)!);
      expect(tool('kv', ['--dir', run, 'get', 'greeting']).stdout).toBe('hello\n');
    } finally {
      const down = tool('cluster', ['down', '--dir', run]);
      expect(down.stdout).toMatch(/n1: stopped[\s\S]*n2: stopped[\s\S]*n3: stopped/);
      for (const pid of started) untrackPid(pid);
    }
    expect(tool('cluster', ['down', '--dir', run]).stdout).toBe('n1: not running\nn2: not running\nn3: not running\n');
  });
});
