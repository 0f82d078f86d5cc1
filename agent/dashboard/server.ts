/**
 * The browser dashboard's bridge: serves the built renderer on 127.0.0.1 and relays
 * the few commands the dashboard uses to the agent socket (POST /api/<COMMAND>),
 * with the agent's stream as server-sent events (GET /api/stream).
 *
 * Anything on the machine can reach 127.0.0.1, and any web page the user opens can
 * try to, so every request must carry the random token (cookie, header or, for GETs,
 * query), must name this server in Host (no DNS rebinding), and gets no CORS headers.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { AgentError, request, subscribe, type Subscription } from '../../lib/client.js';
import type { Command, ConnectionState, HistoryEvent, Status } from '../../contract/protocol.js';

/** The only commands the dashboard needs; the bridge is not a generic socket proxy. */
export const DASHBOARD_COMMANDS = [
  'STATUS',
  'CONFIG_GET',
  'CONFIG_SET',
  'HISTORY',
  'SAMPLES',
  'POSTPONE',
  'STAY_AWAKE',
  'RELEASE',
] as const satisfies readonly Command[];
type DashboardCommand = (typeof DASHBOARD_COMMANDS)[number];

export const TOKEN_HEADER = 'x-cloudsnooze-token';
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_STREAMS = 16;
const KEEPALIVE_MS = 15_000;

export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
  'Cache-Control': 'no-store',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface DashboardServerOptions {
  socketPath: string;
  /** Folder holding the built renderer (index.html and assets/). */
  rendererDir: string;
  /** 0 = any free port. */
  port?: number;
  /** Generated when left out (32 random bytes, base64url). */
  token?: string;
  /** Timeout of one relayed command. */
  commandTimeoutMs?: number;
}

