/**
 * The renderer's logic without a browser: formatting, the live window, the settings
 * diff, and the bridge (snapshot, stream, re-snapshot on reconnect, settings errors
 * mapped to their field) against a scripted CloudSnoozeApi.
 */
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG, type Config, type ConfigPatch } from '../../contract/config-schema.js';
import type { HistoryEvent, Sample, Status } from '../../contract/protocol.js';
import type { CloudSnoozeApi, ConnectionState, Result, SettingsAccess } from '../../contract/ipc.js';
import { CONNECT_GRACE_MS, createBridge } from '../../renderer/bridge.js';
import { formatCountdown, formatValue, keyOfError, readableAgentError, stateWords } from '../../renderer/format.js';
import { diffDraft } from '../../renderer/settings-fields.js';
import { LIVE_MAX_POINTS, LIVE_WINDOW_MS, appendPoint, createRendererStore, trimWindow, type LivePoint } from '../../renderer/store.js';

const T0 = Date.parse('2025-03-01T12:00:00Z');

function status(over: Partial<Status> = {}): Status {
  return {
    state: 'idle',
    mode: 'local',
    metrics: { cpu_percent: 1, memory_percent: 20, network_kbps: 0, disk_io_kbps: 3, input_idle_secs: null, gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, gpu_cards: [] },
    thresholds: { cpu_percent: 10, memory_percent: 30, network_kbps: 50, disk_io_kbps: 100, input_idle_secs: 900, gpu_percent: 5, gpu_memory_percent: null },
    blockers: [],
    idle_since: '2025-03-01T11:59:00Z',
    naptime_minutes: 30,
    effective_naptime_minutes: 30,
    schedule: null,
    warning_minutes: 5,
    check_interval_seconds: 1,
    seconds_until_stop: 600,
    stop_at: '2025-03-01T12:10:00Z',
    postponed_until: null,
    stay_awake: null,
    runs: [],
    runs_total: 0,
    instance: { id: null, type: null, region: null, source: 'local' },
    input_sources: [],
    error: null,
    sampled_at: new Date(T0).toISOString(),
    version: '0.0.0',
    savings: null,
    ...over,
  };
}

function sample(t: number, cpu = 1): Sample {
  return {
    t,
    cpu_percent: cpu,
    memory_percent: 20,
    network_kbps: 0,
    disk_io_kbps: 3,
    gpu_percent: null,
    gpu_memory_percent: null,
    gpu_count: 0,
    gpu_cards: [],
    input_idle_secs: null,
    unreadable: [],
    keep_awake: [],
  };
}

const point = (t: number): LivePoint => ({ t, cpu_percent: 1, memory_percent: 1, network_kbps: 1, disk_io_kbps: 1, gpu_percent: null, input_idle_secs: null });

