// Short runs of real clusters under the nemesis, for the system and long
// tiers: a fixed attack with one of every fault, a run of the correct servers
// or of a mutant's, and the servers of a run found by their config.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchCopy, SERVER_COPY_PARTS, type Mutant } from '../../src/audit/mutants.js';
import { removeTempDir } from '../../src/files/cleanup.js';
import type { Fault, FaultSchedule } from '../../src/nemesis/faults.js';
import { runClusterCheck, type ClusterCheckOptions, type ClusterCheckReport } from '../../src/nemesis/run.js';
import { needTlc } from './need-tlc.js';

/** A short attack with one of every fault, at fixed times: kills, a pause, two partition shapes, a lossy network. */
export const SHORT: FaultSchedule = {
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

/** A short run (its folder under `root`) of 3 real servers (from the project copy `projectRoot`, if given) under `faults`, whose times are ms from the workload's start. */
export async function shortRun(
  root: string,
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
export async function mutantRun(
  root: string,
  mutant: Mutant,
  name: string,
  seconds: number,
  faults: Fault[],
  options: Partial<ClusterCheckOptions> = {},
): Promise<ClusterCheckReport> {
  const copy = scratchCopy(mutant, SERVER_COPY_PARTS);
  try {
    return await shortRun(root, name, seconds, faults, { ...options, projectRoot: copy });
  } finally {
    removeTempDir(copy);
  }
}

/** The PIDs of processes whose command line names this cluster config (its servers). */
export function serversOf(configPath: string): string[] {
  return readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(configPath);
    } catch {
      return false;
    }
  });
}
