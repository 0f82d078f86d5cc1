/**
 * A small IMDSv2-only client (token PUT, then GETs with the token). No SDK: the
 * agent needs three strings and must not load 70 MB to get them.
 */
import { request } from 'node:http';

/** AWS's fixed link-local address; used only when the standard env override is unset. */
export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
export const DEFAULT_IMDS_ENDPOINT_IPV6 = 'http://[fd00:ec2::254]';
export const IMDS_TOKEN_TTL_SECONDS = 21_600;
export const IMDS_TIMEOUT_MS = 1_000;

export class ImdsError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ImdsError';
  }
}

/** The SDK's own variables: AWS_EC2_METADATA_SERVICE_ENDPOINT, else the mode's default address. */
export function imdsEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  if (explicit && explicit.trim()) return explicit.trim().replace(/\/+$/, '');
  return env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === 'ipv6' ? DEFAULT_IMDS_ENDPOINT_IPV6 : DEFAULT_IMDS_ENDPOINT;
}

export function imdsDisabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === 'true';
}

export interface ImdsIdentity {
  id: string;
  type: string;
  region: string;
}

export interface ImdsClientOptions {
  env?: NodeJS.ProcessEnv;
  endpoint?: string;
  timeoutMs?: number;
  tokenTtlSeconds?: number;
  now?: () => number;
}

interface HttpReply {
  status: number;
  body: string;
}

export class ImdsClient {
  readonly endpoint: string;
  private readonly timeoutMs: number;
  private readonly ttl: number;
  private readonly now: () => number;
  private token: { value: string; expiresAt: number } | null = null;
  private tokenInFlight: Promise<string> | null = null;
  /** Token PUTs made so far (tests check the cache). */
  tokenRequests = 0;

  constructor(opts: ImdsClientOptions = {}) {
    this.endpoint = opts.endpoint ?? imdsEndpoint(opts.env);
    this.timeoutMs = opts.timeoutMs ?? IMDS_TIMEOUT_MS;
    this.ttl = Math.max(1, Math.min(IMDS_TOKEN_TTL_SECONDS, Math.floor(opts.tokenTtlSeconds ?? IMDS_TOKEN_TTL_SECONDS)));
    this.now = opts.now ?? Date.now;
  }

  /** `path` below /latest/, e.g. "meta-data/instance-id". Throws ImdsError. */
  async get(path: string): Promise<string> {
    const v = await this.getOptional(path);
    if (v === null) throw new ImdsError(`instance metadata has no ${path} (404)`, 404);
    return v;
  }

  /** Like get(), but a 404 is `null` (e.g. no instance profile attached). */
  async getOptional(path: string): Promise<string | null> {
    let token = await this.getToken();
    let reply = await this.http('GET', `/latest/${path}`, { 'x-aws-ec2-metadata-token': token });
    if (reply.status === 401) {
      // The token expired early or IMDS restarted: one fresh token, one retry.
      this.token = null;
      token = await this.getToken();
      reply = await this.http('GET', `/latest/${path}`, { 'x-aws-ec2-metadata-token': token });
    }
    if (reply.status === 404) return null;
    if (reply.status !== 200) throw new ImdsError(`instance metadata ${path}: HTTP ${reply.status}`, reply.status);
    return reply.body.trim();
  }

  async identity(): Promise<ImdsIdentity> {
    const id = await this.get('meta-data/instance-id');
    const type = await this.get('meta-data/instance-type');
    const region = await this.get('meta-data/placement/region');
    return { id, type, region };
  }

  /** Forget the cached token (tests, or after the host was restored from hibernation). */
  dropToken(): void {
    this.token = null;
  }

  private async getToken(): Promise<string> {
    const t = this.token;
    if (t && this.now() < t.expiresAt) return t.value;
    this.tokenInFlight ??= this.fetchToken().finally(() => {
      this.tokenInFlight = null;
    });
    return this.tokenInFlight;
  }

  private async fetchToken(): Promise<string> {
    this.tokenRequests++;
    const asked = this.now();
    const reply = await this.http('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': String(this.ttl) });
    if (reply.status === 403) throw new ImdsError('instance metadata refused a token (403): IMDS may be disabled for this instance', 403);
    if (reply.status !== 200 || !reply.body) throw new ImdsError(`instance metadata token: HTTP ${reply.status}`, reply.status);
    // Renew a little early so a token never expires between our check and IMDS's.
    const margin = Math.min(60_000, (this.ttl * 1000) / 10);
    this.token = { value: reply.body.trim(), expiresAt: asked + this.ttl * 1000 - margin };
    return this.token.value;
  }

  private http(method: 'GET' | 'PUT', path: string, headers: Record<string, string>): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(path, `${this.endpoint}/`);
      } catch {
        reject(new ImdsError(`bad instance metadata endpoint ${JSON.stringify(this.endpoint)}`));
        return;
      }
      let settled = false;
      const fail = (msg: string) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(new ImdsError(`instance metadata unreachable at ${this.endpoint}: ${msg}`));
      };
      const req = request(url, { method, headers: { ...headers, 'content-length': '0' }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 64 * 1024) fail('reply too large');
          else chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (e) => fail(e.message));
      });
      // One deadline for connect + reply: IMDS is local and answers in milliseconds or not at all.
      const timer = setTimeout(() => fail(`no reply within ${this.timeoutMs} ms`), this.timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        fail(e.message);
      });
      req.on('close', () => clearTimeout(timer));
      req.end();
    });
  }
}
