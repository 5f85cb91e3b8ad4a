// The progress oracle under network delays (src/sim/progress.ts), sampled as
// make test's one mutant for it: a candidate that starts a new election at
// every heartbeat instead of re-sending its vote requests takes only steps
// the spec allows, and elects a leader at once on a network that delivers
// everything within a tick; on the phase's network, where a vote takes longer
// to answer than a heartbeat takes to come round, its terms climb and no
// leader holds, which the soak command (simulator oracles, no TLC) reports.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTempDir } from '../../src/files/cleanup.js';
import { tool } from '../support/tools.js';

describe('the progress phase on a slow network', () => {
  it('catches mutant 21 (a candidate restarting its election at every heartbeat) by progress alone', () => {
    const out = mkdtempSync(join(tmpdir(), 'soak-'));
    try {
      const r = tool('soak', ['--mutant', '21', '--schedules', '200', '--shrink-seconds', '5', '--out', out], 120_000);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/caught by progress at seed \d+/);
      expect(r.stdout).toMatch(/of a slow but fair network .*new term\(s\) during the phase/);
    } finally {
      removeTempDir(out);
    }
  });
});
