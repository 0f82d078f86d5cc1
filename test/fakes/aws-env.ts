/**
 * Points the real SDK and our IMDS client at the local fakes, with fake credentials,
 * so nothing can reach the real metadata endpoint or AWS. Returns a restore function.
 */
export interface FakeAwsEnv {
  ec2Url: string;
  pricingUrl?: string;
  imdsUrl?: string;
  region?: string;
  dmiDir?: string;
}

const KEYS = [
  'AWS_ENDPOINT_URL_EC2',
  'AWS_ENDPOINT_URL_PRICING',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
  'CLOUDSNOOZE_DMI_DIR',
] as const;

/** The variables as an object (for child processes and explicit env options). */
export function fakeAwsEnv(f: FakeAwsEnv): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_EC2: f.ec2Url,
    // The Price List API: the fake when given, else an unused loopback port (never AWS).
    AWS_ENDPOINT_URL_PRICING: f.pricingUrl ?? 'http://127.0.0.1:9',
    // An unused loopback port: if anything asked IMDS without a fake, it fails fast and locally.
    AWS_EC2_METADATA_SERVICE_ENDPOINT: f.imdsUrl ?? 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'AKIDFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-key',
    AWS_REGION: f.region ?? 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(f.dmiDir ? { CLOUDSNOOZE_DMI_DIR: f.dmiDir } : {}),
  };
}

/** Sets the variables in process.env (where the SDK reads them); returns a restore function. */
export function useFakeAwsEnv(f: FakeAwsEnv): () => void {
  const saved = new Map<string, string | undefined>(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS) delete process.env[k];
  Object.assign(process.env, fakeAwsEnv(f));
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
