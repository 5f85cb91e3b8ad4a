// Running a tool of tools/ as users do (node with tsx's loader, one process),
// and what every refusal must look like: one line on stderr, no stack trace.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

export const tool = (name: string, args: string[], timeout = 60_000) =>
  spawnSync(process.execPath, ['--import', 'tsx', `tools/${name}.ts`, ...args], { encoding: 'utf8', timeout });

/** The tool exited with `status` and said why in one line matching `pattern`, with no stack trace. */
export function oneLine(r: ReturnType<typeof tool>, status: number, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
