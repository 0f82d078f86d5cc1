/**
 * The /metrics HTTP listener (`metrics_listen`). Its own file because it is the exporter's
 * attack surface: any local user (or, with metrics_allow_remote, the network) can connect,
 * so every bound a client could push on lives here, next to the code it bounds.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

/** Bounds of the HTTP side: a scraper needs one connection and a few hundred bytes of request. */
export const EXPORTER_LIMITS = {
  maxConnections: 16,
  maxHeaderBytes: 8 * 1024,
  /** Whole request (headers) and idle keep-alive, so a silent client lets go of its slot. */
  requestTimeoutMs: 5_000,
  keepAliveMs: 5_000,
} as const;

export interface ScrapeServer {
  /** The bound address (port 0 in tests picks one). */
  address: { host: string; port: number } | null;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

/**
 * Whether a Host header names this machine's loopback (`localhost`, `127.x.x.x`, `[::1]`, any
 * port). A web page open in a browser on this instance can rebind its own name to 127.0.0.1
 * and read a loopback /metrics (the instance's id, activity, when it stops) as same-origin;
 * its requests still carry its name in Host. No Host at all (HTTP/1.0) is no browser's.
 */
export function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host.toLowerCase());
  if (!m) return false;
  const h = m[1]!;
  return h === 'localhost' || h === '[::1]' || /^127(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(h);
}

/** Listens on `listen` and answers GET/HEAD /metrics with `text()`; resolves once bound (rejects if it cannot bind). */
export async function listenForScrapes(
  listen: { host: string; port: number; loopback?: boolean },
  text: () => Promise<string>,
  contentType: string,
  log: (level: 'warn', msg: string) => void,
): Promise<ScrapeServer> {
  const sockets = new Set<Socket>();
  // Node's headersTimeout and requestTimeout let a connection that sends nothing, or
  // drips its request line, hold its slot for good (measured on Node 20): then 16 idle
  // sockets from any local user starve every scrape. Each connection must complete a
  // request within requestTimeoutMs of opening, and the next within that of each answer.
  const deadlines = new Map<Socket, NodeJS.Timeout>();
  const arm = (s: Socket) => {
    clearTimeout(deadlines.get(s));
    const t = setTimeout(() => s.destroy(), EXPORTER_LIMITS.requestTimeoutMs);
    t.unref();
    deadlines.set(s, t);
  };
  const srv = http.createServer({ maxHeaderSize: EXPORTER_LIMITS.maxHeaderBytes, requestTimeout: EXPORTER_LIMITS.requestTimeoutMs, headersTimeout: EXPORTER_LIMITS.requestTimeoutMs }, (req, res) => {
    clearTimeout(deadlines.get(req.socket));
    res.once('finish', () => {
      if (!req.socket.destroyed) arm(req.socket);
    });
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Host first, as the dashboard does: a rebinding page learns nothing. With
    // metrics_allow_remote the scrapers name the instance however they like, so any Host goes.
    if (listen.loopback && !loopbackHost(req.headers.host)) {
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('CloudSnooze serves /metrics on loopback to requests for localhost, 127.0.0.1 or [::1] only\n');
      return;
    }
    const url = (req.url ?? '').split('?')[0];
    if (url !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('CloudSnooze serves /metrics only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('GET /metrics\n');
      return;
    }
    // A scrape has no body; a client that sends one is not read (and not kept).
    if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) {
      res.writeHead(413, { Connection: 'close', 'Content-Type': 'text/plain; charset=utf-8' }).end('no request body\n');
      req.socket.destroySoon();
      return;
    }
    text().then(
      (body) => res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${err.message}\n`),
    );
  });
  srv.maxConnections = EXPORTER_LIMITS.maxConnections;
  srv.keepAliveTimeout = EXPORTER_LIMITS.keepAliveMs;
  srv.maxRequestsPerSocket = 100;
  srv.on('connection', (s: Socket) => {
    sockets.add(s);
    arm(s);
    s.once('close', () => {
      sockets.delete(s);
      clearTimeout(deadlines.get(s));
      deadlines.delete(s);
    });
  });
  srv.on('clientError', (err: NodeJS.ErrnoException, s: Socket) => {
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (s.writable) s.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    s.destroySoon();
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(listen.port, listen.host, () => {
      srv.off('error', reject);
      resolve();
    });
  });
  // A failure after listening (EMFILE on accept) is logged, never fatal.
  srv.on('error', (err) => log('warn', `metrics: ${err.message}`));
  const a = srv.address();
  return {
    address: a && typeof a === 'object' ? { host: a.address, port: a.port } : null,
    async close() {
      const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
