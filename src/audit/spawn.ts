// Runs a campaign (src/audit/campaign.ts) in a child process, inside a scratch
// copy of the project with the mutant applied (or none), and returns its result.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TlcJar } from '../tlc/jar.js';
import type { CampaignConfig, CampaignResult } from './campaign.js';
import { scratchCopy, type Mutant } from './mutants.js';
import { dyingWithParent, removeTempDir, trackChild } from '../files/cleanup.js';

/** `jar` is null for a campaign without TLC (config.tlc false). */
export async function campaignInCopy(
  mutant: Mutant | null,
  config: CampaignConfig,
  jar: TlcJar | null,
): Promise<CampaignResult> {
  const dir = scratchCopy(mutant);
  try {
    const configPath = join(dir, 'campaign-config.json');
    const resultPath = join(dir, 'campaign-result.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        ...config,
        failuresDir: resolve(config.failuresDir),
        replay: config.replay && resolve(config.replay),
      }),
    );
    const stderr: string[] = [];
    const code = await new Promise<number | null>((done, fail) => {
      // node itself with tsx's loader, not the tsx command: that wrapper answers
      // a SIGTERM by SIGKILLing a child that does not acknowledge it within
      // 30 ms, which a worker busy simulating cannot, and it then leaves its
      // JVMs and folders behind.
      // SIGTERM when this process dies, however: the worker then stops its TLC and removes the scratch copy itself.
      const launch = dyingWithParent(
        process.execPath,
        ['--import', 'tsx', join(dir, 'src', 'audit', 'campaign.ts'), configPath, resultPath],
        'SIGTERM',
      );
      const child = spawn(launch.command, launch.args, {
        cwd: dir,
        env: jar ? { ...process.env, TLA2TOOLS_JAR: jar.path } : process.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // A campaign worker stops its own TLC runs and scratch folders on SIGTERM.
      trackChild(child, 'SIGTERM');
      child.stderr.on('data', (c: Buffer) => stderr.push(c.toString()));
      child.on('error', fail);
      child.on('close', done);
    });
    let result: CampaignResult;
    try {
      result = JSON.parse(readFileSync(resultPath, 'utf8')) as CampaignResult;
    } catch {
      const why = stderr.join('').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit code ${code}`;
      return {
        label: config.label,
        schedules: 0,
        events: 0,
        seconds: 0,
        failure: null,
        coverage: null,
        progress: null,
        availability: null,
        error: `the campaign did not finish: ${why}`,
      };
    }
    return result;
  } finally {
    removeTempDir(dir);
  }
}
