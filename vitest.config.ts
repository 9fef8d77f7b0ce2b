import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Golden tests compile engines with g++ and run them under CPU emulation: minutes, not ms.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Engines are native libraries loaded through koffi: keep each test file in its own process.
    pool: 'forks',
    maxWorkers: 2,
  },
});
