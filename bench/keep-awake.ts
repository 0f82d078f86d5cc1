/**
 * Sampling cost with keep_awake_processes set: 300 extra processes running (`sleep`), three
 * patterns that match none of them (the common case: the job is not running yet), against
 * today's sampler with no patterns, both measured in the same run with the same processes.
 *
 * The process watcher reads new pids at once, young ones (first seen under a minute ago)
 * at every scan, and older ones once their read is 30 s old, at most a thirtieth of them per
 * scan; only the final re-check before a stop re-reads all. Measured in the steady state
 * (the processes seen for over a minute): the sampler at 550 ms spacing beside today's
 * sampler, and the watcher alone when every old pid is stale (the default
 * check_interval_seconds of 60), when none is, and in a full re-read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parsePattern, ProcessWatcher } from '../agent/keep-awake/processes.js';
import { createSampler } from '../agent/metrics/sampler.js';

export const EXTRA_PROCESSES = 300;
export const PATTERNS = ['rsync', 'cmd:train.py', 'backup.sh'];

export interface KeepAwakeBench {
  extra_processes: number;
  pids: number;
  patterns: string[];
  samples: number;
  /** Today's sampler, no patterns, with the extra processes running. */
  baseline_cpu_ms_per_sample: number;
  /** The same with the three patterns, 550 ms between samples. */
  patterns_cpu_ms_per_sample: number;
  /** The process watcher alone with every known pid stale (intervals of 30 s or more): a thirtieth re-read. */
  stale_scan_cpu_ms: number;
  /** The process watcher alone with every read fresh (samples closer together): the listing only. */
  incremental_scan_cpu_ms: number;
  /** Every /proc/<pid>/cmdline re-read: the final re-check before a stop only. */
  full_scan_cpu_ms: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function perCall(n: number, spacingMs: number, once: () => unknown): Promise<number> {
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (spacingMs) await sleep(spacingMs);
    const before = cpuMs();
    await once();
    total += cpuMs() - before;
  }
  return total / n;
}

function startSleepers(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn('sleep', ['600'], { stdio: 'ignore' }));
}

export async function benchKeepAwake(opts: { samples?: number; intervalMs?: number; warmMs?: number } = {}): Promise<KeepAwakeBench> {
  opts = { warmMs: 61_000, ...opts };
  const samples = opts.samples ?? 20;
  const intervalMs = opts.intervalMs ?? 550;
  const sleepers = startSleepers(EXTRA_PROCESSES);
  const kill = () => sleepers.forEach((c) => c.kill('SIGKILL'));
  process.once('exit', kill);
  try {
    // Let every child exec `sleep`, so the scans see the final command lines.
    await sleep(1000);
    const baseline = createSampler({ gpuEnabled: () => false });
    const withPatterns = createSampler({ gpuEnabled: () => false, keepAwakeProcesses: () => PATTERNS });
    // Past the watcher's first minute, when every new process is re-read at each scan.
    const warmUntil = Date.now() + opts.warmMs!;
    while (Date.now() < warmUntil) {
      await sleep(Math.min(5000, Math.max(intervalMs, warmUntil - Date.now())));
      await baseline.sample(Date.now());
      await withPatterns.sample(Date.now());
    }
    // Interleaved rounds, so both see the same host load.
    let base = 0;
    let pat = 0;
    const rounds = 2;
    for (let r = 0; r < rounds; r++) {
      base += await perCall(samples / rounds, intervalMs, () => baseline.sample(Date.now()));
      pat += await perCall(samples / rounds, intervalMs, () => withPatterns.sample(Date.now()));
    }
    const patterns = PATTERNS.map(parsePattern);
    // No youth (youngMs 0), and three scans so no pid counts as young either.
    const stale = new ProcessWatcher('/proc', 0, process.pid, 0);
    const incremental = new ProcessWatcher('/proc', Number.MAX_SAFE_INTEGER, process.pid, 0);
    for (let i = 0; i < 3; i++) {
      stale.scan(patterns, 0);
      incremental.scan(patterns, 0);
    }
    const staleMs = await perCall(samples, 0, () => stale.scan(patterns, Date.now()));
    const incMs = await perCall(samples, 0, () => incremental.scan(patterns, 1));
    const fullMs = await perCall(samples, 0, () => incremental.scan(patterns, 2, { full: true }));
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      extra_processes: EXTRA_PROCESSES,
      pids: readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length,
      patterns: PATTERNS,
      samples,
      baseline_cpu_ms_per_sample: r3(base / rounds),
      patterns_cpu_ms_per_sample: r3(pat / rounds),
      stale_scan_cpu_ms: r3(staleMs),
      incremental_scan_cpu_ms: r3(incMs),
      full_scan_cpu_ms: r3(fullMs),
    };
  } finally {
    kill();
    process.removeListener('exit', kill);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchKeepAwake(), null, 2));
}
