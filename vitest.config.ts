import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // test/security holds the hardening checks that need no service (docs/security.md).
          include: ['test/unit/**/*.test.ts', 'test/security/**/*.test.ts'],
          environment: 'node',
          // Some unit tests run the whole CLI in-process (replay, explain); on a busy 2-core machine
          // they can take longer than vitest's 5 s default without anything being wrong.
          testTimeout: 30_000,
          // One module graph per worker instead of one per file: importing the code again for each
          // of ~130 files was a third of the suite's time. What a file changes outside its modules
          // (spies, stubbed environment variables and globals) is undone after each test, so no
          // file depends on the ones before it (`--sequence.shuffle.files` runs them in another order).
          isolate: false,
          restoreMocks: true,
          unstubEnvs: true,
          unstubGlobals: true,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration tests share one broker and one Redis: run files one after another.
          fileParallelism: false,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'browser',
          // The console in Debian's Chromium (playwright-core), against the real broker and Redis.
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
