/**
 * `snooze dashboard`'s HTTP server: serves the built renderer on 127.0.0.1 and relays
 * the few commands the dashboard uses to the agent socket. This file is the front
 * door — who is let in and which room they go to; the rooms are auth.ts (tokens and
 * connection limits), static.ts (files), stream-hub.ts (events) and relay.ts (commands).
 * Routes and names are in contract/dashboard-http.ts.
 *
 * Anything on the machine can reach 127.0.0.1, and any web page the user opens can try
 * to, so every API request must carry the session token in a header, every request must
 * name this server in Host (no DNS rebinding), and no reply carries CORS headers.
 */
import http from 'node:http';
import {
  DASHBOARD_API_BASE,
  DASHBOARD_COMMANDS,
  DASHBOARD_LAUNCH_QUERY,
  DASHBOARD_ROUTES,
  DASHBOARD_TOKEN_HEADER,
  type DashboardCommand,
} from '../../contract/dashboard-http.js';
import { DashboardAuth, newToken } from './auth.js';
import { connectionState, readJsonObject, relay, settingsAccess } from './relay.js';
import { HttpError, json, refuse } from './respond.js';
import { serveStatic } from './static.js';
import { StreamHub } from './stream-hub.js';

export const MAX_STREAMS = 16;
export const MAX_CONNECTIONS = 64;

/** Limits on how long a connection may take, so nobody holds the 64 slots for free. */
export interface DashboardTimeouts {
  /** Until a request's headers are complete (Node's headersTimeout). */
  headersMs: number;
  /** Until a whole request, body included, is received (Node's requestTimeout). */
  requestMs: number;
  /** Idle time allowed between two requests on one connection. */
  keepAliveMs: number;
  /** A connection that has not sent a request with a valid token by then is closed. */
  unauthenticatedMs: number;
  /** How often Node checks the header and request timers. */
  checkIntervalMs: number;
}

export const DEFAULT_TIMEOUTS: DashboardTimeouts = {
  headersMs: 10_000,
  requestMs: 20_000,
  keepAliveMs: 5_000,
  unauthenticatedMs: 10_000,
  checkIntervalMs: 1_000,
};

export interface DashboardServerOptions {
  socketPath: string;
  /** Folder holding the built renderer (index.html and assets/). */
  rendererDir: string;
  /** 0 = any free port. */
  port?: number;
  /** The printed URL's one-time launch token; generated when left out (32 random bytes, base64url). */
  token?: string;
  /** Timeout of one relayed command. */
  commandTimeoutMs?: number;
  timeouts?: Partial<DashboardTimeouts>;
}

export interface DashboardServer {
  readonly port: number;
  /** The launch token: it opens one browser tab, once. */
  readonly token: string;
  /** http://127.0.0.1:PORT/?token=… — the one line `snooze dashboard` prints. */
  readonly url: string;
  close(): Promise<void>;
}

const HEADER = DASHBOARD_TOKEN_HEADER.toLowerCase();
const OPEN_PRINTED_URL = 'open the URL that `snooze dashboard` printed';
const RUN_AGAIN = 'run `snooze dashboard` again for a new URL';

function headerToken(req: http.IncomingMessage): string | null {
  const v = req.headers[HEADER];
  return typeof v === 'string' ? v : null;
}

