/**
 * Sampling cost: CPU time per sample of our /proc sampler against the systeminformation
 * calls that read the same metrics (currentLoad, mem, networkStats('*'), disksIO), GPU off
 * for both. systeminformation runs shell pipelines for network and disk I/O, so the CPU of
 * waited-for children (cutime + cstime in /proc/self/stat) is counted as well as our own.
 *
 * systeminformation answers network and disk calls from a cache when asked again within
 * 500 ms, so samples are spaced further apart than that; the waiting costs no CPU.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import * as si from 'systeminformation';
import { createSampler } from '../agent/metrics/sampler.js';

export interface SamplingBench {
  ours_cpu_ms_per_sample: number;
  si_cpu_ms_per_sample: number;
  ratio: number;
  samples: number;
  /**
   * Our sampler and just reading the five /proc files (the floor it can approach), taken in
   * turns with the same spacing so both meet the same cache and clock conditions, and timed
   * by this thread's own run time (/proc/thread-self/schedstat, nanoseconds; process CPU
   * where that is missing), so GC and I/O threads do not blur figures of about a millisecond.
   */
  ours_thread_ms_per_sample: number;
  raw_proc_cpu_ms_per_sample: number;
  /** ours / raw over all rounds. */
  ratio_to_raw: number;
}

/** This thread's run time in ms: exact where the kernel reports it, else the process's CPU. */
function threadMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** This process's CPU plus that of its finished children, in ms. */
function cpuMs(tck: number): number {
  const own = process.cpuUsage();
  const text = readFileSync('/proc/self/stat', 'latin1');
  // cutime and cstime: fields 16 and 17 of the line, counted after the command name.
  const f = text.slice(text.lastIndexOf(')') + 2).trim().split(/\s+/);
  const children = Number(f[13]) + Number(f[14]);
  return (own.user + own.system) / 1000 + (children * 1000) / tck;
}

async function measure(n: number, intervalMs: number, tck: number, once: () => Promise<unknown>): Promise<number> {
  let total = 0;
  for (let i = 0; i < n; i++) {
    await sleep(intervalMs);
    const before = cpuMs(tck);
    await once();
    total += cpuMs(tck) - before;
  }
  return total / n;
}

export async function benchSampling(opts: { samples?: number; intervalMs?: number } = {}): Promise<SamplingBench> {
  const samples = opts.samples ?? 20;
  const intervalMs = opts.intervalMs ?? 550;
  const tck = clockTicksPerSecond();

  const sampler = createSampler({ gpuEnabled: () => false });
  const ours = () => sampler.sample(Date.now());
  const theirs = () => Promise.all([si.currentLoad(), si.mem(), si.networkStats('*'), si.disksIO()]);
  const files = ['/proc/stat', '/proc/self/stat', '/proc/meminfo', '/proc/net/dev', '/proc/diskstats'];
  const raw = async () => {
    for (const f of files) readFileSync(f, 'latin1');
  };

  // Warm up: first calls load code, prime baselines and (for systeminformation) list interfaces.
  for (let i = 0; i < 2; i++) {
    await sleep(intervalMs);
    await ours();
    await theirs();
    await raw();
  }
  const oursMs = await measure(samples, intervalMs, tck, ours);
  const siMs = await measure(samples, intervalMs, tck, theirs);
  // Ours against the raw reads, in turns, each after the same pause.
  const rounds = Math.max(samples, 40);
  let oursThread = 0;
  let rawThread = 0;
  for (let i = 0; i < rounds; i++) {
    await sleep(intervalMs / 2);
    let t = threadMs();
    await ours();
    oursThread += threadMs() - t;
    await sleep(intervalMs / 2);
    t = threadMs();
    await raw();
    rawThread += threadMs() - t;
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    ours_cpu_ms_per_sample: r3(oursMs),
    si_cpu_ms_per_sample: r3(siMs),
    ratio: r3(oursMs > 0 ? siMs / oursMs : Infinity),
    samples: rounds,
    ours_thread_ms_per_sample: r3(oursThread / rounds),
    raw_proc_cpu_ms_per_sample: r3(rawThread / rounds),
    ratio_to_raw: r3(rawThread > 0 ? oursThread / rawThread : Infinity),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchSampling(), null, 2));
}
