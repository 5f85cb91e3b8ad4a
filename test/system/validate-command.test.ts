// The trace validation command (test/unit/trace-validate.test.ts checks the
// validation itself, in process): exit codes and one line per problem.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';

let good: string;

beforeAll(() => {
  good = runSchedule(generateSchedule(3)).trace;
});

describe('tools/validate-trace.ts', { timeout: 60_000 }, () => {
  it('exits 0 on valid traces and 1 with file:line messages, never a stack trace, on bad ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-cli-'));
    const ok = join(dir, 'ok.ndjson');
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(ok, good);
    writeFileSync(bad, good.slice(0, -1));
    const out = execFileSync('npx', ['tsx', 'tools/validate-trace.ts', ok], { encoding: 'utf8' });
    expect(out).toContain('1 of 1 trace(s) valid');
    const failed = spawnSync('npx', ['tsx', 'tools/validate-trace.ts', ok, bad, join(dir, 'missing.ndjson')], {
      encoding: 'utf8',
    });
    expect(failed.status).toBe(1);
    const errLines = failed.stderr.trim().split('\n');
    expect(errLines).toEqual([
      expect.stringMatching(new RegExp(`^${bad}:\\d+: truncated last line`)),
      `${join(dir, 'missing.ndjson')}: no such file`,
    ]);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
  });
});
