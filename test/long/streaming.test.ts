// The long tier of streaming (test/unit/streaming.test.ts has the rest): the
// command writes a run of 150,000 steps.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const scratch = () => mkdtempSync(join(tmpdir(), 'raft-streaming-'));

describe('tools/generate-traces.ts', { timeout: 120_000 }, () => {
  it('writes a run of 150,000 steps (over 200,000 events), which did not fit in one string before', () => {
    const dir = scratch();
    const r = spawnSync('npx', ['tsx', 'tools/generate-traces.ts', '--seed', '1', '--steps', '150000', '--out', dir], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const events = Number(/wrote 1 trace\(s\), (\d+) events/.exec(r.stdout)?.[1]);
    expect(events).toBeGreaterThan(200_000);
    expect(readdirSync(dir)).toEqual(['seed-1.ndjson']);
    expect(statSync(join(dir, 'seed-1.ndjson')).size / events).toBeLessThan(600);
  });
});
