// Every tool's main runs through runTool: the exit code it returns, or for an
// error the code the error carries (src/errors/harness-error.ts) and its
// message on stderr, "tool: what went wrong". No tool maps errors to codes by
// hand. A main that returns no code (a server) leaves the process running
// until its own work ends. Under --json (src/cli/output.ts) the one JSON
// document goes to stdout before the exit, for an error too.
import { exitCodeOf, messageOf } from '../errors/harness-error.js';
import { writeJsonDocument } from './output.js';

export type ToolMain = () => number | void | Promise<number | void>;

export function runTool(tool: string, main: ToolMain): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        if (code === undefined) return;
        writeJsonDocument(tool, code);
        process.exit(code);
      },
      (err: unknown) => {
        const code = exitCodeOf(err);
        process.stderr.write(`${tool}: ${messageOf(err)}\n`);
        writeJsonDocument(tool, code, messageOf(err));
        process.exit(code);
      },
    );
}