export async function startDashboardServer(opts: DashboardServerOptions): Promise<DashboardServer> {
  const auth = new DashboardAuth(opts.token ?? newToken());
  const hub = new StreamHub(opts.socketPath);
  const commandTimeoutMs = opts.commandTimeoutMs ?? 10_000;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
  let port = 0;

  const allowedHost = (host: string | undefined) => {
    const h = (host ?? '').toLowerCase();
    return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
  };
  const allowedOrigin = (origin: string) => origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;

  /** A page: the launch token, when the URL has one, must be this server's and unused. */
  async function page(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const launch = url.searchParams.get(DASHBOARD_LAUNCH_QUERY);
    if (launch !== null) {
      const check = auth.checkLaunch(launch);
      if (check === 'wrong') return refuse(res, false, 401, 'UNAUTHORIZED', `The token in this link is wrong; ${OPEN_PRINTED_URL}.`);
      if (check === 'used') {
        return refuse(
          res,
          false,
          410,
          'TOKEN_USED',
          `This link was already used. Each URL that \`snooze dashboard\` prints opens the dashboard once, so a copy ` +
            `from the browser's history or a terminal is worth nothing; ${RUN_AGAIN}.`,
        );
      }
    }
    return serveStatic(opts.rendererDir, req, res, url.pathname);
  }

  async function session(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return refuse(res, true, 405, 'METHOD', 'a session is opened with POST');
    await readJsonObject(req);
    const r = auth.exchange(headerToken(req));
    if ('session' in r) {
      auth.trust(req);
      return json(res, 200, { ok: true, data: { session: r.session } });
    }
    if (r.refused === 'used') return refuse(res, true, 410, 'TOKEN_USED', `this dashboard URL was already used; ${RUN_AGAIN}`);
    return refuse(res, true, 401, 'UNAUTHORIZED', `the dashboard URL's token is wrong; ${OPEN_PRINTED_URL}`);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = url.pathname === DASHBOARD_API_BASE || url.pathname.startsWith(`${DASHBOARD_API_BASE}/`);

    // Host first: a rebinding page must learn nothing, not even that a token is needed.
    if (!allowedHost(req.headers.host)) {
      const msg = `refused a request for host "${req.headers.host ?? ''}": only 127.0.0.1:${port} and localhost:${port} are served`;
      return refuse(res, api, 403, 'FORBIDDEN', msg);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigin(origin)) {
      return refuse(res, api, 403, 'FORBIDDEN', `refused a cross-origin request from ${origin}`);
    }
    // Other sites' pages get nothing; the one exception is opening the printed link itself
    // (from a terminal, or the private redirect file that `--open` writes).
    const site = req.headers['sec-fetch-site'];
    const followedLink = !api && req.headers['sec-fetch-mode'] === 'navigate' && url.searchParams.has(DASHBOARD_LAUNCH_QUERY);
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && !followedLink) {
      return refuse(res, api, 403, 'FORBIDDEN', `refused a ${String(site)} request: the dashboard only answers its own pages`);
    }

    if (!api) return page(req, res, url);
    if (url.pathname === DASHBOARD_ROUTES.session) return session(req, res);

    // Every other API route needs the session token, in the header only: never a query
    // string (logs, history) and never a cookie (other local ports would receive it).
    const given = headerToken(req);
    if (!auth.sessionMatches(given)) {
      const why = given
        ? 'this page\'s session is not known here (was `snooze dashboard` restarted?)'
        : 'this request carries no session token';
      return refuse(res, true, 401, 'UNAUTHORIZED', `${why}; ${OPEN_PRINTED_URL} (each URL works once)`);
    }
    auth.trust(req);

    if (url.pathname === DASHBOARD_ROUTES.stream) {
      if (req.method !== 'GET') return refuse(res, true, 405, 'METHOD', 'the stream is read with GET');
      if (hub.size >= MAX_STREAMS) return refuse(res, true, 503, 'BUSY', `at most ${MAX_STREAMS} dashboards may be open at once`);
      return hub.add(res);
    }
    if (url.pathname === DASHBOARD_ROUTES.connection) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, true, 405, 'METHOD', 'the connection state is read with GET');
      return json(res, 200, await connectionState(opts.socketPath, hub));
    }
    if (url.pathname === DASHBOARD_ROUTES.settingsAccess) {
      if (req.method !== 'GET') return refuse(res, true, 405, 'METHOD', 'the settings access is read with GET');
      return json(res, 200, await settingsAccess(opts.socketPath));
    }
    const name = url.pathname.slice(DASHBOARD_API_BASE.length + 1);
    if (!(DASHBOARD_COMMANDS as readonly string[]).includes(name)) {
      return refuse(res, true, 403, 'NOT_ALLOWED', `"${name}" is not available through the dashboard`);
    }
    if (req.method !== 'POST') return refuse(res, true, 405, 'METHOD', 'commands are sent with POST');
    return relay(opts.socketPath, name as DashboardCommand, req, res, commandTimeoutMs);
  }

  const server = http.createServer(
    // Node checks the header and request timers only this often; its default (30 s) would let a slot be held that long.
    { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkIntervalMs },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, 'INTERNAL', (err as Error).message);
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const api = (req.url ?? '').startsWith(DASHBOARD_API_BASE);
        if (e.status === 413) res.setHeader('Connection', 'close');
        refuse(res, api, e.status, e.code, e.message);
      });
    },
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.keepAliveTimeout = timeouts.keepAliveMs;
  auth.guardConnections(server, timeouts.unauthenticatedMs);

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
    token: auth.launchToken,
    url: `http://127.0.0.1:${port}/?${DASHBOARD_LAUNCH_QUERY}=${auth.launchToken}`,
    close() {
      hub.closeAll();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
