import { defineConfig } from 'vitest/config';

// Test files run in parallel, and several start TLC: on 2 cores a test that
// takes a second alone can take several while TLC runs beside it. A test's
// own budget (where it sets one) still applies.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
