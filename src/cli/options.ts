// Parsing of the options every tool shares, with one-line errors, and --help from the tool's own header comment.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BadInputError } from '../errors/harness-error.js';

export class UsageError extends BadInputError {}

export function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

export function naturalInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * Parses `--name value` options (strings) and `--flag` options (in `flags`,
 * given as 'true'), and positionals; unknown options are usage errors.
 */
export function parse(
  argv: string[],
  names: readonly string[],
  flags: readonly string[] = [],
): { values: Record<string, string | undefined>; positionals: string[] } {
  // `--seed -3`: node's parser takes -3 for an option and says the value is
  // "ambiguous"; joined as --seed=-3 it reaches the option's own check, which
  // says what the option takes.
  const args: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const name = argv[k]!.startsWith('--') ? argv[k]!.slice(2) : '';
    const next = argv[k + 1];
    if (names.includes(name) && !flags.includes(name) && next !== undefined && /^-\d/.test(next)) {
      args.push(`--${name}=${next}`);
      k++;
    } else {
      args.push(argv[k]!);
    }
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options: Object.fromEntries(
        names.map((n) => [n, { type: flags.includes(n) ? ('boolean' as const) : ('string' as const) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
    const strings = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, v === true ? 'true' : (v as string | undefined)]),
    );
    return { values: strings, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.split('. ')[0]!);
  }
}

/**
 * The usage of a tool: the comment block its source file opens with (every
 * tool documents its synopsis, options and exit codes there), without the
 * comment markers. One text serves readers of the code and users of --help.
 */
export function usageOf(moduleUrl: string): string {
  const lines = readFileSync(fileURLToPath(moduleUrl), 'utf8').split('\n');
  const block: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('//')) break;
    block.push(line.replace(/^\/\/ ?/, ''));
  }
  return block.join('\n');
}

/** For `--help` or `-h` anywhere in argv: prints the tool's usage and exits 0. */
export function exitOnHelp(argv: readonly string[], moduleUrl: string): void {
  if (!argv.includes('--help') && !argv.includes('-h')) return;
  console.log(usageOf(moduleUrl));
  process.exit(0);
}

/** PreVote and CheckQuorum, as src/raft/types.ts's Guards (the cli room sits below raft, so it names the shape only). */
type GuardChoice = { readonly preVote: boolean; readonly checkQuorum: boolean };

const GUARD_CHOICES: Readonly<Record<string, GuardChoice>> = {
  both: { preVote: true, checkQuorum: true },
  none: { preVote: false, checkQuorum: false },
  'pre-vote': { preVote: true, checkQuorum: false },
  'check-quorum': { preVote: false, checkQuorum: true },
};

/** --guards: both, none, pre-vote or check-quorum (PreVote and CheckQuorum); `fallback` when absent. */
export function guardsFlag(v: string | undefined, fallback: GuardChoice): GuardChoice {
  if (v === undefined) return fallback;
  const g = GUARD_CHOICES[v];
  if (!g)
    throw new UsageError(`--guards must be one of ${Object.keys(GUARD_CHOICES).join(', ')}, got ${JSON.stringify(v)}`);
  return g;
}

/** --snapshot-every: the snapshot policy, entries applied between a server's snapshots, a positive integer; undefined when absent (no snapshots). */
export function snapshotEveryFlag(v: string | undefined): number | undefined {
  return v === undefined ? undefined : positiveInt('snapshot-every', v, 0);
}

/** --max-entries: the most entries one AppendEntries carries, a positive integer; undefined when absent (the default, 2, then holds). */
export function maxEntriesFlag(v: string | undefined): number | undefined {
  return v === undefined ? undefined : positiveInt('max-entries', v, 0);
}
