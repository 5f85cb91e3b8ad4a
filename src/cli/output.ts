// What a tool prints, in the two forms its users read. For a person: lines on
// stdout, coloured only when stdout is a terminal and NO_COLOR is not set (a
// log file or a pipe gets plain text). For a script (--json): stdout holds one
// JSON document and nothing else, the same shape for every tool,
//   {"command": "check", "exitCode": 1, "result": {...}}
// or, when the tool stopped on an error, {"command", "exitCode", "error"};
// the lines a person would have read go to stderr instead, so nothing is lost.
import { COMMANDS } from './commands.js';

/** The one document a tool writes on stdout under --json. */
export interface JsonDocument {
  readonly command: string;
  readonly exitCode: number;
  readonly result?: unknown;
  readonly error?: string;
}

let jsonMode = false;
let result: unknown;

/**
 * Takes --json out of process.argv (so the tool's own option parser never
 * sees it) and, if it was there, sends console.log's lines to stderr from now
 * on. Called once, where a tool starts, by the tools that report.
 */
export function takeJsonFlag(): boolean {
  const at = process.argv.indexOf('--json', 2);
  if (at < 0) return false;
  process.argv.splice(at, 1);
  jsonMode = true;
  console.log = (...args: unknown[]) => console.error(...args);
  return true;
}

/** Where a person's lines go: stdout, or stderr under --json. */
export function humanOut(): NodeJS.WriteStream {
  return jsonMode ? process.stderr : process.stdout;
}

/** Sets what --json prints as `result` (a tool's report, as its report file holds it). */
export function reportJson(value: unknown): void {
  result = value;
}

/**
 * Under --json, writes the document for a tool that ends with `exitCode`;
 * otherwise does nothing. A tool that reports and returned no result is a
 * harness defect, told as an error rather than an empty document.
 */
export function writeJsonDocument(tool: string, exitCode: number, error?: string): void {
  if (!jsonMode) return;
  // Named as users call it: `raft-tla check`, whose tool is check-traces.
  const command = Object.keys(COMMANDS).find((name) => COMMANDS[name]!.tool === tool) ?? tool;
  const doc: JsonDocument =
    error !== undefined
      ? { command, exitCode, error }
      : result === undefined
        ? { command, exitCode, error: 'the command reported no result (a defect of the harness)' }
        : { command, exitCode, result };
  process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
}

export type Colour = 'red' | 'green' | 'yellow';
const SGR: Record<Colour, string> = { red: '31', green: '32', yellow: '33' };

/** Whether text for `stream` may be coloured: a terminal, and NO_COLOR unset or empty (https://no-color.org). */
export function colourAllowed(
  stream: { isTTY?: boolean } = process.stdout,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && !jsonMode;
}

/** `text` in `colour` when colour is allowed on stdout; the plain text otherwise. */
export function paint(text: string, colour: Colour, allowed = colourAllowed()): string {
  return allowed ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text;
}

/** A verdict word coloured by what it means: green for a pass, red for a finding, yellow otherwise. */
export function paintVerdict(text: string, passed: boolean | null, allowed = colourAllowed()): string {
  return paint(text, passed === null ? 'yellow' : passed ? 'green' : 'red', allowed);
}
