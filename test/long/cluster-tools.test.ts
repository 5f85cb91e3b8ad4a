// The long tier of the real-cluster commands (test/system/cluster-tools.test.ts
// has the rest): cluster up and cluster start fail at once, with the
// server's own reason, when a server cannot start.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, processRunning, removeTempDir, trackPid, untrackPid } from '../../src/files/cleanup.js';
import { portInUse } from '../../src/server/local-cluster.js';
import { freeBasePort } from '../support/ports.js';
import { oneLine, tool } from '../support/tools.js';

const dir = makeTempDir('server-tools-');
afterAll(() => removeTempDir(dir));

describe("the README's quick start, at length", { timeout: 180_000 }, () => {
  it("cluster up and cluster start fail at once with the server's own reason when a server cannot start; a server whose data directory is removed stops, and cluster down finds one whose PID file is gone", async () => {
    const run = join(dir, 'failing-start');
    const base = await freeBasePort();
    const started: number[] = [];
    const track = (out: string) => {
      for (const m of out.matchAll(/pid (\d+)/g)) started.push(Number(m[1]));
      for (const pid of started) trackPid(pid);
    };
    try {
      const up = tool('cluster', ['up', '--dir', run, '--base-port', String(base)]);
      track(up.stdout);
      expect(up.status, up.stderr).toBe(0);
      expect(tool('cluster', ['down', '--dir', run]).status).toBe(0);
      const wal = join(run, 'n2', 'wal.log');
      writeFileSync(wal, Buffer.alloc(readFileSync(wal).length));
      const t0 = Date.now();
      const again = tool('cluster', ['up', '--dir', run, '--base-port', String(base)]);
      oneLine(
        again,
        1,
        new RegExp(
          `^cluster: n2 exited with code 1: server: ${wal}: corrupt write-ahead log at byte offset 0: .*refusing to start with less than it promised .*; servers stopped, see`,
        ),
      );
      expect(again.stdout).toBe('');
      const one = tool('cluster', ['start', 'n2', '--dir', run]);
      oneLine(
        one,
        1,
        /^cluster: n2 exited with code 1: server: .*corrupt write-ahead log at byte offset 0: .*while waiting for n2 to answer\n$/,
      );
      // Both in a few seconds, not the 30-second wait for an answer.
      expect(Date.now() - t0).toBeLessThan(25_000);
      expect(tool('cluster', ['down', '--dir', run]).stdout).toBe(
        'n1: not running\nn2: not running\nn3: not running\n',
      );

      // A fresh cluster: n3's data directory removed under it, n1's PID file removed.
      const fresh = join(dir, 'removed-data');
      const up2 = tool('cluster', ['up', '--dir', fresh, '--base-port', String(base)]);
      track(up2.stdout);
      expect(up2.status, up2.stderr).toBe(0);
      const n3 = Number(readFileSync(join(fresh, 'n3', 'server.pid'), 'utf8'));
      rmSync(join(fresh, 'n3'), { recursive: true });
      rmSync(join(fresh, 'n1', 'server.pid'));
      const deadline = Date.now() + 10_000;
      while (processRunning(n3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(processRunning(n3)).toBe(false);
      const down = tool('cluster', ['down', '--dir', fresh]);
      expect(down.stdout).toMatch(/^n1: stopped \(pid \d+\)\nn2: stopped \(pid \d+\)\nn3: not running\n$/);
      for (const port of [1, 2, 3, 101, 102, 103])
        expect(await portInUse(base + port), `port ${base + port}`).toBe(false);
    } finally {
      tool('cluster', ['down', '--dir', run]);
      tool('cluster', ['down', '--dir', join(dir, 'removed-data')]);
      for (const pid of started) untrackPid(pid);
    }
  });
});
