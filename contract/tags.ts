/**
 * The instance tags of the integration guide, built in one place so the local
 * "would have written" record and the real CreateTags call cannot drift apart.
 */
import { rfc3339Seconds, type InstanceInfo, type Sample } from './protocol.js';

export const TAG_NAMES = {
  status: 'Status',
  stopTimestamp: 'StopTimestamp',
  stopReason: 'StopReason',
  cpu: 'CPUPercent',
  memory: 'MemoryPercent',
  network: 'NetworkKBps',
  diskIo: 'DiskIOKBps',
  inputIdle: 'InputIdleSecs',
  gpu: 'GPUPercent',
  gpuCount: 'GPUCount',
  naptime: 'NaptimeMinutes',
  instanceType: 'InstanceType',
  region: 'Region',
} as const;

export function tagKey(prefix: string, name: string): string {
  return `${prefix}:${name}`;
}

/** "30" for whole numbers, otherwise up to two decimals without trailing zeros ("0.05"). */
export function formatMinutes(m: number): string {
  return Number.isInteger(m) ? String(m) : String(Number(m.toFixed(2)));
}

/** `System idle for 30 minutes (threshold: 30 minutes)`; whole minutes once past one minute, as the guide shows. */
export function stopReason(idleMs: number, naptimeMinutes: number): string {
  const idleMin = idleMs / 60_000;
  const shown = idleMin >= 1 ? Math.floor(idleMin) : Number(idleMin.toFixed(2));
  return `System idle for ${formatMinutes(shown)} minutes (threshold: ${formatMinutes(naptimeMinutes)} minutes)`;
}

const two = (v: number | null): string => (v === null || !Number.isFinite(v) ? '0.00' : v.toFixed(2));

export interface StopTagInput {
  prefix: string;
  detailed: boolean;
  /** Milliseconds since the epoch. */
  now: number;
  reason: string;
  sample: Sample;
  naptimeMinutes: number;
  instance: InstanceInfo;
}

/** The exact tags written (with one CreateTags call) before StopInstances. Insertion order is the guide's. */
export function buildStopTags(input: StopTagInput): Record<string, string> {
  const { prefix, sample } = input;
  const k = (name: string) => tagKey(prefix, name);
  const tags: Record<string, string> = {
    [k(TAG_NAMES.status)]: 'Stopped',
    [k(TAG_NAMES.stopTimestamp)]: rfc3339Seconds(input.now),
    [k(TAG_NAMES.stopReason)]: input.reason,
  };
  if (!input.detailed) return tags;
  tags[k(TAG_NAMES.cpu)] = two(sample.cpu_percent);
  tags[k(TAG_NAMES.memory)] = two(sample.memory_percent);
  tags[k(TAG_NAMES.network)] = two(sample.network_kbps);
  tags[k(TAG_NAMES.diskIo)] = two(sample.disk_io_kbps);
  tags[k(TAG_NAMES.inputIdle)] = String(Math.floor(sample.input_idle_secs ?? 0));
  if (sample.gpu_count > 0) tags[k(TAG_NAMES.gpu)] = two(sample.gpu_percent);
  tags[k(TAG_NAMES.gpuCount)] = String(sample.gpu_count);
  tags[k(TAG_NAMES.naptime)] = String(Math.round(input.naptimeMinutes));
  if (input.instance.type) tags[k(TAG_NAMES.instanceType)] = input.instance.type;
  if (input.instance.region) tags[k(TAG_NAMES.region)] = input.instance.region;
  return tags;
}
