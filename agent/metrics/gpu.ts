/**
 * GPU utilisation from the vendor tools: the one place the sampler starts a child process
 * per sample, because neither NVIDIA nor AMD exposes utilisation in /proc or /sys in a form
 * that works across drivers.
 *
 * Fail safe: a tool that exits non-zero, times out, prints nothing we understand, or reports
 * a GPU's utilisation as `[N/A]` / `[Not Supported]` makes 'gpu' unreadable, which keeps the
 * instance awake. Some setups report N/A for good (MIG mode, some vGPUs); there the user
 * turns `gpu_monitoring_enabled` off, since we cannot tell such a GPU is idle.
 * No tool at all is not an error: the host simply has no GPU we can see.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runTool, type ToolResult } from './run-tool.js';

export type GpuToolName = 'nvidia-smi' | 'rocm-smi';

export interface GpuTool {
  tool: GpuToolName | null;
  path: string | null;
}

export interface GpuReading {
  gpu_percent: number | null;
  gpu_memory_percent: number | null;
  gpu_count: number;
  /** The tool was there but its answer could not be read: counts as activity. */
  unreadable: boolean;
  /** Why it was unreadable, for logs and `snooze doctor`. */
  error?: string;
}

export const NVIDIA_SMI_ARGS = [
  '--query-gpu=utilization.gpu,memory.used,memory.total',
  '--format=csv,noheader,nounits',
] as const;
export const ROCM_SMI_ARGS = ['--showuse', '--showmemuse', '--json'] as const;
export const DEFAULT_GPU_TIMEOUT_MS = 5000;

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` on PATH, or null. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutableFile(p)) return p;
  }
  return null;
}

/**
 * Which GPU tool this host has. CLOUDSNOOZE_NVIDIA_SMI / CLOUDSNOOZE_ROCM_SMI name the
 * binary explicitly (tests, odd install paths); set to the empty string they turn that
 * vendor off. Otherwise PATH is searched, NVIDIA first.
 */
export function detectGpuTool(env: NodeJS.ProcessEnv = process.env): GpuTool {
  const pick = (override: string | undefined, name: GpuToolName): string | null => {
    if (override !== undefined) return override !== '' && isExecutableFile(override) ? override : null;
    return findOnPath(name, env);
  };
  const nv = pick(env.CLOUDSNOOZE_NVIDIA_SMI, 'nvidia-smi');
  if (nv) return { tool: 'nvidia-smi', path: nv };
  const amd = pick(env.CLOUDSNOOZE_ROCM_SMI, 'rocm-smi');
  if (amd) return { tool: 'rocm-smi', path: amd };
  return { tool: null, path: null };
}

export interface GpuLine {
  /** Percent, or null when the driver says N/A / Not Supported. */
  util: number | null;
  /** MiB. */
  memUsed: number | null;
  memTotal: number | null;
}

function field(s: string | undefined): number | null | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (/^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions|GPU is lost)\]?$/i.test(t)) return null;
  if (!/^\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** One line per GPU: "util, used, total". Null when the output is not that shape at all. */
export function parseNvidiaSmi(text: string): GpuLine[] | null {
  const out: GpuLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const parts = line.split(',');
    if (parts.length !== 3) return null;
    const util = field(parts[0]);
    const memUsed = field(parts[1]);
    const memTotal = field(parts[2]);
    if (util === undefined || memUsed === undefined || memTotal === undefined) return null;
    out.push({ util, memUsed, memTotal });
  }
  return out;
}

/**
 * `rocm-smi --showuse --showmemuse --json`: {"card0": {"GPU use (%)": "3", "GPU memory use (%)": "10"}}.
 * Memory is already a percentage there, so it is returned as used/100.
 */
export function parseRocmSmi(text: string): GpuLine[] | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const out: GpuLine[] = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (!/^card\d+$/.test(key) || typeof value !== 'object' || value === null) continue;
    let util: number | null = null;
    let mem: number | null = null;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const n = field(String(v));
      if (/^GPU use/i.test(k)) util = n ?? null;
      else if (/memory (use|allocated)/i.test(k)) mem = n ?? null;
    }
    out.push({ util, memUsed: mem, memTotal: mem === null ? null : 100 });
  }
  return out;
}

/** Averages over GPUs. Any GPU whose utilisation cannot be read makes the reading unreadable. */
export function summarizeGpus(lines: GpuLine[]): GpuReading {
  if (lines.length === 0) return { gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, unreadable: false };
  let utilSum = 0;
  let utilN = 0;
  let used = 0;
  let total = 0;
  for (const g of lines) {
    if (g.util !== null) {
      utilSum += g.util;
      utilN++;
    }
    if (g.memUsed !== null && g.memTotal !== null && g.memTotal > 0) {
      used += g.memUsed;
      total += g.memTotal;
    }
  }
  const unreadable = utilN < lines.length;
  return {
    gpu_percent: utilN > 0 ? utilSum / utilN : null,
    gpu_memory_percent: total > 0 ? (used / total) * 100 : null,
    gpu_count: lines.length,
    unreadable,
    ...(unreadable ? { error: `utilisation not reported for ${lines.length - utilN} of ${lines.length} GPUs` } : {}),
  };
}

/**
 * nvidia-smi installed on a host without a usable GPU (a GPU image on a CPU instance, the
 * driver not loaded) says so and exits non-zero. Nobody can be using a GPU there, so this is
 * "no GPU", not "unreadable" - otherwise such hosts could never go idle.
 */
const NO_GPU_MESSAGE = /No devices were found|couldn't communicate with the NVIDIA driver|No AMD GPUs specified|No GPUs? (were )?(found|detected)/i;

function run(path: string, args: readonly string[], timeoutMs: number): Promise<ToolResult> {
  return runTool(path, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, windowsHide: true });
}

/** One reading from the tool. Never throws. */
export async function readGpu(tool: GpuTool, timeoutMs = DEFAULT_GPU_TIMEOUT_MS): Promise<GpuReading> {
  const none: GpuReading = { gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, unreadable: false };
  if (!tool.tool || !tool.path) return none;
  const args = tool.tool === 'nvidia-smi' ? NVIDIA_SMI_ARGS : ROCM_SMI_ARGS;
  const r = await run(tool.path, args, timeoutMs);
  if (r.error) {
    const err = r.error;
    if (!err.killed && NO_GPU_MESSAGE.test(r.stdout + r.stderr)) return none;
    const why = err.killed ? `timed out after ${timeoutMs} ms` : typeof err.code === 'number' ? `exited with ${err.code}` : err.message;
    return { ...none, unreadable: true, error: `${tool.tool} ${why}` };
  }
  const lines = tool.tool === 'nvidia-smi' ? parseNvidiaSmi(r.stdout) : parseRocmSmi(r.stdout);
  if (lines === null || lines.length === 0) {
    return { ...none, unreadable: true, error: `${tool.tool} printed output that could not be parsed` };
  }
  return summarizeGpus(lines);
}
