/**
 * End to end in Debian's Chromium: a real agent (local mode, fractional naptime), the
 * real `snooze dashboard`, the built renderer. Proves what a user relies on: the values
 * move, the countdown runs, the buttons act on the agent, settings persist and bad ones
 * are refused with the agent's own message, offline is shown and recovers, and the
 * way in: the printed URL works once, the session lives in sessionStorage and a header
 * (never a cookie), survives a reload, and a connection without a token is dropped.
 * Screenshots go to test/artifacts/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { waitFor } from '../helpers/agent.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../lib/client.js';
import { DASHBOARD_ROUTES, DASHBOARD_TOKEN_HEADER } from '../../contract/dashboard-http.js';
import { SESSION_STORAGE_KEY } from '../../renderer/http-session.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const haveChromium = existsSync(CHROMIUM);

const NAPTIME_MINUTES = 0.75;
const WARNING_MINUTES = 0.25;

let tmp: string;
let socketPath: string;
let configPath: string;
let agent: ChildProcess | null = null;
let dashboard: ChildProcess | null = null;
let url: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const logs: string[] = [];
/** Every Set-Cookie the browser was sent, from any response of the dashboard. */
const setCookies: string[] = [];
/** A connection opened at start that never sends a byte: when (ms after opening) the server closed it. */
let squatterClosedAfter: Promise<number>;

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  // Never open a real browser from `snooze dashboard`, whatever the host has.
  delete e.DISPLAY;
  delete e.WAYLAND_DISPLAY;
  return e;
}

/** waitFor with the last agent/dashboard log lines in the failure message. */
function until<T>(what: string, f: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  return waitFor(f, timeoutMs, `${what}\n${logs.slice(-20).join('\n')}`);
}

async function startAgent(): Promise<void> {
  agent = spawn(process.execPath, ['dist/agent/snoozed.js', '--config', configPath, '--socket', socketPath], { cwd: ROOT, env: env() });
  agent.stdout?.on('data', (d: Buffer) => logs.push(`agent: ${d.toString().trim()}`));
  agent.stderr?.on('data', (d: Buffer) => logs.push(`agent! ${d.toString().trim()}`));
  await until('the agent to answer STATUS', () => request(socketPath, 'STATUS', {}, { timeoutMs: 1000 }));
}

function killAgent(): Promise<void> {
  const a = agent;
  agent = null;
  if (!a || a.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    a.once('exit', () => resolve());
    a.kill('SIGKILL');
  });
}

function seconds(mmss: string): number {
  const parts = mmss.trim().split(':').map(Number);
  return parts.reduce((acc, n) => acc * 60 + n, 0);
}

const countdown = () => page.getByTestId('countdown');

/**
 * Waits until the countdown shows less than it did. A higher value means the agent's
 * local-mode "stop" restarted the idle timer in between: that becomes the new reference.
 */
async function ticksDown(what: string): Promise<void> {
  let ref = seconds((await countdown().textContent()) ?? '');
  await until(what, async () => {
    const v = seconds((await countdown().textContent()) ?? '');
    if (v < ref) return true;
    ref = Math.max(ref, v);
    return false;
  });
}
const stateText = async () => (await page.getByTestId('state').textContent())?.trim() ?? '';

