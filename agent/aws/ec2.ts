/**
 * The EC2 calls CloudSnooze makes, through `@aws-sdk/client-ec2` loaded on first use
 * (a dynamic import: the bundle splits it into its own chunk, so an agent that never
 * acts never carries the SDK). Every call goes through withRetry().
 */
import type {
  CreateTagsCommandInput,
  DescribeInstancesCommandInput,
  DescribeRegionsCommandOutput,
  DescribeInstancesCommandOutput,
  DescribeTagsCommandInput,
  DescribeTagsCommandOutput,
  EC2Client,
  StartInstancesCommandInput,
  StartInstancesCommandOutput,
  StopInstancesCommandInput,
  StopInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import { withRetry, type RetryOptions } from './retry.js';

type Sdk = typeof import('@aws-sdk/client-ec2');

let sdkPromise: Promise<Sdk> | null = null;
let sdkReady = false;

export function loadSdk(): Promise<Sdk> {
  sdkPromise ??= import('@aws-sdk/client-ec2').then((m) => {
    // Node exposes the CJS package's named exports; an esbuild ESM bundle may only
    // offer them on `default` (its interop cannot see them statically).
    const sdk = (typeof m.EC2Client === 'function' ? m : (m as unknown as { default: Sdk }).default) as Sdk;
    if (typeof sdk?.EC2Client !== 'function') throw new Error('@aws-sdk/client-ec2 loaded without EC2Client');
    sdkReady = true;
    return sdk;
  });
  // A failed load is retried on the next call rather than cached forever.
  sdkPromise.catch(() => {
    sdkPromise = null;
  });
  return sdkPromise;
}

/** Whether the SDK has been loaded into this process (footprint checks). */
export function sdkLoaded(): boolean {
  return sdkReady;
}

export const EC2_REQUEST_TIMEOUT_MS = 10_000;
export const EC2_CONNECT_TIMEOUT_MS = 3_000;

export interface Ec2Options {
  /** Undefined: the SDK's own chain (AWS_REGION, profile ...). */
  region?: string;
  /**
   * The environment to take the endpoint and static credentials from. The SDK reads
   * process.env itself; an env object other than process.env is passed through explicitly.
   */
  env?: NodeJS.ProcessEnv;
  retry?: RetryOptions;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export interface ResultMeta {
  requestId?: string;
}

export class Ec2 {
  private client: Promise<{ client: EC2Client; sdk: Sdk }> | null = null;

  constructor(private readonly opts: Ec2Options = {}) {}

  get region(): string | undefined {
    return this.opts.region;
  }

  async createTags(input: CreateTagsCommandInput, retry?: RetryOptions): Promise<ResultMeta> {
    const out = await this.run((c, s, o) => c.send(new s.CreateTagsCommand(input), o), retry);
    return { requestId: out.$metadata.requestId };
  }

  describeTags(input: DescribeTagsCommandInput, retry?: RetryOptions): Promise<DescribeTagsCommandOutput> {
    return this.run((c, s, o) => c.send(new s.DescribeTagsCommand(input), o), retry);
  }

  describeInstances(input: DescribeInstancesCommandInput, retry?: RetryOptions): Promise<DescribeInstancesCommandOutput> {
    return this.run((c, s, o) => c.send(new s.DescribeInstancesCommand(input), o), retry);
  }

  /** The regions enabled for the account (fleet tools' `--region all`). */
  describeRegions(retry?: RetryOptions): Promise<DescribeRegionsCommandOutput> {
    return this.run((c, s, o) => c.send(new s.DescribeRegionsCommand({ AllRegions: false }), o), retry);
  }

  stopInstances(input: StopInstancesCommandInput, retry?: RetryOptions): Promise<StopInstancesCommandOutput> {
    return this.run((c, s, o) => c.send(new s.StopInstancesCommand(input), o), retry);
  }

  startInstances(input: StartInstancesCommandInput, retry?: RetryOptions): Promise<StartInstancesCommandOutput> {
    return this.run((c, s, o) => c.send(new s.StartInstancesCommand(input), o), retry);
  }

  /** Resolves the default credential chain; `$source` names the provider that answered (doctor). */
  async credentials(): Promise<{ accessKeyId: string; source: string[] }> {
    const { client } = await this.getClient();
    const creds = (await client.config.credentials()) as { accessKeyId: string; $source?: Record<string, string> };
    return { accessKeyId: creds.accessKeyId, source: Object.keys(creds.$source ?? {}) };
  }

  destroy(): void {
    const c = this.client;
    this.client = null;
    void c?.then(({ client }) => client.destroy()).catch(() => undefined);
  }

  private async run<T>(call: (client: EC2Client, sdk: Sdk, o: { abortSignal?: AbortSignal }) => Promise<T>, retry?: RetryOptions): Promise<T> {
    const { client, sdk } = await this.getClient();
    const signal = retry?.signal ?? this.opts.retry?.signal;
    return withRetry(() => call(client, sdk, signal ? { abortSignal: signal } : {}), { ...this.opts.retry, ...retry });
  }

  private getClient(): Promise<{ client: EC2Client; sdk: Sdk }> {
    this.client ??= loadSdk().then((sdk) => {
      const env = this.opts.env;
      const explicit = env !== undefined && env !== process.env;
      const endpoint = explicit ? (env.AWS_ENDPOINT_URL_EC2 ?? env.AWS_ENDPOINT_URL) : undefined;
      const credentials =
        explicit && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
          ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
          : undefined;
      const region = this.opts.region ?? (explicit ? (env.AWS_REGION ?? env.AWS_DEFAULT_REGION) : undefined);
      const client = new sdk.EC2Client({
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        maxAttempts: 1,
        requestHandler: {
          requestTimeout: this.opts.requestTimeoutMs ?? EC2_REQUEST_TIMEOUT_MS,
          connectionTimeout: this.opts.connectTimeoutMs ?? EC2_CONNECT_TIMEOUT_MS,
          // Without it a request past requestTimeout only logs a warning and keeps waiting.
          throwOnRequestTimeout: true,
        },
      });
      return { client, sdk };
    });
    // A failed load is retried on the next call rather than cached forever.
    this.client.catch(() => {
      this.client = null;
    });
    return this.client;
  }
}
