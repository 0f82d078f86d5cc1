/**
 * The agent's metric sampler: every metric from /proc and /sys on the hot path (plain file
 * reads, no child process), GPU and X11 idle from their tools. Rates (CPU, network, disk)
 * are over the time since the previous sample; the first sample compares with a baseline
 * taken when the sampler was created, so it has values too.
 *
 * Fail safe: a metric that cannot be read is null and named in `unreadable`, which the
 * policy counts as activity. sample() never throws.
 *
 * Keep-awake sources (keep_awake_processes matches, logind inhibitor locks) are read with
 * every sample too, and alone by keepAwake() for the final re-check before a stop.
 */
import { join } from 'node:path';
import { METRIC_NAMES, nullSample, type KeepAwake, type MetricName, type Sample } from '../../contract/protocol.js';
import { InhibitorWatcher } from '../keep-awake/inhibitors.js';
import { ProcessWatcher } from '../keep-awake/processes.js';
import { KeepAwakeReader } from '../keep-awake/sources.js';
import { CounterSet } from './counters.js';
import { WholeDiskFilter } from './disks.js';
import { DEFAULT_GPU_TIMEOUT_MS, detectGpuTool, readGpu, type GpuReading, type GpuTool } from './gpu.js';
import { InputTracker } from './input.js';
import { ProcFile } from './proc-file.js';
import { monoNowMs } from '../mono-clock.js';
import { parseDiskstats, parseMeminfo, parseNetDev, parseProcStat, parseSelfStat } from './procfs.js';

// A plain timer: node:timers/promises would be one more module kept resident for this one wait.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface SamplerOptions {
  procRoot?: string; // default '/proc'
  sysRoot?: string; // default '/sys'
  devRoot?: string; // default '/dev'
  gpuEnabled: () => boolean; // read each sample (config can change at run time)
  /** keep_awake_processes, read each sample; default none. */
  keepAwakeProcesses?: () => readonly string[];
  /** logind's inhibitor folder; default CLOUDSNOOZE_INHIBIT_DIR from env, else /run/systemd/inhibit. */
  inhibitDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Sampler {
  /** One reading of every metric; rates are over the time since the previous call. Never throws. */
  sample(now: number): Promise<Sample>;
  /** INPUT_ACTIVITY from the desktop app. */
  reportInput(source: string, idleSecs: number, now: number, available?: boolean): void;
  /** Sources a reporter said cannot measure idle time (STATUS input_unavailable). */
  unavailableInputSources?(): string[];
  /** Input sources present on this host now, e.g. ['pts'], ['pts','x11','desktop']. */
  inputSources(): string[];
  /**
   * The keep-awake sources alone, read again in full (every process re-read): the final
   * re-check before a stop needs a process started or a lock taken since the sample, while
   * metrics re-read over a sub-second interval would be noise. Never throws.
   */
  keepAwake(now: number): KeepAwake[];
}

/**
 * Shorter than this since the previous reading and the sampler waits: a few jiffies are too
 * coarse for a CPU percentage (a jiffy is 10 ms). Only the first sample right after
 * creation ever waits.
 */
const MIN_INTERVAL_MS = 100;
/** Drivers get installed and removed: look for the GPU tool again this often. */
const GPU_REDETECT_MS = 60_000;
const SECTOR_BYTES = 512;

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

interface CpuReading {
  busy: number;
  total: number;
  self: number;
}

class ProcSampler implements Sampler {
  private readonly files: { stat: ProcFile; self: ProcFile; meminfo: ProcFile; netDev: ProcFile; diskstats: ProcFile };
  private readonly env: NodeJS.ProcessEnv;
  private readonly gpuTimeoutMs: number;
  private readonly disks: WholeDiskFilter;
  private readonly input: InputTracker;
  private readonly netRx = new CounterSet();
  private readonly netTx = new CounterSet();
  private readonly diskRead = new CounterSet();
  private readonly diskWritten = new CounterSet();
  private prevCpu: CpuReading | null = null;
  private lastCpuPercent: number | null = null;
  private prevAt: number;
  private prevMono: number;
  private gpuTool: GpuTool = { tool: null, path: null };
  private gpuDetectedAt = -Infinity;
  private readonly keepAwakeReader: KeepAwakeReader;

