// Validates trace files against the trace schema.
//   npx tsx tools/validate-trace.ts FILE...
// Prints `file:line: field: what is wrong` for each problem and exits 1 if any
// file is invalid, 2 on wrong usage.
import { formatProblem, validateTraceFile } from '../src/trace/validate.js';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: npx tsx tools/validate-trace.ts FILE...');
  process.exit(2);
}
let bad = 0;
let events = 0;
for (const file of files) {
  const result = validateTraceFile(file);
  if (result.ok) {
    events += result.trace.events.length;
  } else {
    bad++;
    for (const p of result.problems) console.error(formatProblem(p));
  }
}
const good = files.length - bad;
console.log(`${good} of ${files.length} trace(s) valid (${events} events in the valid ones)${bad ? `; ${bad} invalid` : ''}`);
process.exit(bad ? 1 : 0);
