import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // end-to-end tests start real processes and real SEAL; give them room on a 2-core machine
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // three workers on two cores: the tests wait on sockets, timers and child processes often enough that a third
    // fills the idle time (measured on this 2-core machine: 140-152 s with 3, 163-166 s with 2, 162 s with 4)
    maxWorkers: 3,
    // a worker keeps its loaded modules from one test file to the next (measured: 180 s instead of 214 s for the suite);
    // what a file must start fresh is in test/setup.ts, which runs for every file
    isolate: false,
    setupFiles: ['test/setup.ts'],
    // .ci/run asks for a JSON summary so it can print one plain "N passed, N failed" line
    ...(process.env.FEDRISK_TEST_REPORT ? { reporters: ['default', ['json', { outputFile: process.env.FEDRISK_TEST_REPORT }]] } : {}),
  },
});
