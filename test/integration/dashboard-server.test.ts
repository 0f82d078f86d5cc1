/**
 * The browser dashboard's server against a stand-in agent socket: Host and Origin checks,
 * the session header on every API route (never a query, never a cookie), the command
 * whitelist, static files without traversal, and the relay of commands and of the
 * stream. The launch token's single use and the connection timeouts are in
 * dashboard-session.test.ts, the `snooze dashboard` command in dashboard-cli.test.ts.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_COMMANDS, DASHBOARD_TOKEN_HEADER } from '../../contract/dashboard-http.js';
import { tokenMatches } from '../../agent/dashboard/auth.js';
import { startDashboardServer, type DashboardServer } from '../../agent/dashboard/server.js';
import { resolveStatic } from '../../agent/dashboard/static.js';
import { FAKE_STATUS, fakeAgent, openSession, req, type FakeAgent } from '../helpers/dashboard.js';

let dir: string;
let root: string;
let srv: DashboardServer;
let agent: FakeAgent;
let socketPath: string;
let session: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cs-dash-'));
  root = path.join(dir, 'renderer');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>CloudSnooze test page</title>');
  writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(path.join(root, 'assets', 'app.css'), 'body{}');
  writeFileSync(path.join(dir, 'secret.txt'), 'TOP-SECRET');
  symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  socketPath = path.join(dir, 'agent.sock');
  agent = await fakeAgent(socketPath);
  srv = await startDashboardServer({ socketPath, rendererDir: root, port: 0, commandTimeoutMs: 2000 });
  session = await openSession(srv.port, srv.token);
});

afterAll(async () => {
  await srv?.close();
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ [DASHBOARD_TOKEN_HEADER]: session });
const post = (name: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
  req(srv.port, `/api/${name}`, { method: 'POST', headers: { ...auth(), ...headers }, body: JSON.stringify(body) });

describe('dashboard server: access control', () => {
  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/?token=${srv.token}`);
    expect(srv.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).not.toBe(srv.token);
  });

  it('serves the page with security headers, no cookie and no CORS', async () => {
    const r = await req(srv.port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('CloudSnooze test page');
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['content-security-policy']).not.toContain('unsafe-eval');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses API requests without the session header with 401 and a clear message, without asking the agent', async () => {
    const before = agent.commands.length;
    const api = await req(srv.port, '/api/STATUS', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(api.body).toContain('no session token');
    expect(api.body).toContain('snooze dashboard');
    expect((await req(srv.port, '/api/connection')).status).toBe(401);
    expect((await req(srv.port, '/api/stream')).status).toBe(401);
    expect(agent.commands.length).toBe(before);
  });

  it('refuses a wrong session token, and the launch token in place of a session', async () => {
    const h = await req(srv.port, '/api/connection', { headers: { [DASHBOARD_TOKEN_HEADER]: 'A'.repeat(43) } });
    expect(h.status).toBe(401);
    expect(h.body).toContain('session is not known here');
    const launch = await req(srv.port, '/api/connection', { headers: { [DASHBOARD_TOKEN_HEADER]: srv.token } });
    expect(launch.status).toBe(401);
  });

  it('takes the session token from the header only: not a query string, not a cookie', async () => {
    const json = { 'Content-Type': 'application/json' };
    expect((await req(srv.port, `/api/STATUS?token=${session}`, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
    expect((await req(srv.port, `/api/stream?token=${session}`)).status).toBe(401);
    for (const cookie of [`token=${session}`, `cloudsnooze_token_${srv.port}=${session}`, `${DASHBOARD_TOKEN_HEADER}=${session}`]) {
      const r = await req(srv.port, '/api/STATUS', { method: 'POST', headers: { ...json, Cookie: cookie }, body: '{}' });
      expect(r.status, cookie).toBe(401);
    }
  });

  it('refuses a wrong Host with 403 even with the right token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${srv.port}`, `127.0.0.1:${srv.port + 1}`, `0.0.0.0:${srv.port}`]) {
      const r = await req(srv.port, '/api/connection', { headers: { ...auth(), Host: host } });
      expect(r.status, host).toBe(403);
      expect(r.body).toContain('only 127.0.0.1:');
      const p = await req(srv.port, '/', { headers: { Host: host } });
      expect(p.status, host).toBe(403);
      expect(p.body).not.toContain('CloudSnooze test page');
    }
    expect((await req(srv.port, '/api/connection', { headers: { ...auth(), Host: `localhost:${srv.port}` } })).status).toBe(200);
  });

  it('refuses cross-origin and cross-site requests with 403', async () => {
    const r = await post('STATUS', {}, { 'Content-Type': 'application/json', Origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    const s = await req(srv.port, '/api/connection', { headers: { ...auth(), 'Sec-Fetch-Site': 'cross-site' } });
    expect(s.status).toBe(403);
    expect((await req(srv.port, '/', { headers: { 'Sec-Fetch-Site': 'same-site' } })).status).toBe(403);
    const same = await req(srv.port, '/api/connection', { headers: { ...auth(), 'Sec-Fetch-Site': 'same-origin', Origin: `http://127.0.0.1:${srv.port}` } });
    expect(same.status).toBe(200);
    // Following the printed link from elsewhere (the file:// redirect --open writes) is a cross-site navigation:
    // let through to the token check (here: the launch token is spent), never to the API.
    const nav = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' };
    expect((await req(srv.port, `/?token=${srv.token}`, { headers: nav })).status).toBe(410);
    expect((await req(srv.port, '/', { headers: nav })).status).toBe(403);
    expect((await req(srv.port, '/api/stream?token=x', { headers: { ...nav, ...auth() } })).status).toBe(403);
  });
});

describe('dashboard server: static files', () => {
  it('serves assets without a token, with the right content type', async () => {
    const js = await req(srv.port, '/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).toContain('console.log');
    const css = await req(srv.port, '/assets/app.css');
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect((await req(srv.port, '/assets/missing.js')).status).toBe(404);
    expect((await req(srv.port, '/assets')).status).toBe(404);
  });

  it('refuses path traversal in every spelling, and symlinks out of the folder', async () => {
    for (const p of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/assets/link.txt',
      '/index.html%00.js',
      '/%E0%A4%A',
    ]) {
      const r = await req(srv.port, p);
      expect(r.status, p).toBe(404);
      expect(r.body, p).not.toContain('TOP-SECRET');
      expect(r.body, p).not.toContain('root:');
    }
  });

  it('resolveStatic keeps paths inside the root', async () => {
    expect(await resolveStatic(root, '/')).toBe(path.join(root, 'index.html'));
    expect(await resolveStatic(root, '/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
    expect(await resolveStatic(root, '/../secret.txt')).toBeNull();
    expect(await resolveStatic(root, '/assets/link.txt')).toBeNull();
    expect(await resolveStatic(path.join(dir, 'nowhere'), '/index.html')).toBeNull();
  });

  it('allows only GET and HEAD for pages', async () => {
    expect((await req(srv.port, '/index.html', { method: 'POST' })).status).toBe(405);
    const head = await req(srv.port, '/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('dashboard server: commands and stream', () => {
  it('relays a whitelisted command to the agent and returns its data as a Result', async () => {
    const r = await post('STATUS', {});
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, data: FAKE_STATUS });
  });

  it("returns the agent's validation error as a value", async () => {
    const r = await post('CONFIG_SET', { values: { cpu_threshold_percent: 150 } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: 'cpu_threshold_percent must be at most 100 (got 150)', code: 'INVALID_CONFIG' });
  });

  it('refuses commands outside the whitelist without asking the agent', async () => {
    const before = agent.commands.length;
    for (const name of ['INPUT_ACTIVITY', 'SUBSCRIBE', 'SHUTDOWN', 'status', '..%2fSTATUS']) {
      const r = await post(name, { idle_secs: 0 });
      expect(r.status, name).toBe(403);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, code: 'NOT_ALLOWED' });
    }
    expect(agent.commands.length).toBe(before);
    expect(DASHBOARD_COMMANDS).not.toContain('INPUT_ACTIVITY');
  });

  it('accepts commands only as POST with a JSON object body', async () => {
    const json = { ...auth(), 'Content-Type': 'application/json' };
    expect((await req(srv.port, '/api/STATUS', { headers: auth() })).status).toBe(405);
    expect((await post('STATUS', {}, { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await req(srv.port, '/api/STATUS', { method: 'POST', headers: json, body: '[1]' })).status).toBe(400);
    expect((await req(srv.port, '/api/STATUS', { method: 'POST', headers: json, body: '{oops' })).status).toBe(400);
    const big = await req(srv.port, '/api/STATUS', { method: 'POST', headers: json, body: JSON.stringify({ x: 'y'.repeat(70 * 1024) }) });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('reports the connection state', async () => {
    const r = await req(srv.port, '/api/connection', { headers: auth() });
    expect(JSON.parse(r.body)).toEqual({ online: true });
  });

  it('streams connection, status and event frames over SSE to a request with the session header', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      let acc = '';
      const headers = { Host: `127.0.0.1:${srv.port}`, ...auth() };
      const r = http.get({ host: '127.0.0.1', port: srv.port, path: '/api/stream', agent: false, headers }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        expect(res.headers['set-cookie']).toBeUndefined();
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          acc += c;
          if (acc.includes('event: event')) {
            r.destroy();
            resolve(acc);
          }
        });
      });
      r.on('error', reject);
      setTimeout(() => reject(new Error(`no event frame in: ${acc}`)), 5000);
    });
    expect(text).toContain('event: connection\ndata: {"online":true}');
    expect(text).toContain('"marker":"fake-agent"');
    expect(text).toMatch(/event: event\ndata: \{"id":7/);
  });

  it('says the agent is not running when the socket does not answer', async () => {
    const lone = await startDashboardServer({ socketPath: path.join(dir, 'none.sock'), rendererDir: root, port: 0 });
    try {
      const h = { [DASHBOARD_TOKEN_HEADER]: await openSession(lone.port, lone.token) };
      const r = await req(lone.port, '/api/STATUS', { method: 'POST', headers: { ...h, 'Content-Type': 'application/json' }, body: '{}' });
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, code: 'NOT_RUNNING' });
      const c = JSON.parse((await req(lone.port, '/api/connection', { headers: h })).body);
      expect(c.online).toBe(false);
      expect(c.error).toMatch(/not running/);
    } finally {
      await lone.close();
    }
  });
});

describe('tokenMatches', () => {
  it('compares in constant time whatever the lengths, and nothing matches an unset token', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
    expect(tokenMatches('abcabc', 'abc')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });
});
