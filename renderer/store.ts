/**
 * The renderer's state, in slices: connection, live (the samples ring behind the
 * graphs), policy, instance, settings, history. Only the bridge writes to it; the
 * graphs read `live` through store.subscribe so a tick never re-renders React.
 */
import { createStore } from 'zustand/vanilla';
import type { Config } from '../contract/config-schema.js';
import type { SettingsAccess } from '../contract/ipc.js';
import type { Blocker, HistoryEvent, InstanceInfo, Sample, Status } from '../contract/protocol.js';

/** The graphs show this much history. */
export const LIVE_WINDOW_MS = 10 * 60 * 1000;
/** Hard cap on points, whatever the sampling interval. */
export const LIVE_MAX_POINTS = 3600;
export const HISTORY_KEEP = 200;

/** One point of the graphs: the Sample fields the dashboard draws. */
export type LivePoint = Pick<
  Sample,
  't' | 'cpu_percent' | 'memory_percent' | 'network_kbps' | 'disk_io_kbps' | 'gpu_percent' | 'input_idle_secs'
>;

export interface ConnectionSlice {
  online: boolean;
  error: string | null;
  /** False until the first snapshot arrived. */
  everOnline: boolean;
  /**
   * The first connection attempt has an outcome (online, an offline push, or the grace
   * period passed): until then the page says "connecting", not "Agent offline".
   */
  settled: boolean;
}

export interface LiveSlice {
  points: LivePoint[];
  /** Bumped on every change; cheap for subscribers to compare. */
  rev: number;
}

export interface PolicySlice {
  status: Status | null;
  /** Local clock (performance-free Date.now) when `status` arrived; the countdown ticks from it. */
  receivedAt: number;
  blockers: Blocker[];
  /** Last error of a button action (postpone, stay awake, release). */
  actionError: string | null;
  /** What the last action really did, in the agent's words (as its history says), when the agent tells. */
  actionNote?: string | null;
}

export interface SettingsSlice {
  config: Config | null;
  /** Agent validation errors by config key; `_` holds one that names no known key. */
  errors: Record<string, string>;
  saving: boolean;
  /** Success feedback, e.g. "Saved (2 settings changed)". */
  notice: string | null;
  /** Whether saving is allowed here (admin channel), and if not, why and whether Unlock… is offered. Null until asked. */
  access?: SettingsAccess | null;
}

export interface HistorySlice {
  events: HistoryEvent[];
  error: string | null;
}

export interface RendererState {
  connection: ConnectionSlice;
  live: LiveSlice;
  policy: PolicySlice;
  instance: InstanceInfo | null;
  settings: SettingsSlice;
  history: HistorySlice;
}

export function initialState(): RendererState {
  return {
    connection: { online: false, error: null, everOnline: false, settled: false },
    live: { points: [], rev: 0 },
    policy: { status: null, receivedAt: 0, blockers: [], actionError: null },
    instance: null,
    settings: { config: null, errors: {}, saving: false, notice: null },
    history: { events: [], error: null },
  };
}

export function createRendererStore() {
  return createStore<RendererState>()(() => initialState());
}
export type RendererStore = ReturnType<typeof createRendererStore>;

export function pointFromSample(s: Sample): LivePoint {
  return {
    t: s.t,
    cpu_percent: s.cpu_percent,
    memory_percent: s.memory_percent,
    network_kbps: s.network_kbps,
    disk_io_kbps: s.disk_io_kbps,
    gpu_percent: s.gpu_percent,
    input_idle_secs: s.input_idle_secs,
  };
}

/** The graph point a status frame carries, or null when it has no sample time. */
export function pointFromStatus(status: Status): LivePoint | null {
  if (!status.sampled_at) return null;
  const t = Date.parse(status.sampled_at);
  if (Number.isNaN(t)) return null;
  const m = status.metrics;
  return {
    t,
    cpu_percent: m.cpu_percent,
    memory_percent: m.memory_percent,
    network_kbps: m.network_kbps,
    disk_io_kbps: m.disk_io_kbps,
    gpu_percent: m.gpu_percent,
    input_idle_secs: m.input_idle_secs,
  };
}

/** Keep the last ten minutes (relative to the newest point), at most LIVE_MAX_POINTS. */
export function trimWindow(points: LivePoint[]): LivePoint[] {
  const last = points[points.length - 1];
  if (!last) return points;
  const from = last.t - LIVE_WINDOW_MS;
  let i = 0;
  while (i < points.length && points[i]!.t < from) i++;
  i = Math.max(i, points.length - LIVE_MAX_POINTS);
  return i > 0 ? points.slice(i) : points;
}

/**
 * Append one point. A status frame repeats the sample it reflects (after a button
 * action, say), and SAMPLES may already hold it: only a newer time is appended.
 */
export function appendPoint(points: LivePoint[], p: LivePoint): LivePoint[] | null {
  const last = points[points.length - 1];
  if (last && p.t <= last.t) return null;
  return trimWindow([...points, p]);
}
