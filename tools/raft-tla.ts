// One command for the whole harness: `raft-tla <command> [options]` runs the
// tool of tools/ the command names (src/cli/commands.ts) with the options
// given, as `npx tsx tools/<tool>.ts [options]` would.
//   npx raft-tla <command> [options]     (or: npx tsx tools/raft-tla.ts <command> [options])
//   npx raft-tla --help | --version
//   npx raft-tla <command> --help        the command's options and exit codes
// Every command exits 0 when what it checked passed; 1 on a finding, or when
// it could not judge (an error, an inconclusive run); 2 on wrong usage or bad
// input, before doing anything. The commands that report take --json: stdout
// then holds one JSON document, {"command", "exitCode", "result"} (or "error"
// in place of "result"), and the lines meant for people go to stderr. Those
// lines are coloured only on a terminal, and never when NO_COLOR is set.
// raft-tla exits with the command's own status; 2 for an unknown or missing
// command.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COMMANDS } from '../src/cli/commands.js';
import { usageOf } from '../src/cli/options.js';

const PACKAGE = new URL('../package.json', import.meta.url);

function listing(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.says}`);
  const json = Object.keys(COMMANDS).filter((name) => COMMANDS[name]!.json);
  return [usageOf(import.meta.url), '', 'Commands:', ...rows, '', `Taking --json: ${json.join(', ')}.`].join('\n');
}

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(listing());
    process.exit(name === undefined ? 2 : 0);
  }
  if (name === '--version' || name === '-V') {
    const pkg = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { name: string; version: string };
    console.log(`${pkg.name} ${pkg.version}`);
    process.exit(0);
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`raft-tla: no command ${JSON.stringify(name)}; raft-tla --help lists them\n`);
    process.exit(2);
  }
  // The tool reads its options from process.argv.slice(2), as when run alone.
  const tool = fileURLToPath(new URL(`./${command.tool}.ts`, import.meta.url));
  process.argv = [process.argv[0]!, tool, ...rest];
  await import(pathToFileURL(tool).href);
}

await main(process.argv.slice(2));