  constructor(private readonly opts: SamplerOptions) {
    const proc = opts.procRoot ?? '/proc';
    this.files = {
      stat: new ProcFile(join(proc, 'stat')),
      // "self" is resolved when the file is opened: this process, for as long as it runs.
      self: new ProcFile(join(proc, 'self', 'stat')),
      meminfo: new ProcFile(join(proc, 'meminfo')),
      netDev: new ProcFile(join(proc, 'net', 'dev')),
      diskstats: new ProcFile(join(proc, 'diskstats')),
    };
    this.env = opts.env ?? process.env;
    const t = Number(this.env.CLOUDSNOOZE_GPU_TIMEOUT_MS);
    this.gpuTimeoutMs = Number.isFinite(t) && t > 0 ? t : DEFAULT_GPU_TIMEOUT_MS;
    this.disks = new WholeDiskFilter(opts.sysRoot ?? '/sys');
    this.input = new InputTracker(opts.devRoot ?? '/dev', this.env);
    this.keepAwakeReader = new KeepAwakeReader(
      new ProcessWatcher(proc),
      new InhibitorWatcher(opts.inhibitDir ?? (this.env.CLOUDSNOOZE_INHIBIT_DIR || undefined)),
    );
    this.prevAt = Date.now();
    this.prevMono = monoNowMs();
    // The baseline the first sample's rates are measured against.
    this.readCpu();
    this.readNet();
    this.readDisk(this.prevAt);
  }

  reportInput(source: string, idleSecs: number, now: number, available = true): void {
    this.input.report(source, idleSecs, now, available);
  }

  unavailableInputSources(): string[] {
    return this.input.unavailableSources(Date.now());
  }

  inputSources(): string[] {
    try {
      return this.input.sources(Date.now());
    } catch {
      return [];
    }
  }

  keepAwake(now: number): KeepAwake[] {
    return this.keepAwakeReader.read(this.opts.keepAwakeProcesses?.() ?? [], now, true);
  }

  async sample(now: number): Promise<Sample> {
    try {
      return await this.sampleUnsafe(now);
    } catch {
      // Nothing above should throw; if it does, everything counts as activity.
      return nullSample(now, [...METRIC_NAMES]);
    }
  }

  private async sampleUnsafe(now: number): Promise<Sample> {
    const since = monoNowMs() - this.prevMono;
    if (since < MIN_INTERVAL_MS) await sleep(MIN_INTERVAL_MS - since);

    const mono = monoNowMs();
    // The caller's clock decides the interval (so tests can fake it), unless it went
    // backwards or stood still; the monotonic clock is the floor.
    const seconds = Math.max(now - this.prevAt, mono - this.prevMono) / 1000;
    this.prevAt = now;
    this.prevMono = mono;

    const unreadable = new Set<MetricName>();
    const cpu = this.cpuPercent();
    if (cpu === null) unreadable.add('cpu');

    const memText = this.files.meminfo.read();
    const mem = memText === null ? null : parseMeminfo(memText);
    if (mem === null) unreadable.add('memory');

    const netBytes = this.readNet();
    if (netBytes === null) unreadable.add('network');
    const diskSectors = this.readDisk(now);
    if (diskSectors === null) unreadable.add('disk_io');

    const [gpu, input] = await Promise.all([this.readGpu(), this.input.read(now)]);
    if (gpu.unreadable) unreadable.add('gpu');
    if (input.error !== null) unreadable.add('input');

    return {
      t: now,
      cpu_percent: cpu === null ? null : round2(cpu),
      memory_percent: mem === null ? null : round2(mem),
      network_kbps: netBytes === null ? null : round2(netBytes / 1024 / seconds),
      disk_io_kbps: diskSectors === null ? null : round2((diskSectors * SECTOR_BYTES) / 1024 / seconds),
      gpu_percent: gpu.gpu_percent === null ? null : round2(gpu.gpu_percent),
      gpu_memory_percent: gpu.gpu_memory_percent === null ? null : round2(gpu.gpu_memory_percent),
      gpu_count: gpu.gpu_count,
      gpu_cards: gpu.cards.map((c) => ({
        util_percent: c.util_percent === null ? null : round2(c.util_percent),
        memory_percent: c.memory_percent === null ? null : round2(c.memory_percent),
      })),
      input_idle_secs: input.idleSecs,
      unreadable: (['cpu', 'memory', 'network', 'disk_io', 'gpu', 'input'] as const).filter((m) => unreadable.has(m)),
      keep_awake: this.keepAwakeReader.read(this.opts.keepAwakeProcesses?.() ?? [], now, false),
    };
  }

