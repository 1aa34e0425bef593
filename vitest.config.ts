import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share a worker's module graph instead of loading src/, cdk8s and ajv again for
    // each of the ~55 files: about 40 % less CPU on two cores. No test mocks modules; the few that
    // set module state (the writer's fault injection) set and reset it within the test.
    isolate: false,
  },
});
