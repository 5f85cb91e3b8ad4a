// The long tier of interruption (test/system/interrupt.test.ts has the
// rest): the audit on SIGINT, Ctrl-C to the whole process group of make,
// the order Ctrl-C can take under the tsx command, and SIGKILL of each tool
// with everything it started.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { childrenOf, killGroup, processesMentioning, until } from '../support/processes.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';

describe('interrupting a tool, at length', { timeout: 180_000 }, () => {
  /** Starts the audit under a launcher, in a process group of its own, and waits until its campaign runs TLC in a scratch copy. */
  async function auditUnder(command: readonly string[], scratch: string) {
    const flags = ['--mutants', '2', '--schedules', '400', '--seconds', '120', '--out', join(scratch, 'audit')];
    const args =
      command[0] === 'make' ? [...command.slice(1), `AUDIT_FLAGS=${flags.join(' ')}`] : [...command.slice(1), ...flags];
    const child = spawn(command[0]!, args, {
      env: { ...process.env, TMPDIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    await until(
      'a scratch copy and a TLC JVM',
      () =>
        readdirSync(scratch).some((d) => d.startsWith('raft-')) &&
        processesMentioning(scratch).some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tlc2.TLC')),
      150_000,
    );
    return { group: child.pid!, exited };
  }

  async function leavesNothing(scratch: string, exited: Promise<number | null>): Promise<void> {
    expect(await exited).not.toBe(0);
    await until('every process of the audit to end', () => processesMentioning(scratch).length === 0, 15_000);
    expect(readdirSync(scratch).filter((d) => d !== 'audit' && !d.startsWith('tsx-'))).toEqual([]);
  }

  it('the audit on SIGINT stops its campaign worker and TLC, and removes its scratch copy of the project', async () => {
    await needTlc();
    const scratch = mkdtempSync(join(tmpdir(), 'interrupt-'));
    try {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'tools/audit.ts',
          '--mutants',
          '2',
          '--schedules',
          '400',
          '--seconds',
          '120',
          '--out',
          join(scratch, 'audit'),
        ],
        {
          env: { ...process.env, TMPDIR: scratch },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      // The campaign runs in a scratch copy of the project; wait until it has started TLC there.
      await until(
        'a scratch copy and a TLC JVM',
        () =>
          readdirSync(scratch).some((d) => d.startsWith('raft-')) &&
          processesMentioning(scratch).some((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tlc2.TLC')),
        150_000,
      );
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      await until('every process of the audit to end', () => processesMentioning(scratch).length === 0, 15_000);
      expect(readdirSync(scratch).filter((d) => d !== 'audit' && !d.startsWith('tsx-'))).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('Ctrl-C to the whole process group of make audit (SIGINT to make and the tool at once) stops every process and leaves no scratch folder', async () => {
    await needTlc();
    const scratch = mkdtempSync(join(tmpdir(), 'interrupt-group-'));
    let group = 0;
    try {
      const run = await auditUnder(['make', 'audit'], scratch);
      group = run.group;
      process.kill(-group, 'SIGINT');
      await leavesNothing(scratch, run.exited);
    } finally {
      killGroup(group);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('under the tsx command, the order Ctrl-C can take (the tool hears it first, then tsx, which relays it and SIGKILLs a tool that does not answer in 30 ms) still leaves nothing behind', async () => {
    await needTlc();
    const scratch = mkdtempSync(join(tmpdir(), 'interrupt-tsx-'));
    let group = 0;
    try {
      const run = await auditUnder([process.execPath, 'node_modules/tsx/dist/cli.mjs', 'tools/audit.ts'], scratch);
      group = run.group;
      const tool = childrenOf(group).find((pid) =>
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tools/audit.ts'),
      );
      expect(tool).toBeDefined();
      // The tool answers tsx at once, before tsx itself heard the signal; tsx then relays it and waits 30 ms for an answer.
      process.kill(tool!, 'SIGINT');
      await new Promise((r) => setTimeout(r, 100));
      process.kill(group, 'SIGINT');
      await leavesNothing(scratch, run.exited);
    } finally {
      killGroup(group);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it.each([
    ['check-traces, its TLC JVMs', 'check'],
    ["the audit, its campaign worker, the worker's TLC and the scratch copy", 'audit'],
  ] as const)(
    'SIGKILL of %s: nothing it started goes on running, and no scratch copy of the project is left',
    async (_what, kind) => {
      await needTlc();
      const scratch = mkdtempSync(join(tmpdir(), 'interrupt-kill-'));
      try {
        let args: string[];
        if (kind === 'check') {
          // One TLC run of tens of seconds: a JVM that outlived its parent would still be there when the test looks.
          const traces = [1, 2, 3].map((seed) => {
            const file = join(scratch, `long-${seed}.ndjson`);
            writeFileSync(
              file,
              runSchedule(generateSchedule(seed, { clusterSizes: [5], minSteps: 8000, maxSteps: 8000 })).trace,
            );
            return file;
          });
          args = [
            'tools/check-traces.ts',
            '--parallel',
            '1',
            '--batch',
            '100000',
            '--report',
            join(scratch, 'r.json'),
            ...traces,
          ];
        } else {
          args = [
            'tools/audit.ts',
            '--mutants',
            '2',
            '--schedules',
            '400',
            '--seconds',
            '120',
            '--out',
            join(scratch, 'audit'),
          ];
        }
        const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
          env: { ...process.env, TMPDIR: scratch },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const exited = new Promise<NodeJS.Signals | null>((done) => child.on('close', (_code, signal) => done(signal)));
        await until(
          'a TLC JVM',
          () =>
            processesMentioning(scratch).some(
              (pid) => pid !== child.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tlc2.TLC'),
            ),
          150_000,
        );
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        await until('every process it started to end', () => processesMentioning(scratch).length === 0, 4_000);
        // The folders the killed process made itself stay (nothing of it runs any more to remove them); the
        // scratch copies of the project its campaign workers ran in are removed by the workers, orphaned.
        const copies = () => readdirSync(scratch).filter((d) => existsSync(join(scratch, d, 'campaign-config.json')));
        if (kind === 'audit')
          await until('the orphaned workers to remove their scratch copies', () => copies().length === 0, 15_000);
        expect(copies()).toEqual([]);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );
});
