/**
 * A fake IMDSv2 on 127.0.0.1: token PUT with a TTL, 401 for a missing or expired
 * token, the identity paths, and switches to make it unreachable or slow.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, type LoopbackHttp } from './loopback-http.js';
import { randomBytes } from 'node:crypto';

export interface FakeImdsOptions {
  instanceId?: string;
  instanceType?: string;
  region?: string;
  availabilityZone?: string;
  /** Caps the TTL granted, whatever the client asks (to test expiry). */
  maxTokenTtlSeconds?: number;
  /** JSON served at meta-data/iam/info; null = no instance profile (404). */
  iamInfo?: { InstanceProfileArn: string; InstanceProfileId: string } | null;
}

export interface ImdsCall {
  method: string;
  path: string;
  status: number | 'dropped';
}

export class FakeImds {
  instanceId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  /** "ok" answers; "drop" destroys every connection (unreachable); "error" answers 500. */
  mode: 'ok' | 'drop' | 'error' = 'ok';
  /** Delay before each reply. */
  slowMs = 0;
  /**
   * "Instance tags in metadata": null = not enabled (404, the EC2 default); a function
   * returns the live tags (tests hand in the fake EC2 instance's map).
   */
  tags: (() => ReadonlyMap<string, string>) | null = null;
  readonly calls: ImdsCall[] = [];
  private readonly tokens = new Map<string, number>();
  private http: LoopbackHttp | null = null;
  url = '';

  private constructor(private readonly opts: FakeImdsOptions) {
    this.instanceId = opts.instanceId ?? 'i-0123456789abcdef0';
    this.instanceType = opts.instanceType ?? 't3.medium';
    this.region = opts.region ?? 'us-east-1';
    this.availabilityZone = opts.availabilityZone ?? `${this.region}b`;
  }

  static async start(opts: FakeImdsOptions = {}): Promise<FakeImds> {
    const f = FakeImds.create(opts);
    await f.listen();
    return f;
  }

  /** Not listening yet (url is empty until listen()): for fixtures that start it in a hook. */
  static create(opts: FakeImdsOptions = {}): FakeImds {
    return new FakeImds(opts);
  }

  async listen(): Promise<void> {
    this.http = await listenLoopback((req, res) => void this.handle(req, res));
    this.url = this.http.url;
  }

  async close(): Promise<void> {
    await this.http?.close();
    this.http = null;
  }

  /** Back to a reachable, prompt IMDS without instance tags, with no recorded calls (tokens stay valid). */
  reset(): void {
    this.mode = 'ok';
    this.slowMs = 0;
    this.tags = null;
    this.calls.length = 0;
  }

  /** Every token handed out so far stops working. */
  expireTokens(): void {
    this.tokens.clear();
  }

  count(method?: string, path?: string): number {
    return this.calls.filter((c) => (!method || c.method === method) && (!path || c.path === path)).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (this.mode === 'drop') {
      this.calls.push({ method, path, status: 'dropped' });
      req.socket.destroy();
      return;
    }
    if (this.slowMs > 0) await new Promise((r) => setTimeout(r, this.slowMs));
    const send = (status: number, body = '', type = 'text/plain') => {
      this.calls.push({ method, path, status });
      res.writeHead(status, { 'content-type': type, server: 'EC2ws' });
      res.end(body);
    };
    if (this.mode === 'error') return send(500, 'Internal Server Error');

    if (path === '/latest/api/token') {
      if (method !== 'PUT') return send(405);
      // Like IMDS: a request that looks forwarded is refused (SSRF protection).
      if (req.headers['x-forwarded-for']) return send(403, 'Forbidden');
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return send(400, 'Bad Request');
      const granted = Math.min(ttl, this.opts.maxTokenTtlSeconds ?? ttl);
      const token = randomBytes(24).toString('base64');
      this.tokens.set(token, Date.now() + granted * 1000);
      res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(granted));
      return send(200, token);
    }
    if (method !== 'GET') return send(405);
    const token = req.headers['x-aws-ec2-metadata-token'];
    const exp = typeof token === 'string' ? this.tokens.get(token) : undefined;
    if (exp === undefined || Date.now() >= exp) return send(401, 'Unauthorized');

    const base = '/latest/meta-data/';
    if (!path.startsWith(base)) return send(404, 'Not Found');
    const values: Record<string, string | undefined> = {
      'instance-id': this.instanceId,
      'instance-type': this.instanceType,
      'placement/region': this.region,
      'placement/availability-zone': this.availabilityZone,
      'iam/info': this.opts.iamInfo ? JSON.stringify({ Code: 'Success', LastUpdated: new Date().toISOString(), ...this.opts.iamInfo }) : undefined,
    };
    const rel = path.slice(base.length);
    if (rel === 'tags/instance' || rel.startsWith('tags/instance/')) {
      const tags = this.tags?.();
      if (!tags) return send(404, 'Not Found');
      if (rel === 'tags/instance') return send(200, [...tags.keys()].join('\n'));
      const v = tags.get(decodeURIComponent(rel.slice('tags/instance/'.length)));
      return v === undefined ? send(404, 'Not Found') : send(200, v);
    }
    const v = values[rel];
    return v === undefined ? send(404, 'Not Found') : send(200, v);
  }
}
