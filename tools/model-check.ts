// Model-checks a TLA+ module with TLC and prints a short summary.
//   npx tsx tools/model-check.ts [--config FILE] [--workers N] [--timeout SECONDS] [SPEC.tla]
// SPEC defaults to spec/MCRaft.tla with spec/MCRaft.cfg. Exits 0 only when TLC
// explored the whole model and found no error.
import { cpus } from 'node:os';
import { parse, positiveInt, UsageError } from '../src/sim/cli-options.js';
import { findJava, findTlcJar, TlcSetupError, tlcVersion } from '../src/tlc/jar.js';
import { describeOutcome, runTlc } from '../src/tlc/run.js';

try {
  const { values, positionals } = parse(process.argv.slice(2), ['config', 'workers', 'timeout']);
  if (positionals.length > 1) throw new UsageError('give one spec at most');
  const spec = positionals[0] ?? 'spec/MCRaft.tla';
  const workers = positiveInt('workers', values.workers, cpus().length);
  const timeoutSeconds = positiveInt('timeout', values.timeout, 1800);
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  console.log(`${tlcVersion(java, jar)} from ${jar.source}`);
  console.log(`checking ${spec}${values.config ? ` with ${values.config}` : ''} on ${workers} worker(s)...`);
  const result = await runTlc({ spec, config: values.config, workers, timeoutMs: timeoutSeconds * 1000, java, jar });
  const o = result.outcome;
  console.log(`${describeOutcome(o)}`);
  console.log(
    `states generated: ${result.statesGenerated ?? '?'}, distinct states: ${result.distinctStates ?? '?'}, depth: ${result.depth ?? '?'}, time: ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  if (o.kind === 'violation' || o.kind === 'deadlock' || (o.kind === 'error' && o.trace.length > 0)) {
    console.log('counterexample:');
    for (const s of o.trace) console.log(`  ${s.number}: ${s.action}\n    ${JSON.stringify(s.variables)}`);
  }
  process.exit(o.kind === 'success' ? 0 : 1);
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`model-check: ${err.message}`);
    process.exit(2);
  }
  console.error(`model-check: ${err instanceof TlcSetupError ? err.message : (err as Error).message}`);
  process.exit(1);
}
