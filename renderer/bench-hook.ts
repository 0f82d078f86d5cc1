/**
 * Only for `npm run bench` (page loaded with ?bench=1, a separate chunk otherwise
 * never fetched): a synthetic CloudSnoozeApi and `window.__csBench(n)`, which pushes
 * n status frames through the real bridge → store → graphs path and returns the ms
 * each took (store update, six uPlot redraws, React render).
 */
import type { Config } from '../contract/config-schema.js';
import shippedDefaults from '../config/snooze.json';
import type { Sample, Status } from '../contract/protocol.js';
import type { CloudSnoozeApi } from '../contract/ipc.js';

// The shipped defaults (config/snooze.json), with a 1 s interval like a live demo.
const CONFIG: Config = { ...(shippedDefaults as Config), check_interval_seconds: 1, history_max_events: 1000 };

function wave(i: number, scale: number): number {
  return Math.max(0, scale * (0.5 + 0.4 * Math.sin(i / 17) + 0.1 * Math.sin(i * 1.7)));
}

function sampleAt(t: number, i: number): Sample {
  return {
    t,
    cpu_percent: wave(i, 20),
    memory_percent: 20 + wave(i, 5),
    network_kbps: wave(i + 3, 80),
    disk_io_kbps: wave(i + 7, 150),
    gpu_percent: wave(i + 11, 8),
    gpu_memory_percent: 10,
    gpu_count: 1,
    gpu_cards: [{ util_percent: wave(i + 11, 8), memory_percent: 10 }],
    input_idle_secs: (i * 7) % 1200,
    unreadable: [],
    keep_awake: [],
  };
}

function statusAt(t: number, i: number): Status {
  const s = sampleAt(t, i);
  return {
    state: 'idle',
    mode: 'local',
    metrics: {
      cpu_percent: s.cpu_percent,
      memory_percent: s.memory_percent,
      network_kbps: s.network_kbps,
      disk_io_kbps: s.disk_io_kbps,
      input_idle_secs: s.input_idle_secs,
      gpu_percent: s.gpu_percent,
      gpu_memory_percent: s.gpu_memory_percent,
      gpu_count: 1,
      gpu_cards: s.gpu_cards,
    },
    thresholds: { cpu_percent: 10, memory_percent: 30, network_kbps: 50, disk_io_kbps: 100, input_idle_secs: 900, gpu_percent: 5, gpu_memory_percent: null },
    blockers: [{ metric: 'cpu', value: s.cpu_percent, threshold: 10, reason: `CPU ${(s.cpu_percent ?? 0).toFixed(1)}% (threshold 10%)` }],
    idle_since: null,
    naptime_minutes: 30,
    effective_naptime_minutes: 30,
    schedule: null,
    warning_minutes: 5,
    check_interval_seconds: 1,
    seconds_until_stop: 1200 - (i % 1200),
    stop_at: new Date(t + (1200 - (i % 1200)) * 1000).toISOString(),
    postponed_until: null,
    stay_awake: null,
    instance: { id: 'i-0bench', type: 'g5.xlarge', region: 'us-east-1', source: 'local' },
    input_sources: ['pts'],
    error: null,
    sampled_at: new Date(t).toISOString(),
    version: 'bench',
    savings: null,
    runs: [],
    runs_total: 0,
  };
}

export interface BenchApi {
  api: CloudSnoozeApi;
  push(status: Status): void;
}

export function createBenchApi(): BenchApi {
  const start = Date.now() - 600_000;
  const statusL = new Set<(s: Status) => void>();
  const ok = <T>(data: T) => Promise.resolve({ ok: true as const, data });
  const api: CloudSnoozeApi = {
    getStatus: () => ok(statusAt(start + 600_000, 600)),
    getConfig: () => ok(CONFIG),
    setConfig: () => ok(CONFIG),
    getHistory: () => ok({ events: [] }),
    getSamples: () => ok({ samples: Array.from({ length: 600 }, (_, i) => sampleAt(start + i * 1000, i)) }),
    postpone: () => ok(statusAt(Date.now(), 0)),
    stayAwake: () => ok(statusAt(Date.now(), 0)),
    release: () => ok(statusAt(Date.now(), 0)),
    getConnection: () => Promise.resolve({ online: true }),
    getSettingsAccess: () => Promise.resolve({ writable: true }),
    unlockSettings: () => ok(CONFIG),
    onStatus(cb) {
      statusL.add(cb);
      return () => statusL.delete(cb);
    },
    onEvent: () => () => {},
    onConnection: () => () => {},
    onNavigate: () => () => {},
  };
  return { api, push: (s) => statusL.forEach((l) => l(s)) };
}

/** One macrotask turn: lets the frame that shows the tick render before the next one. */
function settle(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(0);
  });
}

/** Lets queued microtasks run: uPlot commits its redraw and React renders (sync lane) there. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 8; i++) await Promise.resolve();
}

export function installBenchHook(bench: BenchApi): void {
  let i = 601;
  /**
   * ms from a status frame's arrival until its store update, six uPlot redraws and the
   * React render are done (style, layout and paint follow in the next frame and are
   * measured by the caller through the browser's task duration). `floor` pushes nothing.
   */
  window.__csBench = async (n: number, mode: 'tick' | 'floor' = 'tick') => {
    const times: number[] = [];
    const base = Date.now() - 600_000;
    await settle();
    for (let k = 0; k < n; k++, i++) {
      const status = statusAt(base + i * 1000, i);
      const t0 = performance.now();
      if (mode === 'tick') bench.push(status);
      await microtasks();
      times.push(performance.now() - t0);
      await settle();
    }
    return times;
  };
}
