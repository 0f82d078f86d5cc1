/**
 * The browser dashboard's bridge server against a stand-in agent socket: the token,
 * Host and Origin checks, the command whitelist, static files without traversal, the
 * relay of commands and of the stream, and `snooze dashboard`'s one printed line.
 */
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_COMMANDS,
  cookieName,
  resolveStatic,
  startDashboardServer,
  tokenMatches,
  type DashboardServer,
} from '../../agent/dashboard/server.js';
import { DEFAULT_DASHBOARD_PORT, runDashboard } from '../../agent/cli/dashboard.js';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function req(port: number, p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    r.on('error', reject);
    r.setTimeout(5000, () => r.destroy(new Error(`timeout on ${p}`)));
    r.end(opts.body);
  });
}

const FAKE_STATUS = { state: 'active', sampled_at: '2024-01-01T00:00:00Z', marker: 'fake-agent' };

/** A stand-in agent: answers STATUS and CONFIG_SET (refusing cpu 150), acks SUBSCRIBE and sends one frame. */
function fakeAgent(socketPath: string): Promise<{ close(): Promise<void>; commands: string[] }> {
  const commands: string[] = [];
  const server = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const { command, params } = JSON.parse(line) as { command: string; params: Record<string, unknown> };
        commands.push(command);
        if (command === 'STATUS') sock.write(`${JSON.stringify({ success: true, data: FAKE_STATUS })}\n`);
        else if (command === 'SUBSCRIBE') {
          sock.write(`${JSON.stringify({ success: true, data: { subscribed: true } })}\n`);
          setTimeout(() => sock.write(`${JSON.stringify({ frame: 'event', data: { id: 7, time: '2024-01-01T00:00:01Z', type: 'postpone', message: 'x' } })}\n`), 50);
        } else if (command === 'CONFIG_SET') {
          const values = params.values as Record<string, unknown>;
          if (values.cpu_threshold_percent === 150) {
            sock.write(`${JSON.stringify({ success: false, error: 'cpu_threshold_percent must be at most 100 (got 150)', code: 'INVALID_CONFIG' })}\n`);
          } else sock.write(`${JSON.stringify({ success: true, data: values })}\n`);
        } else sock.write(`${JSON.stringify({ success: false, error: `unexpected ${command}`, code: 'UNKNOWN_COMMAND' })}\n`);
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(socketPath, () =>
      resolve({
        commands,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
          }),
      }),
    ),
  );
}

let dir: string;
let root: string;
let srv: DashboardServer;
let agent: Awaited<ReturnType<typeof fakeAgent>>;
let socketPath: string;

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
});

afterAll(async () => {
  await srv?.close();
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ 'X-CloudSnooze-Token': srv.token });
const cookie = () => ({ Cookie: `${cookieName(srv.port)}=${srv.token}` });

