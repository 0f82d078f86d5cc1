/**
 * The dashboard as a person sees it, at a desktop width (1280 px) and a phone width
 * (375 px), against the real agent (local mode) and the real `snooze dashboard`: nothing
 * wider than the window and every tab reachable; the countdown in the tab title; one
 * browser notification per final warning, asked from a click; holds listed while the
 * metrics keep the box awake; Release naming what it releases and disabled with nothing
 * held; postpone and stay-awake choices reaching the agent; each refused setting on its
 * own field; history filtered, paged and exported as CSV. Screenshots: /tmp/dash-shots/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALWAYS_IDLE, ROOT, SNOOZE, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';
import { HISTORY_CSV_HEADER } from '../../renderer/history-csv.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = '/tmp/dash-shots';
const haveChromium = existsSync(CHROMIUM);
const WIDTHS = [1280, 375] as const;

/** Seeded before the agent starts: enough for three pages, with cells a spreadsheet must not run. */
const SEEDED = 130;
function seedHistory(file: string): void {
  const t0 = Date.parse('2026-01-10T08:00:00Z');
  const lines: string[] = [];
  for (let i = 1; i <= SEEDED; i++) {
    const type = i % 10 === 0 ? 'warning' : 'postpone';
    const message = i === 7 ? '=HYPERLINK("http://x","click"), with a comma' : `seeded event ${i}`;
    lines.push(JSON.stringify({ id: i, time: new Date(t0 + i * 60_000).toISOString().replace('.000Z', 'Z'), type, message }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

let agent: AgentHandle;
let dashboard: ChildProcess | null = null;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

/** Waits for the agent to hold a postponement; the minutes left in it. */
async function postponedMinutes(what: string): Promise<number> {
  const s = await waitFor(async () => {
    const x = await agent.req('STATUS');
    return x.postponed_until ? x : null;
  }, 10_000, what);
  return (Date.parse(s.postponed_until!) - Date.now()) / 60_000;
}

async function shot(name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/** Nothing on the page is wider than the window, and every tab lies inside it. */
async function fitsWindow(): Promise<void> {
  const m = await page.evaluate(() => ({
    scroll: document.scrollingElement!.scrollWidth,
    inner: window.innerWidth,
    tabs: [...document.querySelectorAll('[role="tab"]')].map((t) => {
      const r = t.getBoundingClientRect();
      return { left: r.left, right: r.right };
    }),
  }));
  expect(m.scroll, `page ${m.scroll} px wide in a ${m.inner} px window`).toBeLessThanOrEqual(m.inner);
  expect(m.tabs).toHaveLength(3);
  for (const t of m.tabs) {
    expect(t.left).toBeGreaterThanOrEqual(0);
    expect(t.right).toBeLessThanOrEqual(m.inner);
  }
}

const stateText = async () => (await page.getByTestId('state').textContent())?.trim() ?? '';
const tab = (name: string) => page.getByRole('tab', { name });

describe.skipIf(!haveChromium)('dashboard views at 1280 px and 375 px against a real agent', () => {
  beforeAll(async () => {
    for (const f of ['dist/agent/snoozed.js', 'dist/agent/snooze.js', 'dist/renderer/index.html']) {
      if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run npm run build first`);
    }
    mkdirSync(SHOTS, { recursive: true });
    const dir = tempDir('cs-views-');
    seedHistory(path.join(dir, 'history.jsonl'));
    agent = await startAgent({
      dir,
      config: { ...ALWAYS_IDLE, naptime_minutes: 0.5, warning_minutes: 0.2, input_idle_threshold_secs: 0 },
    });
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    dashboard = spawn(process.execPath, [SNOOZE, '--socket', agent.socket, 'dashboard', '--port', '0', '--no-open'], { cwd: ROOT, env });
    let stdout = '';
    dashboard.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = (await waitFor(() => (stdout.includes('\n') ? stdout : null), 15_000, 'the dashboard URL')).trim();

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    // A zone other than the host's (UTC here): the page must say which zone its times are in.
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', acceptDownloads: true, timezoneId: 'Europe/Berlin' });
    // Records every notification the page shows; the real constructor still runs.
    await context.addInitScript(() => {
      const w = window as unknown as { __notices: Array<{ title: string; body: string }>; Notification: typeof Notification };
      w.__notices = [];
      const Real = w.Notification;
      if (!Real) return;
      class Recorded extends Real {
        constructor(title: string, options?: NotificationOptions) {
          w.__notices.push({ title, body: options?.body ?? '' });
          super(title, options);
        }
      }
      w.Notification = Recorded;
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.getByTestId('sampled-at').waitFor({ timeout: 15_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    dashboard?.kill('SIGTERM');
    await agent?.stop();
  });

  it('says "would stop" in local mode, counts down in the tab title, and names the zone of its times', async () => {
    await page.getByTestId('countdown').waitFor({ timeout: 30_000 });
    expect(await stateText()).toMatch(/^(Idle — would stop in|Final warning — would stop in)$/);
    expect(await page.getByTestId('mode-note').textContent()).toContain('nothing is stopped');
    expect(await page.getByTestId('hero-detail').textContent()).toMatch(/^Would stop at \d\d:\d\d:\d\d; nothing is stopped in this mode$/);
    expect(await page.getByTestId('zone').textContent()).toMatch(/times in Europe\/Berlin, UTC\+0[12]:00$/);
    const title = await page.title();
    expect(title).toMatch(/^(⚠ )?\d\d:\d\d until it would stop · CloudSnooze$/);
    await waitFor(async () => (await page.title()) !== title && /until it would stop/.test(await page.title()), 5000, 'the title to tick');
    for (const w of WIDTHS) {
      await page.setViewportSize({ width: w, height: 900 });
      await fitsWindow();
      await shot(`dashboard-${w}.png`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('asks for notifications only from a click, survives a refusal, and notifies once per final warning', async () => {
    const offer = page.getByTestId('notice-offer');
    expect(await offer.count()).toBe(1);
    // Headless Chromium refuses the prompt: the offer goes, nothing breaks.
    await offer.getByRole('button').click();
    await offer.waitFor({ state: 'detached', timeout: 5000 });
    expect(await page.evaluate(() => (window as unknown as { __notices: unknown[] }).__notices.length)).toBe(0);
    // Asked once: not offered again after a reload, whatever the answer was.
    await page.reload();
    await page.getByTestId('sampled-at').waitFor({ timeout: 15_000 });
    expect(await offer.count()).toBe(0);

    await context.grantPermissions(['notifications']);
    const notices = () => page.evaluate(() => (window as unknown as { __notices: Array<{ title: string; body: string }> }).__notices);
    await waitFor(async () => (await notices()).length > 0, 45_000, 'a notification at the final warning');
    const first = (await notices())[0]!;
    expect(first.title).toMatch(/^CloudSnooze would stop this instance in \d\d:\d\d$/);
    expect(first.body).toContain('nothing is stopped');
    // Still in the same warning a moment later: no second notice.
    await new Promise((r) => setTimeout(r, 2500));
    const states = await stateText();
    if (states.startsWith('Final warning')) expect(await notices()).toHaveLength(1);
    expect(await page.title()).toMatch(/until it would stop|Active|CloudSnooze/);
  });

  it('keeps a postponement in view while the metrics keep the box awake, and Release says what it releases', async () => {
    await page.getByRole('button', { name: 'Postpone 1 h', exact: true }).click();
    const minutes = await postponedMinutes('the postponement');
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60.1);

    // Busy: every sample is now above the memory threshold.
    await agent.req('CONFIG_SET', { values: { memory_threshold_percent: 1 } });
    await waitFor(async () => (await stateText()) === 'Active', 15_000, 'Active on screen');
    const hold = page.getByTestId('holds').locator('li').first();
    await waitFor(async () => /^Postponed until \d\d:\d\d — and active now: memory \d+(\.\d)? %/.test((await hold.textContent()) ?? ''), 10_000, 'the hold line');
    expect(await page.getByTestId('hero-detail').count()).toBe(0);
    const release = page.getByRole('button', { name: 'Release postponement', exact: true });
    expect(await release.getAttribute('aria-disabled')).toBe('false');
    for (const w of WIDTHS) {
      await page.setViewportSize({ width: w, height: 900 });
      await fitsWindow();
      await shot(`dashboard-busy-hold-${w}.png`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // Stay awake for 4 hours with a reason: both holds listed, Release names both.
    await page.getByRole('button', { name: 'Stay awake…' }).click();
    await page.getByRole('radio', { name: '4 hours' }).check();
    await page.getByLabel('Reason (optional)').fill('training run, epoch 3');
    await shot('dashboard-stay-panel-1280.png');
    await page.getByRole('form', { name: 'Stay awake' }).getByRole('button', { name: 'Stay awake', exact: true }).click();
    const st = await waitFor(async () => {
      const x = await agent.req('STATUS');
      return x.stay_awake ? x : null;
    }, 10_000, 'the stay-awake');
    expect(st.stay_awake!.reason).toBe('training run, epoch 3');
    const hours = (Date.parse(st.stay_awake!.until!) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(3.95);
    expect(hours).toBeLessThanOrEqual(4.01);
    const both = page.getByRole('button', { name: 'Release postponement and stay-awake', exact: true });
    await both.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('holds').textContent()).toContain('Staying awake until');
    expect(await page.getByTestId('holds').textContent()).toContain('training run, epoch 3');

    await both.click();
    await waitFor(async () => {
      const x = await agent.req('STATUS');
      return x.stay_awake === null && x.postponed_until === null;
    }, 10_000, 'the release');
    const none = page.getByRole('button', { name: 'Release', exact: true });
    await none.waitFor({ timeout: 10_000 });
    expect(await none.getAttribute('aria-disabled')).toBe('true');
    expect(await page.getByTestId('release-note').textContent()).toBe('Nothing to release.');
    expect(await page.getByTestId('holds').count()).toBe(0);
    // Pressing it anyway (Playwright itself treats aria-disabled as disabled) changes nothing.
    await none.click({ force: true });
    expect((await agent.req('STATUS')).postponed_until).toBeNull();
  });

  it('postpones by a custom time and refuses a time that is not one, on its field', async () => {
    await page.getByRole('button', { name: 'Postpone by another time' }).click();
    const input = page.locator('#postpone-custom');
    await input.fill('0');
    await page.getByRole('form', { name: 'Postpone by another time' }).getByRole('button', { name: 'Postpone', exact: true }).click();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await input.getAttribute('aria-describedby')).toBe('postpone-custom-error');
    expect(await page.locator('#postpone-custom-error').textContent()).toBe('Enter a time longer than zero.');
    await input.fill('1.5');
    await page.getByLabel('Unit').selectOption('hours');
    await page.getByRole('form', { name: 'Postpone by another time' }).getByRole('button', { name: 'Postpone', exact: true }).click();
    const minutes = await postponedMinutes('the custom postponement');
    expect(minutes).toBeGreaterThan(88);
    expect(minutes).toBeLessThanOrEqual(90.1);
    await page.getByRole('button', { name: 'Release postponement', exact: true }).click();
    await waitFor(async () => (await agent.req('STATUS')).postponed_until === null, 10_000, 'the release');
    await agent.req('CONFIG_SET', { values: { memory_threshold_percent: 100 } });
  });

  it('puts each refused setting on its own field (aria-invalid, aria-describedby) and changes nothing', async () => {
    await tab('Settings').click();
    const cpu = page.getByLabel('CPU (%)');
    await cpu.waitFor();
    expect(await page.getByTestId('note-dry_run').textContent()).toContain('Local mode');
    const before = await agent.req('CONFIG_GET');
    await cpu.fill('150');
    const interval = page.getByLabel('Check interval (s)');
    await interval.fill('1.5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('error-cpu_threshold_percent').waitFor({ timeout: 10_000 });
    for (const [field, key] of [
      [cpu, 'cpu_threshold_percent'],
      [interval, 'check_interval_seconds'],
    ] as const) {
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      expect((await field.getAttribute('aria-describedby'))?.split(' ')).toContain(`err-${key}`);
      const text = (await page.locator(`#err-${key}`).textContent()) ?? '';
      expect(text.length).toBeGreaterThan(5);
      expect(text).not.toMatch(/CONFIG_SET|;/);
    }
    // The agent's own per-field words, not the label glued onto a split sentence ("CPU: CPU threshold …").
    expect(await page.locator('#err-cpu_threshold_percent').textContent()).toBe('CPU threshold must be at most 100 % (you entered 150)');
    expect(await page.locator('#err-check_interval_seconds').textContent()).toBe('Check interval must be a whole number of seconds (you entered 1.5)');
    expect(await page.getByText('Not saved: see the 2 highlighted fields.').count()).toBe(1);
    expect(await agent.req('CONFIG_GET')).toEqual(before);
    for (const w of WIDTHS) {
      await page.setViewportSize({ width: w, height: 900 });
      await fitsWindow();
      await shot(`settings-errors-${w}.png`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('button', { name: 'Discard changes' }).click();
    expect(await cpu.getAttribute('aria-invalid')).toBeNull();
  });

  it('filters history by type, pages through it, and exports the filtered events as CSV in UTC', async () => {
    await tab('History').click();
    const rows = page.getByTestId('history-rows').locator('tr');
    await waitFor(async () => (await rows.count()) === 50, 10_000, 'a page of 50 rows');
    expect(await page.getByTestId('page-range').textContent()).toBe('Events 1–50');
    expect(await page.getByTestId('history-zone').textContent()).toContain('Europe/Berlin');
    // Local time on screen: the seeded event at 10:10 UTC reads 11:10 in Berlin (UTC+1 in January), UTC kept in its title.
    const seeded = page.locator('tr[data-id="130"] time');
    expect(await seeded.textContent()).toBe('2026-01-10 11:10:00');
    expect(await seeded.getAttribute('title')).toBe('2026-01-10T10:10:00Z');
    const firstId = Number(await rows.first().getAttribute('data-id'));
    await page.getByRole('button', { name: 'Older →' }).click();
    await waitFor(async () => (await page.getByTestId('page-range').textContent()) === 'Events 51–100', 10_000, 'page 2');
    const secondFirst = Number(await rows.first().getAttribute('data-id'));
    expect(secondFirst).toBeLessThan(firstId);
    expect(await page.getByRole('button', { name: '← Newer' }).isDisabled()).toBe(false);
    await page.getByRole('button', { name: '← Newer' }).click();
    await waitFor(async () => (await page.getByTestId('page-range').textContent()) === 'Events 1–50', 10_000, 'back to page 1');
    for (const w of WIDTHS) {
      await page.setViewportSize({ width: w, height: 900 });
      await fitsWindow();
      await shot(`history-${w}.png`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByLabel('Type').selectOption('warning');
    await waitFor(async () => {
      const badges = await page.getByTestId('history-rows').locator('.badge').allTextContents();
      return badges.length > 0 && badges.every((b) => b === 'Warning');
    }, 10_000, 'only warnings');
    const warnings = (await agent.req('HISTORY', { limit: 1000, type: 'warning' })).events;
    expect(await rows.count()).toBe(Math.min(50, warnings.length));

    const downloaded = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await downloaded).path();
    const csv = readFileSync(file, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(HISTORY_CSV_HEADER);
    expect(lines).toHaveLength(warnings.length + 1);
    for (const l of lines.slice(1)) expect(l).toMatch(/^\d+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,warning,/);
    expect(await page.getByTestId('export-note').textContent()).toBe(`Exported ${warnings.length} events (times in UTC).`);

    // All events: the formula cell is defused and quoted.
    await page.getByLabel('Type').selectOption('');
    const all = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const allCsv = readFileSync(await (await all).path(), 'utf8');
    expect(allCsv).toContain(`7,2026-01-10T08:07:00Z,postpone,"'=HYPERLINK(""http://x"",""click""), with a comma",`);
    expect(allCsv.trimEnd().split('\r\n').length).toBeGreaterThan(SEEDED);
  });

  it('fits a 360 px and a 420 px window on every view', async () => {
    for (const w of [360, 420]) {
      await page.setViewportSize({ width: w, height: 800 });
      for (const t of ['Dashboard', 'Settings', 'History']) {
        await tab(t).click();
        await page.waitForTimeout(200);
        await fitsWindow();
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('raised no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
