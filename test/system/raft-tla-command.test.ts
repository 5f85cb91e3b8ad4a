// The one command (package.json's bin, tools/raft-tla.ts): it lists every
// command, runs the tool each names with the options given (the tool's own
// --help, output and exit status), and refuses an unknown or missing command
// in one line with exit 2. `npx raft-tla` in the repository reaches it
// through package.json's bin.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { tool } from '../support/tools.js';

const raftTla = (args: string[], timeout = 60_000) =>
  spawnSync(process.execPath, ['tools/raft-tla.mjs', ...args], { encoding: 'utf8', timeout });

describe('the raft-tla command', { timeout: 120_000 }, () => {
  it('lists every command, each one a tool of tools/, and says its version', () => {
    const help = raftTla(['--help']);
    expect(help.status, help.stderr).toBe(0);
    for (const [name, c] of Object.entries(COMMANDS)) {
      expect(help.stdout).toMatch(new RegExp(`^  ${name} +${c.says.replace(/[().]/g, '\\$&')}$`, 'm'));
      expect(existsSync(`tools/${c.tool}.ts`), c.tool).toBe(true);
    }
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; bin: Record<string, string> };
    expect(pkg.bin['raft-tla']).toBe('tools/raft-tla.mjs');
    // Through npm, as a user types it in the repository (npm runs the project's own bin; --yes: no question asked).
    const version = spawnSync('npx', ['--yes', 'raft-tla', '--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(version.stdout).toBe(`raft-tla-harness ${pkg.version}\n`);
    expect(version.status).toBe(0);
  });

  it.each(Object.keys(COMMANDS))('%s --help prints the same usage as its tool', (name) => {
    const byCommand = raftTla([name, '--help']);
    const byTool = tool(COMMANDS[name]!.tool, ['--help']);
    expect(byCommand.status, byCommand.stderr).toBe(0);
    expect(byCommand.stdout).toBe(byTool.stdout);
  });

  it("runs the command's tool with the options given, with its output and exit status", () => {
    const ok = raftTla(['validate', 'traces/fixtures/accepted-split-vote.ndjson']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^1 of 1 trace\(s\) valid/);
    const bad = raftTla(['generate', '--count', '-3']);
    expect(bad.stderr.trim()).toBe('generate-traces: --count must be a positive integer, got "-3"');
    expect(bad.status).toBe(2);
  });

  it('refuses an unknown command in one line, and no command with the listing, both with exit 2', () => {
    const unknown = raftTla(['chek']);
    expect(unknown.stderr).toBe('raft-tla: no command "chek"; raft-tla --help lists them\n');
    expect(unknown.status).toBe(2);
    const none = raftTla([]);
    expect(none.stdout).toMatch(/^Commands:$/m);
    expect(none.status).toBe(2);
  });
});
