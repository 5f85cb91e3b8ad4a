// Obtains TLC (see src/tlc/jar.ts for the lookup order), checks Java, and says
// which TLC is in use.   npx tsx tools/setup-tlc.ts   (no options)
// Exits 0 with a working TLC, 1 otherwise (the message says what to do).
import { findJava, findTlcJar, TlcSetupError, tlcVersion } from '../src/tlc/jar.js';
import { exitOnHelp, usageOf } from '../src/cli/options.js';

exitOnHelp(process.argv.slice(2), import.meta.url);
if (process.argv.length > 2) {
  console.error(`setup-tlc: takes no arguments, got ${JSON.stringify(process.argv[2])}`);
  console.error(usageOf(import.meta.url));
  process.exit(2);
}

try {
  const java = findJava();
  const jar = await findTlcJar({ log: (s) => console.log(s) });
  console.log(`TLC: ${tlcVersion(java, jar)}`);
  console.log(`jar: ${jar.path} (${jar.source})`);
  console.log(`java: ${java.path} (Java ${java.major})`);
} catch (err) {
  console.error(`setup-tlc: ${err instanceof TlcSetupError ? err.message : (err as Error).message}`);
  process.exit(1);
}
