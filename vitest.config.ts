import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker per core less one: a single worker on the 2-core machines
    // CI and developers have. Most suites wait on I/O (HTTP, timers, a browser), so two overlap.
    maxWorkers: 2,
  },
});
