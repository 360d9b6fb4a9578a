import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Some unit tests run a real /bin/sh or push 80 MB through a pipe; 5 s (the
          // default) failed them on a loaded 2-core machine, which says nothing of the code.
          testTimeout: 30_000,
        },
      },
      {
        // npm pack + npm i -g into a temporary prefix; no test bed (issue 20).
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One shared sandbox: files run one after another so hosts are not fought over.
          fileParallelism: false,
        },
      },
    ],
  },
});
