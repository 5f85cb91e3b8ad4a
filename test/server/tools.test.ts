// The server, cluster and client commands answer bad input in one line
// naming the file, field or flag, with a non-zero exit and no stack trace.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../src/files/cleanup.js';
import { encodeRecord } from '../../src/storage/wal-records.js';

const tool = (name: string, args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', `tools/${name}.ts`, ...args], { encoding: 'utf8', timeout: 60_000 });

const dir = makeTempDir('server-tools-');
afterAll(() => removeTempDir(dir));

function oneLine(r: ReturnType<typeof tool>, status: number, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('bad input to the real-cluster commands', { timeout: 120_000 }, () => {
  it('a config with a non-loopback address is refused, naming the file and field', () => {
    const file = join(dir, 'remote.json');
    writeFileSync(file, JSON.stringify({ servers: { n1: { host: '10.0.0.1', raftPort: 7101, clientPort: 7201 } } }));
    oneLine(tool('server', ['--config', file, '--id', 'n1']), 2, new RegExp(`^server: ${file}: field servers\\.n1\\.host: only loopback addresses`));
  });

  it('a config with an unknown field or a bad port is refused', () => {
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ servers: { n1: { raftPort: 7101, clientPort: 7201 } }, heartbeat: 5 }));
    oneLine(tool('server', ['--config', file, '--id', 'n1']), 2, /field heartbeat: unknown/);
    writeFileSync(file, JSON.stringify({ servers: { n1: { raftPort: 70000, clientPort: 7201 } } }));
    oneLine(tool('server', ['--config', file, '--id', 'n1']), 2, /field servers\.n1\.raftPort: a port must be an integer in 1\.\.65535/);
  });

  it('a server without --id, or with an id outside the cluster, is refused', () => {
    oneLine(tool('server', ['--members', 'n1=127.0.0.1:7101:7201', '--data', dir]), 2, /--id is required/);
    oneLine(tool('server', ['--members', 'n1=127.0.0.1:7101:7201', '--data', dir, '--id', 'n4']), 2, /--id: n4 is not a member/);
    oneLine(tool('server', ['--members', 'n1=8.8.8.8:7101:7201', '--data', dir, '--id', 'n1']), 2, /^server: --members\.n1\.host: only loopback addresses/);
  });

  it('a server whose WAL is damaged before its tail refuses to start, naming the file and offset', () => {
    const data = join(dir, 'damaged');
    mkdirSync(data, { recursive: true });
    const first = encodeRecord({ t: 'boot', incarnation: 1 });
    const second = encodeRecord({ t: 'state', term: 3, votedFor: 'n1' });
    second.writeUInt8(second.readUInt8(12) ^ 1, 12);
    writeFileSync(join(data, 'wal.log'), Buffer.concat([first, second, encodeRecord({ t: 'boot', incarnation: 2 })]));
    const r = tool('server', ['--members', 'n1=127.0.0.1:1:2', '--data', data, '--id', 'n1']);
    oneLine(r, 1, new RegExp(`^server: ${join(data, 'wal.log')}: corrupt write-ahead log at byte offset ${first.length}: checksum mismatch`));
  });

  it('the client refuses a bad key, a missing run folder and a remote server', () => {
    oneLine(tool('kv', ['--dir', dir, 'get', 'bad key']), 2, /^kv: KEY must be 1-128 characters/);
    oneLine(tool('kv', ['--dir', join(dir, 'none'), 'get', 'k']), 1, /^kv: .*none: no cluster\.json here; start a cluster with make cluster-up/);
    oneLine(tool('kv', ['--servers', 'http://example.com:80', 'get', 'k']), 2, /^kv: --servers: .* is not http:\/\/127\.0\.0\.1:PORT/);
  });

  it('the cluster command names what it needs', () => {
    oneLine(tool('cluster', ['start']), 2, /^cluster: say up, status or down/);
    oneLine(tool('cluster', ['down', '--dir', join(dir, 'none')]), 1, /no cluster\.json here/);
  });
});
