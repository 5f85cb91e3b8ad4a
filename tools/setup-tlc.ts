// Obtains TLC (see src/tlc/jar.ts for the lookup order), checks Java, and says
// which TLC is in use.   npx tsx tools/setup-tlc.ts
import { findJava, findTlcJar, TlcSetupError, tlcVersion } from '../src/tlc/jar.js';

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