/** A CloudSnoozeApi whose answers and pushes the test controls. */
function scriptedApi() {
  const calls: string[] = [];
  const listeners = { status: new Set<(s: Status) => void>(), event: new Set<(e: HistoryEvent) => void>(), conn: new Set<(c: ConnectionState) => void>() };
  let config: Config = { ...DEFAULT_CONFIG };
  let current = status();
  let samples = [sample(T0 - 2000), sample(T0 - 1000)];
  let access: SettingsAccess = { writable: true };
  let unlockResult: Result<Config> | null = null;
  const ok = <T>(data: T): Promise<Result<T>> => Promise.resolve({ ok: true, data });
  const on = <T>(set: Set<(v: T) => void>, cb: (v: T) => void) => {
    set.add(cb);
    return () => set.delete(cb);
  };
  const api: CloudSnoozeApi = {
    getStatus: () => (calls.push('getStatus'), ok(current)),
    getConfig: () => (calls.push('getConfig'), ok(config)),
    setConfig: (values: ConfigPatch) => {
      calls.push(`setConfig ${JSON.stringify(values)}`);
      if (values.cpu_threshold_percent !== undefined && values.cpu_threshold_percent > 100) {
        return Promise.resolve({ ok: false, error: 'CONFIG_SET: cpu_threshold_percent must be at most 100 (got 150)', code: 'INVALID_PARAMS' });
      }
      config = { ...config, ...values };
      return ok(config);
    },
    getHistory: () => (calls.push('getHistory'), ok({ events: [{ id: 1, time: '2025-03-01T11:00:00Z', type: 'agent_start', message: 'started' }] })),
    getSamples: (s) => (calls.push(`getSamples ${s}`), ok({ samples })),
    postpone: (m) => (calls.push(`postpone ${m}`), ok(status({ state: 'postponed', postponed_until: '2025-03-01T12:30:00Z' }))),
    stayAwake: () => Promise.resolve({ ok: false, error: 'the agent is not running', code: 'NOT_RUNNING' }),
    release: () => ok(status()),
    getConnection: () => Promise.resolve({ online: true }),
    getSettingsAccess: () => Promise.resolve(access),
    unlockSettings: (values: ConfigPatch) => {
      calls.push(`unlockSettings ${JSON.stringify(values)}`);
      if (unlockResult) return Promise.resolve(unlockResult);
      config = { ...config, ...values };
      return ok(config);
    },
    onStatus: (cb) => on(listeners.status, cb),
    onEvent: (cb) => on(listeners.event, cb),
    onConnection: (cb) => on(listeners.conn, cb),
    onNavigate: () => () => {},
  };
  return {
    api,
    calls,
    setStatus: (s: Status) => (current = s),
    setAccess: (a: SettingsAccess) => (access = a),
    setUnlockResult: (r: Result<Config> | null) => (unlockResult = r),
    setSamples: (s: Sample[]) => (samples = s),
    push: {
      status: (s: Status) => listeners.status.forEach((l) => l(s)),
      event: (e: HistoryEvent) => listeners.event.forEach((l) => l(e)),
      conn: (c: ConnectionState) => listeners.conn.forEach((l) => l(c)),
    },
    listenerCount: () => listeners.status.size + listeners.event.size + listeners.conn.size,
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('format', () => {
  it('formats the countdown as mm:ss, rounding up, never negative', () => {
    expect(formatCountdown(0)).toBe('00:00');
    expect(formatCountdown(59.2)).toBe('01:00');
    expect(formatCountdown(754)).toBe('12:34');
    expect(formatCountdown(3725)).toBe('1:02:05');
    expect(formatCountdown(-5)).toBe('00:00');
  });

  it('puts the state in words, offline first', () => {
    expect(stateWords(status({ state: 'active' }), true).label).toBe('Active');
    // A keep-awake source, not a metric: "Kept awake", as the CLI and the tray say.
    expect(stateWords(status({ state: 'active', blockers: [{ metric: 'snooze_run', value: null, threshold: null, reason: 'snooze run — make (pid 7)' }] }), true).label).toBe('Kept awake');
    // The CLI's words for the state; the reason goes under the headline, not into it.
    expect(stateWords(status({ state: 'monitor_only', error: 'instance metadata unavailable: connect ECONNREFUSED 127.0.0.1:9' }), true).label).toBe('Monitor only (cannot act)');
    expect(stateWords(status({ state: 'idle', mode: 'aws' }), true)).toMatchObject({ label: 'Idle — stopping in', counting: true });
    expect(stateWords(status({ state: 'warning', mode: 'aws' }), true)).toMatchObject({ label: 'Final warning', tone: 'warning' });
    expect(stateWords(status({ state: 'stopping', mode: 'aws' }), true).label).toBe('Stopping now');
    // Local and dry-run modes never stop anything, and no headline says they will.
    for (const mode of ['local', 'dry_run'] as const) {
      expect(stateWords(status({ state: 'idle', mode }), true).label).toBe('Idle — would stop in');
      expect(stateWords(status({ state: 'warning', mode }), true).label).toBe('Final warning — would stop in');
      expect(stateWords(status({ state: 'stopping', mode }), true).label).toBe('Would stop now (nothing is stopped)');
    }
    expect(stateWords(status({ state: 'postponed', postponed_until: '2025-03-01T14:05:00' }), true).label).toBe('Postponed until 14:05');
    expect(stateWords(status({ state: 'stay_awake', stay_awake: { until: null, reason: 'training run' } }), true).label).toBe('Staying awake (training run)');
    expect(stateWords(status({ state: 'active' }), false).label).toBe('Agent offline');
    expect(stateWords(null, true).label).toBe('Agent offline');
    expect(stateWords(null, false, true).label).toBe('Connecting…');
  });

  it('finds the config key an agent error names, not a longer key that contains it', () => {
    const keys = ['cpu_threshold_percent', 'gpu_threshold_percent', 'naptime_minutes'];
    expect(keyOfError('CONFIG_SET: cpu_threshold_percent must be at most 100', keys)).toBe('cpu_threshold_percent');
    expect(keyOfError('naptime_minutes must be at least 0.05; gpu_threshold_percent must be at most 100', keys)).toBe('naptime_minutes');
    expect(keyOfError('xcpu_threshold_percent is odd', keys)).toBeNull();
    expect(keyOfError('something else broke', keys)).toBeNull();
    expect(readableAgentError('CONFIG_SET: cpu_threshold_percent must be at most 100')).toBe('cpu_threshold_percent must be at most 100');
  });

  it('formats values with their unit', () => {
    expect(formatValue(null, '%')).toBe('—');
    expect(formatValue(3.14159, '%')).toBe('3.1 %');
    expect(formatValue(1204.4, 'KB/s')).toBe('1,204 KB/s');
    expect(formatValue(900, 's')).toBe('15 min');
  });
});

describe('live window', () => {
  it('appends only newer points', () => {
    const pts = [point(1000), point(2000)];
    expect(appendPoint(pts, point(2000))).toBeNull();
    expect(appendPoint(pts, point(1500))).toBeNull();
    expect(appendPoint(pts, point(3000))?.map((p) => p.t)).toEqual([1000, 2000, 3000]);
  });

  it('keeps ten minutes before the newest point, and at most LIVE_MAX_POINTS', () => {
    const pts = Array.from({ length: 700 }, (_, i) => point(i * 1000));
    const kept = trimWindow(pts);
    expect(kept[0]!.t).toBe(699_000 - LIVE_WINDOW_MS);
    expect(kept.at(-1)!.t).toBe(699_000);
    const dense = Array.from({ length: LIVE_MAX_POINTS + 50 }, (_, i) => point(i * 10));
    expect(trimWindow(dense)).toHaveLength(LIVE_MAX_POINTS);
  });
});

describe('settings diff', () => {
  it('sends only changed keys, parsed to numbers', () => {
    const { patch, errors } = diffDraft(DEFAULT_CONFIG, {
      cpu_threshold_percent: '15',
      memory_threshold_percent: String(DEFAULT_CONFIG.memory_threshold_percent),
      dry_run: true,
      tagging_prefix: 'CloudSnooze',
    });
    expect(patch).toEqual({ cpu_threshold_percent: 15, dry_run: true });
    expect(errors).toEqual({});
  });

  it('keeps a value that is not a number out of the patch, with an error in words naming the field', () => {
    const { patch, errors } = diffDraft(DEFAULT_CONFIG, { naptime_minutes: '', cpu_threshold_percent: 'abc', gpu_threshold_percent: '150' });
    expect(patch).toEqual({ gpu_threshold_percent: 150 });
    expect(errors.naptime_minutes).toBe('Enter a value for Naptime.');
    expect(errors.cpu_threshold_percent).toBe('CPU must be a number (you entered abc).');
  });
});

describe('bridge', () => {
  it('takes a snapshot when online: status, samples plus the status point, history, config', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    createBridge(s.api, store).start();
    await flush();
    const st = store.getState();
    expect(st.connection).toEqual({ online: true, error: null, everOnline: true, settled: true });
    expect(st.policy.status?.state).toBe('idle');
    expect(st.live.points.map((p) => p.t)).toEqual([T0 - 2000, T0 - 1000, T0]);
    expect(st.history.events).toHaveLength(1);
    expect(st.settings.config?.naptime_minutes).toBe(DEFAULT_CONFIG.naptime_minutes);
    expect(s.calls).toContain('getSamples 600');
  });

  it('appends one point per new status frame, none for a repeated sample', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    createBridge(s.api, store).start();
    await flush();
    const rev = store.getState().live.rev;
    s.push.status(status({ sampled_at: new Date(T0 + 1000).toISOString(), metrics: { ...status().metrics, cpu_percent: 42 } }));
    expect(store.getState().live.points.at(-1)).toMatchObject({ t: T0 + 1000, cpu_percent: 42 });
    expect(store.getState().live.rev).toBe(rev + 1);
    s.push.status(status({ sampled_at: new Date(T0 + 1000).toISOString(), state: 'postponed' }));
    expect(store.getState().live.rev).toBe(rev + 1);
    expect(store.getState().policy.status?.state).toBe('postponed');
  });

  it('goes offline keeping what it had, and takes a fresh snapshot on reconnect', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    createBridge(s.api, store).start();
    await flush();
    s.push.conn({ online: false, error: 'the agent closed the connection' });
    expect(store.getState().connection).toMatchObject({ online: false, error: 'the agent closed the connection' });
    expect(store.getState().live.points.length).toBeGreaterThan(0);
    const before = s.calls.filter((c) => c === 'getStatus').length;
    s.setStatus(status({ state: 'active', sampled_at: new Date(T0 + 60_000).toISOString() }));
    s.setSamples([sample(T0 + 59_000, 77)]);
    s.push.conn({ online: true });
    await flush();
    expect(s.calls.filter((c) => c === 'getStatus').length).toBe(before + 1);
    expect(store.getState().connection.online).toBe(true);
    expect(store.getState().policy.status?.state).toBe('active');
    expect(store.getState().live.points.map((p) => p.t)).toEqual([T0 + 59_000, T0 + 60_000]);
  });

  it('prepends pushed events once', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    createBridge(s.api, store).start();
    await flush();
    const e: HistoryEvent = { id: 2, time: '2025-03-01T12:00:01Z', type: 'postpone', message: 'Postponed' };
    s.push.event(e);
    s.push.event(e);
    expect(store.getState().history.events.map((x) => x.id)).toEqual([2, 1]);
  });

  it('reloads the config when a config_change event arrives from elsewhere', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    createBridge(s.api, store).start();
    await flush();
    await s.api.setConfig({ naptime_minutes: 45 });
    expect(store.getState().settings.config?.naptime_minutes).toBe(DEFAULT_CONFIG.naptime_minutes);
    s.push.event({ id: 3, time: '2025-03-01T12:00:02Z', type: 'config_change', message: 'Config changed: naptime_minutes=45' });
    await flush();
    expect(store.getState().settings.config?.naptime_minutes).toBe(45);
  });

  it("puts the agent's settings error next to the named field and keeps the config", async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    const bridge = createBridge(s.api, store);
    bridge.start();
    await flush();
    const config = store.getState().settings.config;
    expect(await bridge.saveConfig({ cpu_threshold_percent: 150, memory_threshold_percent: 50 })).toBe(false);
    const st = store.getState().settings;
    expect(st.errors).toEqual({ cpu_threshold_percent: 'cpu_threshold_percent must be at most 100 (got 150)' });
    expect(st.config).toBe(config);
    expect(st.notice).toBeNull();
    expect(await bridge.saveConfig({ memory_threshold_percent: 50 })).toBe(true);
    expect(store.getState().settings).toMatchObject({ errors: {}, notice: 'Saved (1 setting changed)' });
    expect(store.getState().settings.config?.memory_threshold_percent).toBe(50);
    expect(s.calls).toContain('setConfig {"memory_threshold_percent":50}');
  });

  it('learns with the snapshot whether settings are read-only, and saves through Unlock… when offered', async () => {
    const s = scriptedApi();
    s.setAccess({ writable: false, message: 'Settings are read-only: only root (or members of admin_group) can change them.', unlock: true });
    const store = createRendererStore();
    const bridge = createBridge(s.api, store);
    bridge.start();
    await flush();
    await flush();
    expect(store.getState().settings.access).toMatchObject({ writable: false, unlock: true });
    s.setUnlockResult({ ok: false, error: 'Authentication was cancelled or refused; nothing was changed.', code: 'CANCELLED' });
    expect(await bridge.unlockAndSave({ naptime_minutes: 45 })).toBe(false);
    expect(Object.values(store.getState().settings.errors)).toEqual(['Authentication was cancelled or refused; nothing was changed.']);
    expect(store.getState().settings.config?.naptime_minutes).toBe(DEFAULT_CONFIG.naptime_minutes);
    s.setUnlockResult(null);
    expect(await bridge.unlockAndSave({ naptime_minutes: 45 })).toBe(true);
    expect(store.getState().settings).toMatchObject({ notice: 'Saved (1 setting changed)', access: { writable: false } });
    expect(s.calls.filter((c) => c.startsWith('setConfig'))).toEqual([]);
  });

  it('applies the status a button returns, and shows a failed action', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    const bridge = createBridge(s.api, store);
    bridge.start();
    await flush();
    await bridge.postpone();
    expect(s.calls).toContain('postpone 30');
    expect(store.getState().policy.status?.state).toBe('postponed');
    await bridge.stayAwake();
    expect(store.getState().policy.actionError).toBe('the agent is not running');
    await bridge.postpone(120);
    expect(s.calls).toContain('postpone 120');
    await bridge.release();
    expect(store.getState().policy.actionError).toBeNull();
  });

  it('a call that throws becomes an error in the UI: saving ends, the action shows it, the snapshot goes offline', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    const bridge = createBridge(s.api, store);
    bridge.start();
    await flush();
    const boom = () => Promise.reject(new Error('IPC channel closed'));
    Object.assign(s.api, { setConfig: boom, postpone: boom, getStatus: boom, getHistory: boom });
    expect(await bridge.saveConfig({ naptime_minutes: 40 })).toBe(false);
    expect(store.getState().settings.saving).toBe(false);
    expect(Object.values(store.getState().settings.errors)).toEqual(['IPC channel closed']);
    await bridge.postpone();
    expect(store.getState().policy.actionError).toBe('IPC channel closed');
    await bridge.snapshot();
    expect(store.getState().connection).toMatchObject({ online: false, error: 'IPC channel closed' });
    await bridge.loadHistory(10);
    expect(store.getState().history.error).toBe('IPC channel closed');
  });

  it('first paint: "connecting" until a push, the first snapshot or the grace period settles it, never "offline" at once', async () => {
    vi.useFakeTimers();
    try {
      const s = scriptedApi();
      s.api.getConnection = () => Promise.resolve({ online: false, error: 'connecting to the agent' });
      const store = createRendererStore();
      const bridge = createBridge(s.api, store);
      bridge.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(store.getState().connection).toMatchObject({ online: false, settled: false });
      s.push.conn({ online: false, error: 'the CloudSnooze agent is not running' });
      expect(store.getState().connection).toMatchObject({ error: 'the CloudSnooze agent is not running', settled: true });
      bridge.stop();

      const quiet = createRendererStore();
      const b2 = createBridge(s.api, quiet);
      b2.start();
      await vi.advanceTimersByTimeAsync(CONNECT_GRACE_MS - 1);
      expect(quiet.getState().connection.settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(quiet.getState().connection).toMatchObject({ online: false, settled: true, error: 'connecting to the agent' });
      b2.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('an action error is cleared when the connection comes back', async () => {
    const s = scriptedApi();
    const store = createRendererStore();
    const bridge = createBridge(s.api, store);
    bridge.start();
    await flush();
    await bridge.stayAwake();
    expect(store.getState().policy.actionError).toBe('the agent is not running');
    await bridge.postpone(120);
    expect(s.calls).toContain('postpone 120');
    s.push.conn({ online: false, error: 'the agent closed the connection' });
    s.push.conn({ online: true });
    await flush();
    expect(store.getState().policy.actionError).toBeNull();
  });

  it('stops listening on stop()', async () => {
    const s = scriptedApi();
    const bridge = createBridge(s.api, createRendererStore());
    bridge.start();
    expect(s.listenerCount()).toBe(3);
    bridge.stop();
    expect(s.listenerCount()).toBe(0);
  });
});
