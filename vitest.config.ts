import { defineConfig } from 'vitest/config';

// Tests import the built package (dist/), exactly what users get; `npm test`
// compiles first. Each test file runs in its own process (forks), so backend
// selection and MODELPRESS_* variables never leak between files.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
