import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration suites start real agent processes; two cores, so keep parallelism modest.
    maxWorkers: 2,
    // Every agent a test starts (and every child it spawns) sees "not EC2" and loopback-only AWS
    // endpoints unless the test presents a fake EC2 host itself: a test run on a real EC2
    // instance must never tag or stop it.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CLOUDSNOOZE_DMI_DIR: '/nonexistent/cloudsnooze-tests-are-not-on-ec2',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_EC2: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDTESTONLY',
      AWS_SECRET_ACCESS_KEY: 'test-only-secret',
      AWS_REGION: 'us-east-1',
    },
  },
});
