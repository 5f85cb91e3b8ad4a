// Validates trace files against the trace schema.
//   npx tsx tools/validate-trace.ts FILE...
// Prints `file:line: field: what is wrong` for each problem and exits 1 if any
// file is invalid, 2 on wrong usage (no file named). --json prints one JSON
// document on stdout ({"command", "exitCode", "result"}: each file's verdict,
// events and problems) and the lines above on stderr. --help prints this text.
import { formatProblem, validateTraceFile } from '../src/trace/validate.js';
import { exitOnHelp, usageOf, UsageError } from '../src/cli/options.js';
import { runTool } from '../src/cli/run-tool.js';
import { reportJson, takeJsonFlag } from '../src/cli/output.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
takeJsonFlag();

function main(): number {
  const files = process.argv.slice(2);
  const option = files.find((f) => f.startsWith('-'));
  if (files.length === 0 || option) {
    throw new UsageError(
      `${option ? `unknown option ${option}` : 'name at least one trace file'}\n${usageOf(import.meta.url)}`,
    );
  }
  let bad = 0;
  let events = 0;
  const verdicts: unknown[] = [];
  for (const file of files) {
    let result: ReturnType<typeof validateTraceFile>;
    try {
      result = validateTraceFile(file);
    } catch (err) {
      // A reader bug must cost this file its verdict, not the others theirs.
      result = {
        ok: false,
        problems: [{ file, line: 0, field: '', message: `cannot be read as a trace (${(err as Error).message})` }],
      };
    }
    verdicts.push(
      result.ok
        ? { file, valid: true, events: result.trace.eventCount }
        : { file, valid: false, problems: result.problems, text: result.problems.map(formatProblem) },
    );
    if (result.ok) {
      events += result.trace.eventCount;
    } else {
      bad++;
      for (const p of result.problems) console.error(formatProblem(p));
    }
  }
  const good = files.length - bad;
  reportJson({ traces: files.length, valid: good, invalid: bad, events, verdicts });
  console.log(
    `${good} of ${files.length} trace(s) valid (${events} events in the valid ones)${bad ? `; ${bad} invalid` : ''}`,
  );
  return bad ? 1 : 0;
}

runTool('validate-trace', main);