export interface DashboardServer {
  readonly port: number;
  readonly token: string;
  /** http://127.0.0.1:PORT/?token=… — the one line `snooze dashboard` prints. */
  readonly url: string;
  close(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function cookieName(port: number): string {
  // Cookies ignore ports: one name per port keeps two dashboards from overwriting each other's token.
  return `cloudsnooze_token_${port}`;
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

/**
 * The file a URL path names inside `root`, or null when it would leave it (`..`,
 * encoded separators, NUL, a symlink pointing out) or is not a regular file.
 */
export async function resolveStatic(root: string, urlPath: string): Promise<string | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const realRoot = await fs.realpath(root).catch(() => null);
  if (!realRoot) return null;
  const full = path.resolve(realRoot, `.${path.posix.normalize(rel)}`);
  if (!full.startsWith(realRoot + path.sep)) return null;
  try {
    const real = await fs.realpath(full);
    if (!real.startsWith(realRoot + path.sep)) return null;
    const st = await fs.stat(real);
    return st.isFile() ? real : null;
  } catch {
    return null;
  }
}

/** One agent subscription shared by every open dashboard tab. */
class StreamHub {
  private readonly clients = new Set<http.ServerResponse>();
  private sub: Subscription | null = null;
  private lastStatus: Status | null = null;
  state: ConnectionState = { online: false, error: 'connecting to the agent' };
  private keepalive: NodeJS.Timeout | null = null;

  constructor(private readonly socketPath: string) {}

  get size(): number {
    return this.clients.size;
  }
  get active(): boolean {
    return this.sub !== null;
  }

  add(res: http.ServerResponse): void {
    this.clients.add(res);
    res.on('close', () => this.remove(res));
    send(res, 'connection', this.state);
    if (this.state.online && this.lastStatus) send(res, 'status', this.lastStatus);
    if (!this.sub) this.start();
  }

  private remove(res: http.ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) this.stop();
  }

  private start(): void {
    this.sub = subscribe(
      this.socketPath,
      {
        onStatus: (s: Status) => {
          this.lastStatus = s;
          this.broadcast('status', s);
        },
        onEvent: (e: HistoryEvent) => this.broadcast('event', e),
        onOnline: () => {
          this.state = { online: true };
          this.broadcast('connection', this.state);
        },
        onOffline: (err: AgentError) => {
          this.state = { online: false, error: err.message };
          this.lastStatus = null;
          this.broadcast('connection', this.state);
        },
      },
      { minBackoffMs: 250, maxBackoffMs: 2000 },
    );
    this.keepalive = setInterval(() => {
      for (const c of this.clients) c.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  private stop(): void {
    this.sub?.close();
    this.sub = null;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    this.lastStatus = null;
    this.state = { online: false, error: 'connecting to the agent' };
  }

  private broadcast(event: string, data: unknown): void {
    for (const c of this.clients) send(c, event, data);
  }

  closeAll(): void {
    for (const c of [...this.clients]) c.end();
    this.clients.clear();
    this.stop();
  }
}

/** A browser this far behind (a stalled SSH tunnel) is dropped; EventSource reconnects and re-snapshots. */
const MAX_STREAM_BACKLOG_BYTES = 1024 * 1024;

function send(res: http.ServerResponse, event: string, data: unknown): void {
  if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
    res.destroy();
    return;
  }
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Stop keeping the body but let it drain, so the 413 reaches the client before the connection closes.
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'TOO_LARGE', `request body over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startDashboardServer(opts: DashboardServerOptions): Promise<DashboardServer> {
  const token = opts.token ?? newToken();
  const hub = new StreamHub(opts.socketPath);
  const commandTimeoutMs = opts.commandTimeoutMs ?? 10_000;
  let port = 0;

  const allowedHost = (host: string | undefined) => {
    const h = (host ?? '').toLowerCase();
    return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
  };
  const allowedOrigin = (origin: string) => origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;

  const reply = (res: http.ServerResponse, status: number, body: string, type: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
    res.end(body);
  };
  const json = (res: http.ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}) =>
    reply(res, status, JSON.stringify(value), 'application/json; charset=utf-8', extra);
  const refuse = (res: http.ServerResponse, api: boolean, status: number, code: string, message: string) => {
    if (api) json(res, status, { ok: false, error: message, code });
    else reply(res, status, `CloudSnooze dashboard: ${message}\n`, 'text/plain; charset=utf-8');
  };

  async function relay(command: DashboardCommand, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    // A cross-site form cannot send application/json without a CORS preflight, which is never answered.
    if (type !== 'application/json') throw new HttpError(415, 'BAD_REQUEST', 'commands must be sent as application/json');
    const text = await readBody(req, MAX_BODY_BYTES);
    let params: unknown = {};
    if (text.trim()) {
      try {
        params = JSON.parse(text);
      } catch {
        throw new HttpError(400, 'BAD_REQUEST', 'the request body is not valid JSON');
      }
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) {
      throw new HttpError(400, 'BAD_REQUEST', 'the request body must be a JSON object of parameters');
    }
    try {
      // The agent validates params against the protocol's schemas; its error comes back as a value.
      const data = await request(opts.socketPath, command, params as never, { timeoutMs: commandTimeoutMs });
      json(res, 200, { ok: true, data });
    } catch (err) {
      if (err instanceof AgentError) {
        const unreachable = err.code === 'NOT_RUNNING' || err.code === 'PERMISSION_DENIED' || err.code === 'NO_REPLY';
        json(res, unreachable ? 502 : 200, { ok: false, error: err.message, code: err.code });
      } else throw err;
    }
  }

  async function connection(): Promise<ConnectionState> {
    if (hub.active) return hub.state;
    try {
      await request(opts.socketPath, 'STATUS', {}, { timeoutMs: 2000 });
      return { online: true };
    } catch (err) {
      return { online: false, error: (err as Error).message };
    }
  }

  async function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, setCookie: boolean) {
    const file = await resolveStatic(opts.rendererDir, pathname);
    if (!file) return refuse(res, false, 404, 'NOT_FOUND', `no such file: ${pathname}`);
    const body = await fs.readFile(file);
    const extra: Record<string, string> = {};
    if (setCookie) extra['Set-Cookie'] = `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.length,
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = url.pathname === '/api' || url.pathname.startsWith('/api/');

    // Host first: a rebinding page must learn nothing, not even that a token is needed.
    if (!allowedHost(req.headers.host)) {
      return refuse(
        res,
        api,
        403,
        'FORBIDDEN',
        `refused a request for host "${req.headers.host ?? ''}": only 127.0.0.1:${port} and localhost:${port} are served`,
      );
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigin(origin)) {
      return refuse(res, api, 403, 'FORBIDDEN', `refused a cross-origin request from ${origin}`);
    }
    const queryToken = url.searchParams.get('token');
    const headerToken = req.headers[TOKEN_HEADER];
    const cookieToken = readCookie(req.headers.cookie, cookieName(port));
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    const viaQuery = isGet && tokenMatches(queryToken, token);
    const authorised =
      viaQuery || tokenMatches(typeof headerToken === 'string' ? headerToken : null, token) || tokenMatches(cookieToken, token);
    if (!authorised) {
      const why = queryToken || headerToken || cookieToken ? 'the token is wrong' : 'the token is missing';
      return refuse(res, api, 401, 'UNAUTHORIZED', `${why}; open the full URL that \`snooze dashboard\` printed (it ends in ?token=…)`);
    }

    // Other sites' pages get nothing, even with a cookie; the one exception is opening the
    // printed link itself (from a terminal, or the private redirect file `--open` uses).
    const site = req.headers['sec-fetch-site'];
    const followedLink = viaQuery && !api && req.headers['sec-fetch-mode'] === 'navigate';
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && !followedLink) {
      return refuse(res, api, 403, 'FORBIDDEN', `refused a ${String(site)} request: the dashboard only answers its own pages`);
    }

    if (!api) {
      if (!isGet) return refuse(res, false, 405, 'METHOD', `${req.method ?? ''} is not allowed here`);
      return serveStatic(req, res, url.pathname, viaQuery);
    }

    const name = url.pathname.slice('/api/'.length);
    if (name === 'stream') {
      if (req.method !== 'GET') return refuse(res, true, 405, 'METHOD', 'the stream is read with GET');
      if (hub.size >= MAX_STREAMS) return refuse(res, true, 503, 'BUSY', `at most ${MAX_STREAMS} dashboards may be open at once`);
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write('retry: 1000\n\n');
      hub.add(res);
      return;
    }
    if (name === 'connection') {
      if (!isGet) return refuse(res, true, 405, 'METHOD', 'the connection state is read with GET');
      return json(res, 200, await connection());
    }
    if (!(DASHBOARD_COMMANDS as readonly string[]).includes(name)) {
      return refuse(res, true, 403, 'NOT_ALLOWED', `"${name}" is not available through the dashboard`);
    }
    if (req.method !== 'POST') return refuse(res, true, 405, 'METHOD', 'commands are sent with POST');
    return relay(name as DashboardCommand, req, res);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', (err as Error).message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const api = (req.url ?? '').startsWith('/api');
      if (e.status === 413) res.setHeader('Connection', 'close');
      refuse(res, api, e.status, e.code, e.message);
    });
  });
  server.maxConnections = 64;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${opts.port ?? 0} on 127.0.0.1 is already in use; choose another with --port (0 picks a free one)`)
          : err,
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // Loopback only: the dashboard is reached from this machine or through an SSH tunnel.
    server.listen(opts.port ?? 0, '127.0.0.1');
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close() {
      hub.closeAll();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
