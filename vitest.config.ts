import { defineConfig } from 'vitest/config';

// The suite in four tiers, one folder each (README, "Tests in tiers"):
//   unit    no Java, no process of its own, no browser: the core, the
//           simulator, the checkers in process, the storage, the reports' data
//   tlc     runs TLC: the spec's models, trace checking, the checkers agreeing
//   system  real processes and a browser: the tools, real clusters, the
//           nemesis, interruption, the report pages; a sample of each
//   long    long budgets: the larger models, whole campaigns, every signal
//           and every fault; make test-all only
// make test runs unit, tlc and system; make test-all all four.
//
// Two test files run at once (vitest's default on 2 cores is one): most of a
// system test's time is spent waiting for processes and timers. Three made
// the real clusters' timing depend too much on the load. A test's own budget (where it sets
// one) still applies. Hooks get the tier's budget too: vitest's own default
// for them is 10 s, which a beforeAll that starts processes or runs TLC can
// outlast on busy cores (the pack test's did).
const tier = (name: string, timeout: number) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], testTimeout: timeout, hookTimeout: timeout },
});

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    maxWorkers: 2,
    projects: [tier('unit', 60_000), tier('tlc', 300_000), tier('system', 120_000), tier('long', 900_000)],
  },
});
