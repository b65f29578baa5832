import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Browser tests run in `npm run test:browser` (vitest.browser.config.ts).
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Files share their worker's module cache and embedded database (see test/harness.ts), so
    // the app's modules load and the golden copy is opened once per worker, not once per file.
    // Tests already share one database on PostgreSQL; none relies on a process of its own.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