async function shot(name: string): Promise<void> {
  // A full-page capture of a scrolled page paints the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

describe.skipIf(!haveChromium)('browser dashboard against a real agent', () => {
  beforeAll(async () => {
    // `npm test` builds before the suites run; rebuilding here would pull dist/ from under other suites.
    for (const f of ['dist/agent/snoozed.js', 'dist/agent/snooze.js', 'dist/renderer/index.html']) {
      if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run npm run build first`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cs-e2e-'));
    socketPath = path.join(tmp, 'agent.sock');
    configPath = path.join(tmp, 'snooze.json');
    // Thresholds at their ceilings: the shared build machine is busy, and the countdown must run.
    writeFileSync(
      configPath,
      JSON.stringify({
        naptime_minutes: NAPTIME_MINUTES,
        warning_minutes: WARNING_MINUTES,
        check_interval_seconds: 1,
        cpu_threshold_percent: 100,
        memory_threshold_percent: 100,
        network_threshold_kbps: 1_000_000,
        disk_io_threshold_kbps: 1_000_000,
        gpu_threshold_percent: 100,
        input_idle_threshold_secs: 0,
        history_path: path.join(tmp, 'history.jsonl'),
        socket_path: socketPath,
      }),
    );
    await startAgent();

    dashboard = spawn(process.execPath, ['dist/agent/snooze.js', '--socket', socketPath, 'dashboard', '--port', '0', '--no-open'], {
      cwd: ROOT,
      env: env(),
    });
    dashboard.stderr?.on('data', (d: Buffer) => logs.push(`dashboard! ${d.toString().trim()}`));
    let stdout = '';
    dashboard.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    url = await until('the dashboard URL', () => (stdout.includes('\n') ? stdout : null), 15_000);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    url = url.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);

    const { port } = new URL(url);
    squatterClosedAfter = new Promise((resolve) => {
      const t0 = Date.now();
      const sock = net.connect(Number(port), '127.0.0.1');
      sock.on('error', () => {});
      sock.on('close', () => resolve(Date.now() - t0));
    });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    context.on('response', (r) => {
      void r.headerValue('set-cookie').then((v) => v !== null && setCookies.push(`${r.url()}: ${v}`));
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(`csp: ${m.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    dashboard?.kill('SIGTERM');
    await killAgent();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('opens with the token, drops it from the address bar, and keeps a session in sessionStorage, not a cookie', async () => {
    const streamHeaders = page.waitForRequest((r) => new URL(r.url()).pathname === DASHBOARD_ROUTES.stream).then((r) => r.allHeaders());
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    await page.getByTestId('sampled-at').waitFor({ timeout: 15_000 });
    expect(page.url()).not.toContain('token=');
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    const launch = new URL(url).searchParams.get('token');
    const session = await page.evaluate((k) => sessionStorage.getItem(k), SESSION_STORAGE_KEY);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).not.toBe(launch);
    expect(await context.cookies()).toEqual([]);
    expect(setCookies).toEqual([]);
    // The live stream (fetch, not EventSource) carries the session in its header, and no cookie.
    const h = await streamHeaders;
    expect(h[DASHBOARD_TOKEN_HEADER.toLowerCase()]).toBe(session);
    expect(h.cookie).toBeUndefined();
  });

  it('shows live values that change', async () => {
    const read = async () => ({
      at: await page.getByTestId('sampled-at').textContent(),
      values: await Promise.all(['cpu', 'memory', 'network', 'disk_io'].map((m) => page.getByTestId(`value-${m}`).textContent())),
    });
    const first = await read();
    expect(first.values.some((v) => v && v !== '—')).toBe(true);
    // A short burst of CPU so a value moves even on an idle host.
    const burn = spawn(process.execPath, ['-e', 'const e = Date.now() + 2500; while (Date.now() < e);']);
    try {
      await until('a newer sample on screen with a different value', async () => {
        const now = await read();
        return now.at !== first.at && now.values.some((v, i) => v !== first.values[i]) ? now : null;
      });
    } finally {
      burn.kill();
    }
    await expect.poll(async () => (await page.getByTestId('instance-mode').textContent())?.trim()).toBe('Local (no cloud actions)');
    await shot('dashboard.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('dashboard-dark.png');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('counts down to naptime', async () => {
    await countdown().waitFor({ timeout: 20_000 });
    // Local mode: nothing is stopped, and the page says so.
    expect(await stateText()).toMatch(/^(Idle|Final warning) — would stop in$/);
    const a = seconds((await countdown().textContent()) ?? '');
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThanOrEqual(NAPTIME_MINUTES * 60);
    await ticksDown('the countdown to tick');
  });

  it('"Postpone 30 min" moves the stop, as the agent confirms', async () => {
    const before = await request(socketPath, 'STATUS');
    await page.getByRole('button', { name: 'Postpone 30 min', exact: true }).click();
    const after = await until('the agent to report the postponement', async () => {
      const s = await request(socketPath, 'STATUS');
      return s.state === 'postponed' && s.postponed_until ? s : null;
    });
    const minutesAhead = (Date.parse(after.postponed_until!) - Date.now()) / 60_000;
    expect(minutesAhead).toBeGreaterThan(29);
    expect(minutesAhead).toBeLessThanOrEqual(30.1);
    expect(Date.parse(after.stop_at!)).toBeGreaterThan(Date.parse(before.stop_at ?? new Date().toISOString()) + 25 * 60_000);
    await until('the postponement on screen', async () => /^Postponed until \d\d:\d\d$/.test(await stateText()));
    const left = seconds((await countdown().textContent()) ?? '');
    expect(left).toBeGreaterThan(29 * 60);
  });

  it('"Stay awake" stops the countdown and "Release" resumes it', async () => {
    // The postponement of the test before is still on: release it first, so the stay-awake is the only hold.
    await page.getByRole('button', { name: 'Release postponement', exact: true }).click();
    await until('the postponement released', async () => (await request(socketPath, 'STATUS')).postponed_until === null);
    await page.getByRole('button', { name: 'Stay awake…' }).click();
    await page.getByRole('radio', { name: 'Until I release it' }).check();
    await page.getByRole('form', { name: 'Stay awake' }).getByRole('button', { name: 'Stay awake', exact: true }).click();
    await until('staying awake on screen', async () => (await stateText()).startsWith('Staying awake'));
    expect(await countdown().count()).toBe(0);
    const s = await request(socketPath, 'STATUS');
    expect(s.state).toBe('stay_awake');
    expect(s.seconds_until_stop).toBeNull();

    await page.getByRole('button', { name: 'Release stay-awake', exact: true }).click();
    await until('the countdown back on screen', async () => (await countdown().count()) === 1);
    expect(await stateText()).toMatch(/^(Idle|Final warning) — would stop in$/);
    expect((await request(socketPath, 'STATUS')).stay_awake).toBeNull();
    await ticksDown('the countdown to tick again');
  });

  it('saves a changed setting, and CONFIG_GET and the config file confirm it', async () => {
    await page.getByRole('tab', { name: 'Settings' }).click();
    const disk = page.getByLabel('Disk I/O (KB/s)');
    await disk.waitFor();
    expect(await disk.inputValue()).toBe('1000000');
    await disk.fill('900000');
    await shot('settings.png');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved (1 setting changed)').waitFor({ timeout: 10_000 });
    const cfg = await request(socketPath, 'CONFIG_GET');
    expect(cfg.disk_io_threshold_kbps).toBe(900_000);
    expect(JSON.parse(readFileSync(configPath, 'utf8')).disk_io_threshold_kbps).toBe(900_000);
  });

  it("refuses an invalid threshold with the agent's error next to the field, and changes nothing", async () => {
    const before = await request(socketPath, 'CONFIG_GET');
    const cpu = page.getByLabel('CPU (%)');
    await cpu.fill('150');
    await page.getByLabel('Memory (%)').fill('99');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const err = page.getByTestId('error-cpu_threshold_percent');
    await err.waitFor({ timeout: 10_000 });
    expect(await err.textContent()).toMatch(/must be at most 100/);
    // The message sits with its field and is announced with it.
    expect(await cpu.getAttribute('aria-invalid')).toBe('true');
    expect(await cpu.getAttribute('aria-describedby')).toContain('err-cpu_threshold_percent');
    await shot('settings-error.png');
    const after = await request(socketPath, 'CONFIG_GET');
    expect(after).toEqual(before);
    expect(after.memory_threshold_percent).toBe(100);
    await page.getByRole('button', { name: 'Discard changes' }).click();
    expect(await cpu.inputValue()).toBe('100');
  });

  it('shows "Agent offline" when the agent dies and recovers when it is back', async () => {
    await page.getByRole('tab', { name: 'Dashboard' }).click();
    await killAgent();
    const alert = page.getByRole('alert').filter({ hasText: 'Agent offline' });
    await alert.waitFor({ timeout: 15_000 });
    expect(await stateText()).toBe('Agent offline');
    expect(await page.getByRole('button', { name: 'Postpone 30 min', exact: true }).isDisabled()).toBe(true);
    await shot('offline.png');

    await startAgent();
    await alert.waitFor({ state: 'detached', timeout: 20_000 });
    await until('live state after the restart', async () => (await stateText()) !== 'Agent offline');
    const at = await page.getByTestId('sampled-at').textContent();
    await until('new samples after the restart', async () => (await page.getByTestId('sampled-at').textContent()) !== at);
  });

  it('lists the history: postpone, stay awake, release and the settings change', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    const rows = page.getByTestId('history-rows').locator('tr');
    await until('history rows', async () => (await rows.count()) >= 5);
    const text = (await page.getByTestId('history-rows').textContent()) ?? '';
    for (const t of ['Postpone', 'Stay awake', 'Release', 'Settings', 'Agent start']) expect(text).toContain(t);
    await shot('history.png');
  });

  it('keeps working after a reload: the session survives in sessionStorage', async () => {
    await page.getByRole('tab', { name: 'Dashboard' }).click();
    const res = await page.reload();
    expect(res?.status()).toBe(200);
    expect(page.url()).not.toContain('token=');
    await page.getByTestId('sampled-at').waitFor({ timeout: 15_000 });
    const at = await page.getByTestId('sampled-at').textContent();
    await until('live samples after the reload', async () => (await page.getByTestId('sampled-at').textContent()) !== at);
    // Commands still carry the session: a hold from the reloaded page reaches the agent.
    expect((await request(socketPath, 'STATUS')).stay_awake).toBeNull();
    await page.getByRole('button', { name: 'Stay awake…' }).click();
    await page.getByRole('form', { name: 'Stay awake' }).getByRole('button', { name: 'Stay awake', exact: true }).click();
    await until('a stay-awake from the reloaded page', async () => (await request(socketPath, 'STATUS')).state === 'stay_awake');
    await page.getByRole('button', { name: 'Release stay-awake', exact: true }).click();
    await until('the release from the reloaded page', async () => (await request(socketPath, 'STATUS')).stay_awake === null);
    expect(await context.cookies()).toEqual([]);
    expect(setCookies).toEqual([]);
  });

  it('the printed URL works once: a second load is refused with a clear page, in any browser profile', async () => {
    const again = await context.newPage();
    const fresh = await browser.newContext();
    try {
      const r = await again.goto(url);
      expect(r?.status()).toBe(410);
      const text = (await again.textContent('body')) ?? '';
      expect(text).toContain('This link was already used');
      expect(text).toContain('run `snooze dashboard` again');
      expect(await again.getByTestId('sampled-at').count()).toBe(0);

      const p = await fresh.newPage();
      expect((await p.goto(url))?.status()).toBe(410);
      // The bare address serves the page, which has no session to work with and says how to get one.
      const bare = await p.goto(new URL(url).origin);
      expect(bare?.status()).toBe(200);
      await p.getByTestId('no-session').waitFor({ timeout: 10_000 });
      expect(await p.getByTestId('no-session').textContent()).toContain('Open the URL that `snooze dashboard` printed');
      expect(await fresh.cookies()).toEqual([]);
    } finally {
      await again.close();
      await fresh.close();
    }
  });

  it('refuses API requests without the session header', async () => {
    const origin = new URL(url).origin;
    const api401 = await fetch(`${origin}/api/POSTPONE`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"minutes":5}' });
    expect(api401.status).toBe(401);
    expect(await api401.text()).toContain('no session token');
    const stream401 = await fetch(`${origin}${DASHBOARD_ROUTES.stream}`);
    expect(stream401.status).toBe(401);
    const launch = new URL(url).searchParams.get('token')!;
    const used = await fetch(`${origin}${DASHBOARD_ROUTES.session}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [DASHBOARD_TOKEN_HEADER]: launch },
      body: '{}',
    });
    expect(used.status).toBe(410);
  });

  it('closed a connection that never sent a token (the server default, 10 s)', async () => {
    const ms = await squatterClosedAfter;
    expect(ms).toBeGreaterThanOrEqual(9_000);
    expect(ms).toBeLessThan(15_000);
  });

  it('raised no page errors and no CSP violations', () => {
    expect(pageErrors).toEqual([]);
  });
});
