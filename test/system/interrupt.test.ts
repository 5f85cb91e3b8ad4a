// An interrupted tool leaves nothing behind: SIGINT or SIGTERM to the node
// process while TLC runs stops the JVMs it started and removes its scratch
// folders (trace batches, TLC metadirs), and the exit status says it was
// interrupted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needTlc } from '../support/need-tlc.js';
import { processesMentioning, until } from '../support/processes.js';
import { generateSchedule, runSchedule } from '../../src/sim/schedule.js';

describe('interrupting a tool', { timeout: 180_000 }, () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'check-traces on %s stops its TLC and removes its temp folders',
    async (signal) => {
      await needTlc();
      const scratch = mkdtempSync(join(tmpdir(), 'interrupt-'));
      try {
        // Two traces of a few thousand events in one TLC run: it lasts seconds, so
        // TLC is running when the signal comes (with the tiny fixtures a run
        // could end between seeing its JVM and sending the signal).
        const traces = [1, 2].map((seed) => {
          const file = join(scratch, `long-${seed}.ndjson`);
          writeFileSync(
            file,
            runSchedule(generateSchedule(seed, { clusterSizes: [5], minSteps: 4000, maxSteps: 4000 })).trace,
          );
          return file;
        });
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            'tools/check-traces.ts',
            '--parallel',
            '1',
            '--report',
            join(scratch, 'r.json'),
            ...traces,
          ],
          {
            env: { ...process.env, TMPDIR: scratch },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
        await until(
          'a TLC JVM and its metadir',
          () =>
            readdirSync(scratch).some((d) => d.startsWith('tlc-run-')) &&
            processesMentioning(scratch).some(
              (pid) => pid !== child.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tlc2.TLC'),
            ),
          120_000,
        );
        child.kill(signal);
        const code = await exited;
        expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
        await until('the JVMs to end', () => processesMentioning(scratch).length === 0, 10_000);
        // (tsx keeps its compile cache there too: tsx-<uid>.)
        expect(
          readdirSync(scratch).filter((d) => d !== 'r.json' && !d.startsWith('tsx-') && !d.startsWith('long-')),
        ).toEqual([]);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );

  it('generate-traces on SIGINT leaves no partial trace behind', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'interrupt-'));
    try {
      const out = join(scratch, 'out');
      // A run long enough (minutes) that the signal finds its trace half written.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'tools/generate-traces.ts', '--seed', '1', '--steps', '1000000', '--out', out],
        {
          env: { ...process.env, TMPDIR: scratch },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      await until(
        'a trace being written',
        () => {
          try {
            return readdirSync(out).some((f) => f.endsWith('.tmp'));
          } catch {
            return false;
          }
        },
        60_000,
      );
      // Generation is synchronous: the signal is handled between events only
      // if the recorder yields, so give it a moment of writing first.
      await new Promise((r) => setTimeout(r, 500));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
