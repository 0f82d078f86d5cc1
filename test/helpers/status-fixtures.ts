/** Status values for unit tests (Electron main process, CLI): one "active" status and a countdown. */
import type { Status } from '../../contract/protocol.js';

export const NOW = Date.parse('2025-03-01T10:00:00Z');

export function status(over: Partial<Status> = {}): Status {
  return {
    state: 'active',
    mode: 'local',
    metrics: { cpu_percent: 43, memory_percent: 20, network_kbps: 1, disk_io_kbps: 2, input_idle_secs: 30, gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, gpu_cards: [] },
    thresholds: { cpu_percent: 10, memory_percent: 30, network_kbps: 50, disk_io_kbps: 100, input_idle_secs: 900, gpu_percent: 5, gpu_memory_percent: null },
    blockers: [{ metric: 'cpu', value: 43, threshold: 10, reason: 'CPU 43% (threshold 10%)' }],
    idle_since: null,
    naptime_minutes: 30,
    effective_naptime_minutes: 30,
    schedule: null,
    warning_minutes: 5,
    check_interval_seconds: 60,
    seconds_until_stop: null,
    stop_at: null,
    postponed_until: null,
    stay_awake: null,
    runs: [],
    runs_total: 0,
    instance: { id: 'i-0123456789abcdef0', type: 't3.medium', region: 'us-east-1', source: 'local' },
    input_sources: ['desktop'],
    error: null,
    sampled_at: '2025-03-01T10:00:00Z',
    version: '0.2.0',
    savings: null,
    ...over,
  };
}

/** A countdown that started `idleFor` seconds before NOW and stops `left` seconds after it. */
export function counting(state: 'idle' | 'warning', left: number, over: Partial<Status> = {}): Status {
  return status({
    state,
    blockers: [],
    idle_since: new Date(NOW - 25 * 60_000).toISOString(),
    seconds_until_stop: left,
    stop_at: new Date(NOW + left * 1000).toISOString(),
    ...over,
  });
}
