/**
 * A fake AWS Price List API (JSON 1.1, `AWSPriceListService.GetProducts`) on 127.0.0.1 for
 * the real `@aws-sdk/client-pricing`: it answers the filters the way the real service does,
 * with PriceList entries as JSON strings holding OnDemand terms, and records each call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, type LoopbackHttp } from './loopback-http.js';

export interface PricingCall {
  target: string;
  filters: Record<string, string>;
  authorized: boolean;
}

export class FakePricing {
  /** `${regionCode}/${instanceType}` → USD per hour. */
  readonly prices = new Map<string, number>();
  readonly calls: PricingCall[] = [];
  /** Answer every call with this HTTP status (an AWS error body) instead. */
  failWith: number | null = null;
  private http: LoopbackHttp | null = null;

  static async start(): Promise<FakePricing> {
    const f = new FakePricing();
    f.http = await listenLoopback((req, res) => void f.handle(req, res));
    return f;
  }

  get url(): string {
    return this.http?.url ?? '';
  }

  async close(): Promise<void> {
    await this.http?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const target = String(req.headers['x-amz-target'] ?? '');
    const input = JSON.parse(body || '{}') as { Filters?: { Field: string; Value: string; Type: string }[]; ServiceCode?: string };
    const filters = Object.fromEntries((input.Filters ?? []).map((f) => [f.Field, f.Value]));
    this.calls.push({ target, filters, authorized: /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? '')) });
    const send = (status: number, o: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': `fake-${this.calls.length}` });
      res.end(JSON.stringify(o));
    };
    if (this.failWith !== null) return send(this.failWith, { __type: 'AccessDeniedException', message: 'User is not authorized to perform: pricing:GetProducts' });
    if (target !== 'AWSPriceListService.GetProducts' || input.ServiceCode !== 'AmazonEC2') return send(400, { __type: 'InvalidParameterException', message: `unexpected ${target}` });
    const key = `${filters.regionCode}/${filters.instanceType}`;
    const usd = this.prices.get(key);
    const linuxShared = filters.operatingSystem === 'Linux' && filters.tenancy === 'Shared' && filters.preInstalledSw === 'NA' && filters.capacitystatus === 'Used';
    const priceList =
      usd === undefined || !linuxShared
        ? []
        : [
            JSON.stringify({
              product: { productFamily: 'Compute Instance', attributes: { instanceType: filters.instanceType, regionCode: filters.regionCode, operatingSystem: 'Linux' }, sku: 'FAKESKU' },
              serviceCode: 'AmazonEC2',
              terms: {
                OnDemand: {
                  'FAKESKU.JRTCKXETXF': {
                    priceDimensions: { 'FAKESKU.JRTCKXETXF.6YS6EN2CT7': { unit: 'Hrs', description: 'On Demand Linux', pricePerUnit: { USD: usd.toFixed(10) } } },
                    sku: 'FAKESKU',
                  },
                },
              },
              version: '20250301000000',
            }),
          ];
    send(200, { FormatVersion: 'aws_v1', PriceList: priceList });
  }
}
