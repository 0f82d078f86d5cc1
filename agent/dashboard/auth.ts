/**
 * Who may use the dashboard. The printed URL carries a launch token that works once:
 * the page trades it for a session token (sessionStorage, sent in a header), so a URL
 * found later in the browser's history or a terminal's scrollback opens nothing.
 * There is no cookie at all: cookies ignore ports, so any other local user's server on
 * 127.0.0.1 would receive one on a same-site request.
 *
 * It also keeps connections from people without a token short: anyone on the machine
 * can connect, and without a limit 64 idle connections would lock the owner out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type net from 'node:net';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function tokenMatches(given: string | null | undefined, expected: string | null): boolean {
  if (expected === null || typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export type LaunchCheck = 'valid' | 'used' | 'wrong';

export class DashboardAuth {
  private launchUsed = false;
  private session: string | null = null;
  /** Sockets that carried a request with a valid token; only they outlive the unauthenticated timer. */
  private readonly trusted = new WeakSet<net.Socket>();

  constructor(readonly launchToken: string) {}

  /** Whether `given` is the printed URL's token and still unused. */
  checkLaunch(given: string | null | undefined): LaunchCheck {
    if (!tokenMatches(given, this.launchToken)) return 'wrong';
    return this.launchUsed ? 'used' : 'valid';
  }

  /**
   * Trades the launch token for the session token, once. Later tries get 'used', even
   * with the right token: whoever comes second (a history entry, a shoulder-surfed URL)
   * is refused, and the owner learns that someone tried.
   */
  exchange(given: string | null | undefined): { session: string } | { refused: Exclude<LaunchCheck, 'valid'> } {
    const check = this.checkLaunch(given);
    if (check !== 'valid') return { refused: check };
    this.launchUsed = true;
    this.session = newToken();
    return { session: this.session };
  }

  sessionMatches(given: string | null | undefined): boolean {
    return tokenMatches(given, this.session);
  }

  trust(req: http.IncomingMessage): void {
    this.trusted.add(req.socket);
  }

  /**
   * Destroys every connection that has not carried a token-bearing request within `ms`
   * of opening. Node's headersTimeout does not cover a connection that sends nothing at
   * all, and keepAliveTimeout does not cover one that keeps asking for public files.
   */
  guardConnections(server: http.Server, ms: number): void {
    server.on('connection', (socket: net.Socket) => {
      const timer = setTimeout(() => {
        if (!this.trusted.has(socket)) socket.destroy();
      }, ms);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    });
  }
}
