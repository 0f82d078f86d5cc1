/**
 * `snooze dashboard`: prints exactly one line (the URL with its launch token), serves
 * until stopped, falls back from a taken default port, and explains bad flags and a
 * missing build.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DASHBOARD_PORT, runDashboard } from '../../agent/cli/dashboard.js';
import { fakeAgent, req, type FakeAgent } from '../helpers/dashboard.js';

let dir: string;
let root: string;
let socketPath: string;
let agent: FakeAgent;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cs-dash-cli-'));
  root = path.join(dir, 'renderer');
  mkdirSync(root);
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>CloudSnooze test page</title>');
  socketPath = path.join(dir, 'agent.sock');
  agent = await fakeAgent(socketPath);
});

afterAll(async () => {
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
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
    expect(page.body).toContain('CloudSnooze test page');
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
