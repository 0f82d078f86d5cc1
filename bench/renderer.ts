/**
 * The renderer's weight and the cost of one live update, in Debian's Chromium:
 * - js_bytes / js_gzip_bytes: the JavaScript the dashboard loads (dist/renderer/assets,
 *   without the bench-only chunk), raw and gzip -9.
 * - tick_median_ms: one status frame through the real path (bridge → zustand store →
 *   six uPlot setData + redraws → React render of the countdown card), timed in the page
 *   with performance.now(), median over `ticks` frames with ten minutes of samples drawn.
 * - tick_busy_mean_ms: the browser's own main-thread task time per frame (CDP
 *   Performance TaskDuration), so style, layout and paint are counted too;
 *   floor_busy_mean_ms is the same loop pushing nothing (the measuring's own cost).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startDashboardServer } from '../agent/dashboard/server.js';

const CHROMIUM = '/usr/bin/chromium';
const TICKS = 300;
const WARMUP = 30;

export interface RendererBench {
  js_bytes: number;
  js_gzip_bytes: number;
  tick_median_ms: number;
  ticks: number;
  tick_p95_ms: number;
  tick_busy_mean_ms: number;
  floor_busy_mean_ms: number;
}

/** The hook renderer/bench-hook.ts installs with ?bench=1. */
type BenchWindow = { __csBench?: (n: number, mode?: 'tick' | 'floor') => Promise<number[]> };

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

export async function benchRenderer(opts: { root?: string } = {}): Promise<RendererBench> {
  const root = opts.root ?? process.cwd();
  const dir = path.join(root, 'dist/renderer');
  const assets = path.join(dir, 'assets');
  if (!existsSync(path.join(dir, 'index.html'))) throw new Error(`${dir} is not built: run node scripts/build.mjs renderer`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);

  let jsBytes = 0;
  let gzBytes = 0;
  for (const f of readdirSync(assets)) {
    if (!f.endsWith('.js') || f.startsWith('bench-hook')) continue;
    const buf = readFileSync(path.join(assets, f));
    jsBytes += buf.length;
    gzBytes += gzipSync(buf, { level: 9 }).length;
  }

  // No agent: with ?bench=1 the page uses a synthetic API and never calls the bridge's /api.
  const server = await startDashboardServer({ socketPath: path.join(root, '.bench-no-agent.sock'), rendererDir: dir, port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}&bench=1`);
    await page.waitForFunction(() => typeof (window as unknown as BenchWindow).__csBench === 'function', undefined, { timeout: 20_000 });
    await page.getByTestId('countdown').waitFor({ timeout: 20_000 });
    await page.evaluate((n) => (window as unknown as BenchWindow).__csBench!(n), WARMUP);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN;
    };
    const t0 = await taskSeconds();
    const ticks = await page.evaluate((n) => (window as unknown as BenchWindow).__csBench!(n, 'tick'), TICKS);
    const t1 = await taskSeconds();
    await page.evaluate((n) => (window as unknown as BenchWindow).__csBench!(n, 'floor'), TICKS);
    const t2 = await taskSeconds();
    return {
      js_bytes: jsBytes,
      js_gzip_bytes: gzBytes,
      tick_median_ms: quantile(ticks, 0.5),
      ticks: ticks.length,
      tick_p95_ms: quantile(ticks, 0.95),
      tick_busy_mean_ms: ((t1 - t0) * 1000) / TICKS,
      floor_busy_mean_ms: ((t2 - t1) * 1000) / TICKS,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
