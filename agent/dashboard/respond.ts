/**
 * How the dashboard server answers: the security headers on every reply, JSON results
 * for the API, and short refusal pages a person can read for everything else.
 */
import type http from 'node:http';
import type { DashboardErrorCode, DashboardReply } from '../../contract/dashboard-http.js';

export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
  'Cache-Control': 'no-store',
};

/** A refusal thrown from deep inside a handler; the server turns it into an answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: DashboardErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function reply(res: http.ServerResponse, status: number, body: string | Buffer, type: string, head = false): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

export function json<T>(res: http.ServerResponse, status: number, value: DashboardReply<T> | object): void {
  reply(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A refusal: a JSON Result for the API, a small HTML page for a browser tab. The page has
 * no script and no links, so it works under the CSP and gives an attacker nothing to click.
 */
export function refuse(res: http.ServerResponse, api: boolean, status: number, code: DashboardErrorCode, message: string): void {
  if (api) {
    json(res, status, { ok: false, error: message, code });
    return;
  }
  const page =
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>CloudSnooze dashboard</title>' +
    '<body style="font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em">' +
    `<h1 style="font-size:1.3em">CloudSnooze dashboard</h1><p>${escapeHtml(message)}</p></body></html>\n`;
  reply(res, status, page, 'text/html; charset=utf-8');
}
