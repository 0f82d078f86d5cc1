/**
 * How a browser gets into the dashboard, and how long anyone else may stay connected:
 * the printed URL's launch token is traded once for a session token that only ever
 * travels in a header (no cookie anywhere), and connections without a valid token are
 * closed on timers so they cannot hold the server's connection slots.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_TOKEN_HEADER } from '../../contract/dashboard-http.js';
import { MAX_CONNECTIONS, startDashboardServer, type DashboardServer, type DashboardTimeouts } from '../../agent/dashboard/server.js';
import { exchange, fakeAgent, openSession, req, type FakeAgent, type Res } from '../helpers/dashboard.js';

let dir: string;
let root: string;
let socketPath: string;
let agent: FakeAgent;
const servers: DashboardServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cs-dash-session-'));
  root = path.join(dir, 'renderer');
  mkdirSync(root);
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>CloudSnooze test page</title>');
  socketPath = path.join(dir, 'agent.sock');
  agent = await fakeAgent(socketPath);
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(timeouts: Partial<DashboardTimeouts> = {}): Promise<DashboardServer> {
  const s = await startDashboardServer({ socketPath, rendererDir: root, port: 0, timeouts: { checkIntervalMs: 100, ...timeouts } });
  servers.push(s);
  return s;
}

const status = (port: number, session: string) =>
  req(port, '/api/STATUS', { method: 'POST', headers: { [DASHBOARD_TOKEN_HEADER]: session, 'Content-Type': 'application/json' }, body: '{}' });

const noCookie = (r: Res) => expect(r.headers['set-cookie'], `Set-Cookie on ${r.status} ${r.body.slice(0, 80)}`).toBeUndefined();

/** Resolves with how long the server took to close `sock`, or rejects after `limitMs`. */
function closedWithin(sock: net.Socket, limitMs: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${limitMs} ms`)), limitMs);
    sock.on('error', () => {});
    // Read whatever the server says last (a 408), or its end never surfaces as 'close'.
    sock.resume();
    sock.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

const connect = (port: number) =>
  new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

describe('dashboard session: the launch token works once', () => {
  it('trades the launch token for a new session token, once; a second load of the URL gets a clear refusal page', async () => {
    const srv = await start();
    const first = await req(srv.port, `/?token=${srv.token}`);
    expect(first.status).toBe(200);
    noCookie(first);

    const r = await exchange(srv.port, srv.token);
    expect(r.status).toBe(200);
    noCookie(r);
    const { data } = JSON.parse(r.body) as { data: { session: string } };
    expect(data.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(data.session).not.toBe(srv.token);
    expect((await status(srv.port, data.session)).status).toBe(200);

    const again = await exchange(srv.port, srv.token);
    expect(again.status).toBe(410);
    expect(JSON.parse(again.body)).toMatchObject({ ok: false, code: 'TOKEN_USED' });
    noCookie(again);

    const page = await req(srv.port, `/?token=${srv.token}`);
    expect(page.status).toBe(410);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('This link was already used');
    expect(page.body).toContain('run `snooze dashboard` again');
    expect(page.body).not.toContain('CloudSnooze test page');
    expect(page.body).not.toContain('<script');
    noCookie(page);
  });

  it('the launch token never opens the API, before or after the trade', async () => {
    const srv = await start();
    expect((await status(srv.port, srv.token)).status).toBe(401);
    await openSession(srv.port, srv.token);
    expect((await status(srv.port, srv.token)).status).toBe(401);
  });

  it('a wrong token is refused without spending the real one', async () => {
    const srv = await start();
    const wrong = await exchange(srv.port, `${srv.token}x`);
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect((await req(srv.port, '/?token=nope')).status).toBe(401);
    expect((await exchange(srv.port, '')).status).toBe(401);
    expect((await exchange(srv.port, srv.token)).status).toBe(200);
  });

  it('opens a session only with POST and a JSON body (no form, no link, no image can)', async () => {
    const srv = await start();
    const h = { [DASHBOARD_TOKEN_HEADER]: srv.token };
    expect((await req(srv.port, '/api/session', { headers: h })).status).toBe(405);
    expect((await req(srv.port, '/api/session', { method: 'POST', headers: { ...h, 'Content-Type': 'text/plain' }, body: '{}' })).status).toBe(415);
    expect((await exchange(srv.port, srv.token, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await exchange(srv.port, srv.token, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await exchange(srv.port, srv.token)).status).toBe(200);
  });

  it('a session of another dashboard server (a restart) is refused with a message naming the cure', async () => {
    const a = await start();
    const b = await start();
    const sessionA = await openSession(a.port, a.token);
    const r = await status(b.port, sessionA);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error).toMatch(/restarted.*snooze dashboard/);
  });
});

describe('dashboard session: connections without a token cannot hold the slots', () => {
  it('closes an unauthenticated idle connection (one that sends nothing) after the timeout', async () => {
    const srv = await start({ unauthenticatedMs: 300 });
    const ms = await closedWithin(await connect(srv.port), 3000);
    expect(ms).toBeGreaterThanOrEqual(250);
  });

  it('closes a connection that never finishes its headers (headersTimeout)', async () => {
    const srv = await start({ headersMs: 300, unauthenticatedMs: 60_000 });
    const sock = await connect(srv.port);
    let text = '';
    sock.on('data', (d) => (text += d.toString()));
    sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n`);
    await closedWithin(sock, 3000);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a connection that keeps asking for public files without ever sending a token', async () => {
    const srv = await start({ unauthenticatedMs: 500, keepAliveMs: 10_000 });
    const sock = await connect(srv.port);
    let answers = 0;
    sock.on('data', (d) => (answers += (d.toString().match(/HTTP\/1\.1 200/g) ?? []).length));
    const ask = setInterval(() => !sock.destroyed && sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`), 100);
    try {
      const ms = await closedWithin(sock, 3000);
      expect(ms).toBeGreaterThanOrEqual(400);
      expect(answers).toBeGreaterThan(1); // it was served, on one keep-alive connection, until the timer
    } finally {
      clearInterval(ask);
    }
  });

  it('keeps a connection that carried the session token (the live stream) past that timeout', async () => {
    const srv = await start({ unauthenticatedMs: 300 });
    const session = await openSession(srv.port, srv.token);
    const sock = await connect(srv.port);
    let text = '';
    sock.on('data', (d) => (text += d.toString()));
    sock.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n${DASHBOARD_TOKEN_HEADER}: ${session}\r\n\r\n`);
    await expect(closedWithin(sock, 1200)).rejects.toThrow(/still open/);
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    expect(text).toContain('event: event');
    expect(text.toLowerCase()).not.toContain('set-cookie');
    sock.destroy();
  });

  it(`${MAX_CONNECTIONS} idle connections without a token lock the owner out only until the timer frees them`, async () => {
    const srv = await start({ unauthenticatedMs: 1500 });
    const session = await openSession(srv.port, srv.token);
    const squatters = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => connect(srv.port)));
    const closed = squatters.map((s) => closedWithin(s, 5000));
    try {
      // Node drops a connection over maxConnections at once: the owner is locked out for now.
      await expect(status(srv.port, session)).rejects.toThrow();
      await Promise.all(closed);
      expect((await status(srv.port, session)).status).toBe(200);
    } finally {
      for (const s of squatters) s.destroy();
    }
  });
});
