/**
 * On-demand prices from the AWS Price List API (`@aws-sdk/client-pricing`, GetProducts),
 * loaded on first use in its own bundle chunk. Called only where the SDK and credentials
 * already are: the fleet CLI and the agent's cloud-task child; never by the agent itself,
 * which reads the cache (price-cache.ts). A type the API does not price is left out: the
 * caller falls back to the built-in table and says so.
 */
import type { PricingClient } from '@aws-sdk/client-pricing';
import { withRetry, type RetryOptions } from './retry.js';

type Sdk = typeof import('@aws-sdk/client-pricing');

/** The Price List API answers in these regions only; prices of every region come from it. */
const PRICING_REGION = 'us-east-1';
const TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

export interface PriceListOptions {
  env?: NodeJS.ProcessEnv;
  retry?: RetryOptions;
  requestTimeoutMs?: number;
  /** Types asked at once (GetProducts takes one type per call). */
  concurrency?: number;
}

async function loadSdk(): Promise<Sdk> {
  const m = await import('@aws-sdk/client-pricing');
  const sdk = (typeof m.PricingClient === 'function' ? m : (m as unknown as { default: Sdk }).default) as Sdk;
  if (typeof sdk?.PricingClient !== 'function') throw new Error('@aws-sdk/client-pricing loaded without PricingClient');
  return sdk;
}

/** USD per hour from one GetProducts PriceList entry (a JSON string); null if it holds none. */
export function hourlyUsd(entry: unknown): number | null {
  let doc: { terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: { USD?: string } }> }> } };
  try {
    doc = typeof entry === 'string' ? JSON.parse(entry) : JSON.parse(String(entry));
  } catch {
    return null;
  }
  for (const term of Object.values(doc.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      const usd = Number(dim.pricePerUnit?.USD);
      if (dim.unit === 'Hrs' && Number.isFinite(usd) && usd > 0 && usd < 10_000) return usd;
    }
  }
  return null;
}

/** Linux, shared tenancy, no pre-installed software, on-demand: what the built-in table holds. */
export async function fetchOnDemandPrices(region: string, types: readonly string[], opts: PriceListOptions = {}): Promise<Record<string, number>> {
  const wanted = [...new Set(types)].filter((t) => TYPE.test(t));
  if (wanted.length === 0) return {};
  const sdk = await loadSdk();
  const env = opts.env;
  const explicit = env !== undefined && env !== process.env;
  const e = env ?? process.env;
  const endpoint = e.AWS_ENDPOINT_URL_PRICING ?? (explicit ? e.AWS_ENDPOINT_URL : undefined);
  const credentials =
    explicit && e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const client: PricingClient = new sdk.PricingClient({
    region: PRICING_REGION,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials } : {}),
    maxAttempts: 1,
    requestHandler: { requestTimeout: opts.requestTimeoutMs ?? 10_000, throwOnRequestTimeout: true },
  });
  const out: Record<string, number> = {};
  try {
    const queue = [...wanted];
    const worker = async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
        const type = t;
        const filter = (Field: string, Value: string) => ({ Type: 'TERM_MATCH' as const, Field, Value });
        const res = await withRetry(
          () =>
            client.send(
              new sdk.GetProductsCommand({
                ServiceCode: 'AmazonEC2',
                FormatVersion: 'aws_v1',
                MaxResults: 10,
                Filters: [
                  filter('instanceType', type),
                  filter('regionCode', region),
                  filter('operatingSystem', 'Linux'),
                  filter('tenancy', 'Shared'),
                  filter('preInstalledSw', 'NA'),
                  filter('capacitystatus', 'Used'),
                ],
              }),
            ),
          opts.retry ?? {},
        );
        for (const entry of res.PriceList ?? []) {
          const usd = hourlyUsd(entry);
          if (usd !== null) {
            out[type] = usd;
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, wanted.length) }, worker));
  } finally {
    client.destroy();
  }
  return out;
}
