import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-tmp.ts'],
    // CI runs the suite on two busy cores: a test that passes is no slower for a later bound (test/helpers/process.ts).
    testTimeout: process.env.CI ? 60_000 : 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
