// Ports for a real cluster in a test: a base whose ports are all free.
import { portInUse } from '../../src/server/local-cluster.js';

/** A base port whose six ports (3 servers) are free: the default 7100 may be taken on a shared machine. */
export async function freeBasePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const candidate = 20_000 + 200 * Math.floor(Math.random() * 200);
    const ports = [1, 2, 3, 101, 102, 103].map((k) => candidate + k);
    if (!(await Promise.all(ports.map(portInUse))).some(Boolean)) return candidate;
  }
  throw new Error('no free base port found');
}
