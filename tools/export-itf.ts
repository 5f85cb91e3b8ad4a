// Exports a trace as an ITF trace (the Informal Trace Format of Apalache and
// Quint): the state of spec/Raft.tla's variables before the first event and
// after each one, for the tools that read ITF.
//   npx tsx tools/export-itf.ts TRACE [--out FILE (default traces/itf/<trace>.itf.json)]
// The trace is checked against the trace schema first; a malformed one is
// refused with the file, line and field at fault. Exits 0 when the ITF file
// is written, 1 when the trace cannot be exported, 2 on wrong usage. --help
// prints this text.
import { basename, join } from 'node:path';
import { exitOnHelp, parse, usageOf, UsageError } from '../src/cli/options.js';
import { describeEvent } from '../src/verdict/diagnosis.js';
import { checkOutputsApart, checkWritableFile } from '../src/files/output-path.js';
import { writeItf } from '../src/trace/itf.js';
import { formatProblem, validateTraceFile } from '../src/trace/validate.js';
import { runTool } from '../src/cli/run-tool.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

function main(): number {
  const { values, positionals } = parse(process.argv.slice(2), ['out']);
  if (positionals.length !== 1) throw new UsageError(`name one trace file\n${usageOf(import.meta.url)}`);
  const file = positionals[0]!;
  const out = values.out ?? join('traces', 'itf', `${basename(file).replace(/\.ndjson$/, '')}.itf.json`);
  checkOutputsApart([['--out', out]], [file]);
  checkWritableFile(out);
  const checked = validateTraceFile(file);
  if (!checked.ok) {
    for (const p of checked.problems) console.error(formatProblem(p));
    return 1;
  }
  writeItf(out, { file, header: checked.trace.header, events: checked.trace.events }, describeEvent);
  console.log(`${file}: ${checked.trace.eventCount} events → ${checked.trace.eventCount + 1} ITF states in ${out}`);
  return 0;
}

runTool('export-itf', main);
