/**
 * Setup file of every tier (vitest.config.ts): each test file starts with the env that pins
 * it off EC2 and points AWS at an unused loopback port, so a test run on a real EC2 instance
 * can never tag or stop it. A tier that lost the env fails here, before any test runs.
 */
const dmi = process.env.CLOUDSNOOZE_DMI_DIR ?? '';
if (!dmi.startsWith('/nonexistent/')) throw new Error(`tests must run with CLOUDSNOOZE_DMI_DIR under /nonexistent/ (not EC2), got "${dmi}": see vitest.config.ts`);
for (const key of ['AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_PRICING', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
  const v = process.env[key] ?? '';
  if (key.startsWith('AWS_E') ? !v.startsWith('http://127.0.0.1:') : v === '') throw new Error(`tests must run with ${key} pinned (loopback endpoint, fake credentials), got "${v}": see vitest.config.ts`);
}
