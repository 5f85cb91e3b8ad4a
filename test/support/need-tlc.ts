// Java and TLC for the test files that run TLC: looked up (and obtained if
// need be) once per file. Without them the file fails, never skips, with a
// message that says how to get them.
import { findJava, findTlcJar, type JavaRuntime, type TlcJar } from '../../src/tlc/jar.js';

export async function needTlc(): Promise<{ java: JavaRuntime; jar: TlcJar }> {
  try {
    return { java: findJava(), jar: await findTlcJar() };
  } catch (err) {
    throw new Error(`these tests need TLC: ${(err as Error).message} (run make setup-tlc to see each route tried)`, {
      cause: err,
    });
  }
}
