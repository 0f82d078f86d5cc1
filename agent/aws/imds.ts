/**
 * A small IMDSv2-only client (token PUT, then GETs with the token). No SDK: the
 * agent needs three strings and must not load 70 MB to get them. Not even node:http:
 * each request is one HTTP/1.1 exchange on its own connection (`Connection: close`)
 * with a reply of a few bytes, read by the few lines below, which keeps about 1 MB of
 * Node's HTTP machinery out of the long-lived agent.
 */
import { connect } from 'node:net';

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
        if (url.protocol !== 'http:') throw new Error('not http');
      } catch {
        reject(new ImdsError(`bad instance metadata endpoint ${JSON.stringify(this.endpoint)}`));
        return;
      }
      let settled = false;
      let size = 0;
      const chunks: Buffer[] = [];
      const done = (err: string | null, reply?: HttpReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (err !== null) reject(new ImdsError(`instance metadata unreachable at ${this.endpoint}: ${err}`));
        else resolve(reply!);
      };
      const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) });
      // One deadline for connect + reply: IMDS is local and answers in milliseconds or not at all.
      const timer = setTimeout(() => done(`no reply within ${this.timeoutMs} ms`), this.timeoutMs);
      socket.on('connect', () => {
        const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
        socket.write(`${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${lines}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      });
      socket.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_REPLY_BYTES) return done('reply too large');
        chunks.push(c);
        const reply = parseReply(Buffer.concat(chunks), false);
        if (reply) done(null, reply);
      });
      socket.on('end', () => {
        const reply = parseReply(Buffer.concat(chunks), true);
        if (reply) done(null, reply);
        else done(size === 0 ? 'socket hang up' : 'incomplete or malformed reply');
      });
      socket.on('error', (e) => done(e.message));
      socket.on('close', () => done('socket hang up'));
    });
  }
}

/** Headers and body together; IMDS replies are a few bytes (a token, an id, a tag list). */
const MAX_REPLY_BYTES = 80 * 1024;

/**
 * An HTTP/1.1 reply once it is complete: by Content-Length, by the last chunk of a chunked
 * body, or (with `ended`: the server closed the connection) the body read until then.
 * null while more is to come, or when what came is not a whole HTTP reply.
 */
export function parseReply(buf: Buffer, ended: boolean): HttpReply | null {
  const head = buf.indexOf('\r\n\r\n');
  if (head < 0) return null;
  const lines = buf.subarray(0, head).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(`${lines[0] ?? ''} `);
  if (!status) return null;
  const header = (name: string) => {
    for (const l of lines) {
      const i = l.indexOf(':');
      if (i > 0 && l.slice(0, i).trim().toLowerCase() === name) return l.slice(i + 1).trim();
    }
    return undefined;
  };
  let body = buf.subarray(head + 4);
  const length = header('content-length');
  if (/chunked/i.test(header('transfer-encoding') ?? '')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', at);
      if (eol < 0) return null;
      const n = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (!Number.isFinite(n) || n < 0) return null;
      if (n === 0) break;
      if (body.length < eol + 2 + n) return null;
      parts.push(body.subarray(eol + 2, eol + 2 + n));
      at = eol + 2 + n + 2;
    }
    body = Buffer.concat(parts);
  } else if (length !== undefined) {
    if (!/^\d+$/.test(length) || body.length < Number(length)) return null;
    body = body.subarray(0, Number(length));
  } else if (!ended) {
    return null;
  }
  return { status: Number(status[1]), body: body.toString('utf8') };
}
