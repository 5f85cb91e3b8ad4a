// Obtains TLC (see src/tlc/jar.ts for the lookup order), checks Java, and says
// which TLC is in use.   npx tsx tools/setup-tlc.ts   (no options)
// Exits 0 with a working TLC, 1 otherwise (the message says what to do).
import { findJava, findTlcJar, tlcVersion } from '../src/tlc/jar.js';
import { exitOnHelp, usageOf, UsageError } from '../src/cli/options.js';
import { runTool } from '../src/cli/run-tool.js';

exitOnHelp(process.argv.slice(2), import.meta.url);

async function main(): Promise<number> {
  if (process.argv.length > 2)
    throw new UsageError(`takes no arguments, got ${JSON.stringify(process.argv[2])}\n${usageOf(import.meta.url)}`);
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  console.log(`TLC: ${tlcVersion(java, jar)}`);
  console.log(`jar: ${jar.path} (${jar.source})`);
  console.log(`java: ${java.path} (Java ${java.major})`);
  return 0;
}

runTool('setup-tlc', main);
