// The long tier of the tools' command lines (test/system/cli.test.ts has the
// rest): a full disk, a report path with a space through make, outputs that
// are inputs, and two runs on one traces folder.
import { spawn, spawnSync } from 'node:child_process';
import {
  rmSync,
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tool } from '../support/tools.js';

describe('bad arguments, at length', { timeout: 120_000 }, () => {
  const fixture = 'traces/fixtures/accepted-split-vote.ndjson';

  it('on a full disk, generate-traces and check-traces name the file in one line and leave no file cut short and no temporary file', () => {
    const disk = smallDisk(192);
    try {
      const out = join(disk.dir, 'generated');
      const gen = tool('generate-traces', ['--count', '40', '--out', out]);
      expect(gen.status).toBe(1);
      expect(gen.stderr).toMatch(
        new RegExp(
          `^generate-traces: ${out}/seed-\\d+\\.ndjson: cannot be written \\(no space left on the device\\)\\n$`,
        ),
      );
      const left = readdirSync(out);
      expect(left.filter((f) => !/^seed-\d+\.ndjson$/.test(f))).toEqual([]);
      // Every trace that is there is whole: the schema check takes each.
      expect(left.length).toBeGreaterThan(0);
      const check = tool(
        'validate-trace',
        left.map((f) => join(out, f)),
      );
      expect(check.status, check.stderr + check.stdout).toBe(0);
      // Fill what is left, then ask for a report there.
      writeFileSync(join(disk.dir, 'filler'), '');
      try {
        for (let k = 0; k < 1000; k++) appendFileSync(join(disk.dir, 'filler'), Buffer.alloc(4096));
      } catch {
        // full
      }
      // TLC's scratch folders on the full disk: the file that could not be written is named.
      const elsewhere = mkdtempSync(join(tmpdir(), 'cli-full-'));
      const scratch = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'tools/check-traces.ts', '--report', join(elsewhere, 'r.json'), fixture],
        { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TMPDIR: disk.dir } },
      );
      expect(scratch.status).toBe(1);
      expect(scratch.stderr).toMatch(
        new RegExp(
          `^check-traces: ${disk.dir}/raft-trace-batch-\\w+/\\S+: cannot be written \\(no space left on the device\\)\\n$`,
        ),
      );
      const report = join(disk.dir, 'report.json');
      const r = tool('check-traces', ['--report', report, fixture], 120_000);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${disk.dir}/report\\.json.*(cannot be written|ENOSPC)`));
      expect(readdirSync(disk.dir).filter((f) => f.includes('.tmp') || f.includes('.probe'))).toEqual([]);
    } finally {
      disk.remove();
    }
  });

  it('make check REPORT= with a space in the path writes there', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'cli-space-')), 'a folder');
    const r = spawnSync('make', ['check', `TRACES=${fixture}`, `REPORT=${dir}/r.json`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['r.html', 'r.json']);
  });

  it('an output that is an input, or another output of the run, is refused in one line with exit 2, and every input is left as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-overlap-'));
    const a = join(dir, 'a.ndjson');
    const b = join(dir, 'b.ndjson');
    writeFileSync(a, readFileSync(fixture));
    writeFileSync(b, readFileSync(fixture));
    symlinkSync(a, join(dir, 'link.ndjson'));
    const before = [readFileSync(a, 'utf8'), readFileSync(b, 'utf8')];
    const cases: Array<[string, string[], RegExp]> = [
      [
        'check-traces',
        ['--report', a, a, b],
        /^check-traces: --report .*a\.ndjson is the input .*a\.ndjson: writing it would destroy that input; name a file of its own\n$/,
      ],
      [
        'check-traces',
        ['--report', join(dir, 'r.json'), '--html', b, a, b],
        /^check-traces: --html .*b\.ndjson is the input .*b\.ndjson/,
      ],
      [
        'check-traces',
        ['--report', join(dir, 'link.ndjson'), a],
        /^check-traces: --report .*link\.ndjson is the input .*a\.ndjson/,
      ],
      [
        'check-traces',
        ['--report', join(dir, 'r.json'), '--html', join(dir, 'r.json'), a],
        /^check-traces: --html .*r\.json is --report .*r\.json too: writing it would destroy the other/,
      ],
      ['export-itf', [a, '--out', a], /^export-itf: --out .*a\.ndjson is the input/],
      ['merge-traces', ['--out', b, a, b], /^merge-traces: --out .*b\.ndjson is the input/],
    ];
    for (const [name, args, message] of cases) {
      const r = tool(name, args, 30_000);
      expect(r.stderr, `${name} ${args.join(' ')}`).toMatch(message);
      expect(r.status, `${name} ${args.join(' ')}`).toBe(2);
      expect(r.stdout).not.toContain('checking');
    }
    expect([readFileSync(a, 'utf8'), readFileSync(b, 'utf8')]).toEqual(before);
  });

  it('two runs on one traces folder: the second refuses in one line naming the first, touching nothing; a lock whose owner ended is taken over', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'cli-lock-'));
    const out = join(parent, 'generated');
    expect(tool('generate-traces', ['--count', '2', '--out', out]).status).toBe(0);
    const before = readdirSync(out).sort();
    // Another run's shell owns the lock (as make check's does from generation to check).
    const owner = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const gen = tool('generate-traces', [
        '--count',
        '1',
        '--out',
        out,
        '--replace',
        '--lock-owner',
        String(owner.pid),
      ]);
      expect(gen.status, gen.stderr).toBe(0);
      for (const [name, args] of [
        ['generate-traces', ['--count', '1', '--out', out, '--replace']],
        ['check-traces', ['--lock', out, '--report', join(parent, 'r.json'), join(out, 'seed-1.ndjson')]],
      ] as const) {
        const r = tool(name, [...args], 30_000);
        expect(r.stderr).toBe(
          `${name}: another run holds ${out}, pid ${owner.pid} (generate-traces --out ${out}); wait for it to end, or give this run a folder of its own (TRACES_DIR=... for make)\n`,
        );
        expect(r.status).toBe(1);
      }
      expect(readdirSync(out).sort()).toEqual(['seed-1.ndjson']);
    } finally {
      owner.kill('SIGKILL');
      await new Promise((r) => owner.once('exit', r));
    }
    // Its owner gone, the lock is stale: the next run takes it, and gives it back when done.
    const again = tool('generate-traces', ['--count', '2', '--out', out, '--replace']);
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(before);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});

/**
 * A file system of `kb` KiB of its own (a tmpfs), to fill up: it takes root
 * (mount), which make test and CI have; elsewhere the test fails saying so.
 */
function smallDisk(kb: number): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `this test fills a small disk of its own: it needs root to mount a tmpfs (run make test as root): ${(r.stderr || r.error?.message || '').trim()}`,
    );
  }
  return {
    dir,
    remove() {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