describe('dashboard server: access control', () => {
  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(srv.url).toBe(`http://127.0.0.1:${srv.port}/?token=${srv.token}`);
    expect(srv.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('serves the page with ?token=, sets an HttpOnly SameSite=Strict cookie and security headers, no CORS', async () => {
    const r = await req(srv.port, `/?token=${srv.token}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('CloudSnooze test page');
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    const setCookie = String(r.headers['set-cookie']);
    expect(setCookie).toContain(`${cookieName(srv.port)}=${srv.token}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['content-security-policy']).not.toContain('unsafe-eval');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a request without a token with 401 and a clear message', async () => {
    const page = await req(srv.port, '/');
    expect(page.status).toBe(401);
    expect(page.body).toContain('token is missing');
    expect(page.body).not.toContain('CloudSnooze test page');
    const api = await req(srv.port, '/api/STATUS', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(agent.commands).not.toContain('STATUS');
  });

  it('refuses a wrong token (query, header or cookie) with 401', async () => {
    expect((await req(srv.port, '/?token=nope')).status).toBe(401);
    expect((await req(srv.port, `/?token=${srv.token}x`)).status).toBe(401);
    const h = await req(srv.port, '/api/connection', { headers: { 'X-CloudSnooze-Token': 'A'.repeat(43) } });
    expect(h.status).toBe(401);
    expect(h.body).toContain('token is wrong');
    expect((await req(srv.port, '/', { headers: { Cookie: `${cookieName(srv.port)}=wrong` } })).status).toBe(401);
    // A cookie for another dashboard's port does not open this one.
    expect((await req(srv.port, '/', { headers: { Cookie: `${cookieName(srv.port + 1)}=${srv.token}` } })).status).toBe(401);
  });

  it('does not take the token from the query string of a command (POST)', async () => {
    const r = await req(srv.port, `/api/STATUS?token=${srv.token}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(401);
  });

  it('refuses a wrong Host with 403 even with the right token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${srv.port}`, `127.0.0.1:${srv.port + 1}`, `0.0.0.0:${srv.port}`]) {
      const r = await req(srv.port, `/?token=${srv.token}`, { headers: { Host: host } });
      expect(r.status, host).toBe(403);
      expect(r.body).toContain('only 127.0.0.1:');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
    expect((await req(srv.port, `/?token=${srv.token}`, { headers: { Host: `localhost:${srv.port}` } })).status).toBe(200);
  });

  it('refuses cross-origin and cross-site requests with 403', async () => {
    const r = await req(srv.port, '/api/STATUS', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(r.status).toBe(403);
    const s = await req(srv.port, '/', { headers: { ...cookie(), 'Sec-Fetch-Site': 'cross-site' } });
    expect(s.status).toBe(403);
    const same = await req(srv.port, '/', { headers: { ...cookie(), 'Sec-Fetch-Site': 'same-origin', Origin: `http://127.0.0.1:${srv.port}` } });
    expect(same.status).toBe(200);
    // Following the printed link from elsewhere (the file:// redirect --open writes) is a cross-site navigation.
    const nav = { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' };
    expect((await req(srv.port, `/?token=${srv.token}`, { headers: nav })).status).toBe(200);
    expect((await req(srv.port, '/', { headers: { ...nav, ...cookie() } })).status).toBe(403);
    expect((await req(srv.port, `/api/stream?token=${srv.token}`, { headers: nav })).status).toBe(403);
  });
});

describe('dashboard server: static files', () => {
  it('serves assets with the cookie and the right content type', async () => {
    const js = await req(srv.port, '/assets/app.js', { headers: cookie() });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).toContain('console.log');
    const css = await req(srv.port, '/assets/app.css', { headers: cookie() });
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect((await req(srv.port, '/assets/missing.js', { headers: cookie() })).status).toBe(404);
    expect((await req(srv.port, '/assets', { headers: cookie() })).status).toBe(404);
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
      const r = await req(srv.port, p, { headers: cookie() });
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
    const r = await req(srv.port, '/index.html', { method: 'POST', headers: cookie() });
    expect(r.status).toBe(405);
    const head = await req(srv.port, '/index.html', { method: 'HEAD', headers: cookie() });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('dashboard server: commands and stream', () => {
  const post = (name: string, body: unknown, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    req(srv.port, `/api/${name}`, { method: 'POST', headers: { ...auth(), ...headers }, body: JSON.stringify(body) });

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
    expect((await req(srv.port, '/api/STATUS', { headers: auth() })).status).toBe(405);
    expect((await post('STATUS', {}, { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await req(srv.port, '/api/STATUS', { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: '[1]' })).status).toBe(400);
    expect((await req(srv.port, '/api/STATUS', { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: '{oops' })).status).toBe(400);
    const big = await req(srv.port, '/api/STATUS', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ x: 'y'.repeat(70 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('reports the connection state', async () => {
    const r = await req(srv.port, '/api/connection', { headers: auth() });
    expect(JSON.parse(r.body)).toEqual({ online: true });
  });

  it('streams connection, status and event frames over SSE', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      let acc = '';
      const r = http.get({ host: '127.0.0.1', port: srv.port, path: '/api/stream', headers: { Host: `127.0.0.1:${srv.port}`, ...cookie() } }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
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
      const r = await req(lone.port, '/api/STATUS', { method: 'POST', headers: { 'X-CloudSnooze-Token': lone.token, 'Content-Type': 'application/json' }, body: '{}' });
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, code: 'NOT_RUNNING' });
      const c = JSON.parse((await req(lone.port, '/api/connection', { headers: { 'X-CloudSnooze-Token': lone.token } })).body);
      expect(c.online).toBe(false);
      expect(c.error).toMatch(/not running/);
    } finally {
      await lone.close();
    }
  });
});

describe('tokenMatches', () => {
  it('compares in constant time whatever the lengths', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abd', 'abc')).toBe(false);
    expect(tokenMatches('', 'abc')).toBe(false);
    expect(tokenMatches(null, 'abc')).toBe(false);
    expect(tokenMatches('abcabc', 'abc')).toBe(false);
  });
});

describe('snooze dashboard command', () => {
  it('prints exactly one line, the URL, and serves until aborted', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const ac = new AbortController();
    const done = runDashboard(['--port', '0', '--no-open'], {
      out: (s) => out.push(s),
      err: (s) => err.push(s),
      env: { CLOUDSNOOZE_RENDERER_DIR: root },
      socketPath,
      signal: ac.signal,
    });
    for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(out).toHaveLength(1);
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43})$/.exec(out[0]!);
    expect(m, out[0]).not.toBeNull();
    const page = await req(Number(m![1]), `/?token=${m![2]}`);
    expect(page.status).toBe(200);
    ac.abort();
    expect(await done).toBe(0);
    expect(out).toHaveLength(1);
  });

  it('falls back to a free port when the default one is taken, but not when --port named it', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => {
      blocker.once('error', () => resolve()); // already taken by someone else: just as good
      blocker.listen(DEFAULT_DASHBOARD_PORT, '127.0.0.1', () => resolve());
    });
    try {
      const out: string[] = [];
      const ac = new AbortController();
      const io = { out: (s: string) => out.push(s), err: () => {}, env: { CLOUDSNOOZE_RENDERER_DIR: root }, socketPath, signal: ac.signal };
      const done = runDashboard(['--no-open'], io);
      for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(out[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(out[0]).not.toContain(`:${DEFAULT_DASHBOARD_PORT}/`);
      ac.abort();
      expect(await done).toBe(0);

      const err: string[] = [];
      const code = await runDashboard(['--port', String(DEFAULT_DASHBOARD_PORT), '--no-open'], { ...io, err: (s: string) => err.push(s) });
      expect(code).toBe(1);
      expect(err.join('\n')).toContain('already in use');
    } finally {
      await new Promise((r) => blocker.close(() => r(undefined)));
    }
  });

  it('refuses a bad --port and an unknown flag with usage (exit 2)', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (s: string) => err.push(s), env: { CLOUDSNOOZE_RENDERER_DIR: root }, socketPath };
    expect(await runDashboard(['--port', '70000'], io)).toBe(2);
    expect(err.join('\n')).toContain('--port must be a number from 0 to 65535');
    expect(await runDashboard(['--bogus'], io)).toBe(2);
  });

  it('says how to build the dashboard when it is missing (exit 1)', async () => {
    const err: string[] = [];
    const code = await runDashboard(['--no-open'], {
      out: () => {},
      err: (s) => err.push(s),
      env: { CLOUDSNOOZE_RENDERER_DIR: path.join(dir, 'not-built') },
      socketPath,
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/not built.*scripts\/build\.mjs renderer/);
  });
});