  private readCpu(): CpuReading | null {
    const statText = this.files.stat.read();
    const selfText = this.files.self.read();
    const times = statText === null ? null : parseProcStat(statText);
    const self = selfText === null ? null : parseSelfStat(selfText);
    if (times === null || self === null) {
      this.prevCpu = null;
      return null;
    }
    const cur = { busy: times.busy, total: times.total, self };
    if (this.prevCpu === null) this.prevCpu = cur;
    return cur;
  }

  /** Machine CPU % over the interval with the agent's own CPU taken out. */
  private cpuPercent(): number | null {
    const prev = this.prevCpu;
    const cur = this.readCpu();
    if (cur === null || prev === null) return null;
    const total = cur.total - prev.total;
    // No tick went by (or the counters went back): keep the last value and the old baseline.
    if (total <= 0) return this.lastCpuPercent;
    const busy = Math.min(Math.max(cur.busy - prev.busy, 0), total);
    const own = Math.max(cur.self - prev.self, 0);
    this.prevCpu = cur;
    this.lastCpuPercent = (Math.max(busy - own, 0) / total) * 100;
    return this.lastCpuPercent;
  }

  /** rx+tx bytes since the previous reading, or null when unreadable or no baseline. */
  private readNet(): number | null {
    const text = this.files.netDev.read();
    const ifaces = text === null ? null : parseNetDev(text);
    if (ifaces === null) {
      this.netRx.reset();
      this.netTx.reset();
      return null;
    }
    this.netRx.begin();
    this.netTx.begin();
    for (const i of ifaces) {
      this.netRx.add(i.name, i.rx);
      this.netTx.add(i.name, i.tx);
    }
    const rx = this.netRx.finish();
    const tx = this.netTx.finish();
    return rx === null || tx === null ? null : rx + tx;
  }

  /** Sectors read+written on whole disks since the previous reading, or null. */
  private readDisk(nowMs: number): number | null {
    const text = this.files.diskstats.read();
    const devs = text === null ? null : parseDiskstats(text);
    if (devs === null) {
      this.diskRead.reset();
      this.diskWritten.reset();
      return null;
    }
    this.diskRead.begin();
    this.diskWritten.begin();
    for (const d of devs) {
      if (!this.disks.isWhole(d.name, nowMs)) continue;
      this.diskRead.add(d.name, d.sectorsRead);
      this.diskWritten.add(d.name, d.sectorsWritten);
    }
    const r = this.diskRead.finish();
    const w = this.diskWritten.finish();
    return r === null || w === null ? null : r + w;
  }

  /** GPUs the tool reported at its last good reading. */
  private gpusSeen = 0;

  private async readGpu(): Promise<GpuReading> {
    let enabled: boolean;
    try {
      enabled = this.opts.gpuEnabled();
    } catch {
      enabled = true;
    }
    if (!enabled) return { gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, cards: [], unreadable: false };
    const t = Date.now();
    if (t - this.gpuDetectedAt > GPU_REDETECT_MS || t < this.gpuDetectedAt) {
      this.gpuTool = detectGpuTool(this.env);
      this.gpuDetectedAt = t;
    }
    const r = await readGpu(this.gpuTool, this.gpuTimeoutMs);
    // "No devices" / "no driver" means no GPU on a CPU host, but on a host that had GPUs a
    // vanished driver is a failed read: count it as activity rather than as an idle GPU.
    if (r.gpu_count > 0) this.gpusSeen = r.gpu_count;
    else if (this.gpusSeen > 0 && !r.unreadable) {
      return { ...r, unreadable: true, error: r.error ?? `the GPU tool reports no GPU, but ${this.gpusSeen} were seen before` };
    }
    return r;
  }
}

export function createSampler(opts: SamplerOptions): Sampler {
  return new ProcSampler(opts);
}
