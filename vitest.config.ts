import { defineConfig } from 'vitest/config';

// Every test (and every agent or child process a test starts) sees "not EC2" and loopback-only
// AWS endpoints unless the test presents a fake EC2 host itself: a test run on a real EC2
// instance must never tag or stop it. Set in each tier, not only inherited, and checked at the
// start of every test file (test/helpers/pinned-env.ts).
const env = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  CLOUDSNOOZE_DMI_DIR: '/nonexistent/cloudsnooze-tests-are-not-on-ec2',
  AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_PRICING: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'AKIDTESTONLY',
  AWS_SECRET_ACCESS_KEY: 'test-only-secret',
  AWS_REGION: 'us-east-1',
};

// Three tiers (npm run test:unit | test:integration | test:e2e; `vitest run` runs all):
//   unit         pure logic, temp files at most: no processes, servers or connections
//                (test/helpers/unit-guard.ts fails a test that tries); seconds in all.
//   integration  real agent processes, the fake EC2/IMDS over loopback HTTP, sockets,
//                fake GPU tools, electron-builder packaging; needs `npm run build`.
//   e2e          the dashboard in Debian's Chromium through Playwright; needs the build.
export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores: keep parallelism modest.
    maxWorkers: 2,
    env,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          env,
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/helpers/pinned-env.ts', 'test/helpers/unit-guard.ts'],
          // Unit files share each worker's module cache (half the wall time on two cores), so a
          // unit file keeps no module-level state another file depends on, restores globals and
          // timers it changes, and vi.mock()s only modules no other unit file loads.
          isolate: false,
          testTimeout: 10_000,
          hookTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: { name: 'integration', env, setupFiles: ['test/helpers/pinned-env.ts'], include: ['test/integration/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: 'e2e', env, setupFiles: ['test/helpers/pinned-env.ts'], include: ['test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
});
