/**
 * The stop's last checks with a fake host: process holds alive now (not only at the sample)
 * cancel the stop at each check (before the hook, after it, and right before StopInstances),
 * and a failed hook aborts with the stop's backoff.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../contract/config-schema.js';
import { nullSample, type Sample } from '../../contract/protocol.js';
import { initialDaemonState } from '../../agent/daemon-state.js';
import type { NewEvent } from '../../agent/history.js';
import type { HookRequest, HookResult } from '../../agent/pre-stop-hook.js';
import { LocalProvider, type StopRequest } from '../../agent/provider.js';
import { retryDelayMs, STOP_RETRY, StopAction } from '../../agent/stop-action.js';
import { Backoff } from '../../contract/backoff.js';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const idle = (t: number): Sample => ({ ...nullSample(t), cpu_percent: 1, memory_percent: 5, network_kbps: 0, disk_io_kbps: 0 });
const okHook: HookResult = { exitCode: 0, signal: null, timedOut: false, aborted: false, error: null, durationMs: 5, output: 'ok' };

function setup(opts: { config?: Partial<Config>; hook?: (req: HookRequest) => Promise<HookResult>; onStop?: (req: StopRequest) => void } = {}) {
  const config: Config = { ...DEFAULT_CONFIG, naptime_minutes: 10, warning_minutes: 2, gpu_monitoring_enabled: false, ...opts.config };
  const stops: StopRequest[] = [];
  const provider = new LocalProvider();
  provider.stop = async (req) => {
    stops.push(req);
    opts.onStop?.(req);
    if (req.stillWanted && !req.stillWanted()) return { kind: 'cancelled', note: 'a hold arrived' };
    return { kind: 'dry_run', note: 'local' };
  };
  const state = initialDaemonState(config, provider, false);
  // Idle for the whole naptime and warned at an earlier sample: the policy says stop.
  state.policy = { ...state.policy, idleSince: NOW - 11 * 60_000, warnedAt: NOW - 60_000 };
  const events: NewEvent[] = [];
  const logs: string[] = [];
  const job = { running: false };
  const hookCalls: HookRequest[] = [];
  const action = new StopAction({
    state,
    now: () => NOW,
    mode: () => 'local',
    log: (_l, m) => logs.push(m),
    broadcastStatus: () => undefined,
    warn: async () => undefined,
    cancelled: async () => undefined,
    record: async (ev) => {
      events.push(ev);
      return { id: events.length, time: '', type: ev.type, message: ev.message };
    },
    // Stands in for the agent's /proc check: a `snooze run` job that may start at any moment.
    recheckSample: (sample) => (job.running ? { ...sample, keep_awake: [{ kind: 'snooze_run', reason: 'snooze run — job (pid 1, 0 s)' }] } : sample),
    closing: new AbortController().signal,
    runHook: async (req) => {
      hookCalls.push(req);
      return (opts.hook ?? (async () => okHook))(req);
    },
  });
  return { action, state, stops, events, logs, job, hookCalls };
}

describe('StopAction', () => {
  it('stops when nothing changed (the control case)', async () => {
    const t = setup();
    await t.action.act(idle(NOW), NOW);
    expect(t.stops).toHaveLength(1);
    expect(t.events.map((e) => e.type)).toEqual(['dry_run_stop']);
  });

  it('a snooze run that started after the sample cancels the stop at the final re-check', async () => {
    const t = setup();
    t.job.running = true;
    await t.action.act(idle(NOW), NOW);
    expect(t.stops).toEqual([]);
    expect(t.events).toEqual([]);
    expect(t.logs).toContain('stop cancelled at the final re-check (a hold or activity arrived)');
    expect(t.state.policy.idleSince).toBeNull();
  });

  it('runs the hook with the stop facts, then re-checks: a job started while it ran cancels the stop', async () => {
    const t = setup({
      config: { pre_stop_command: 'sync-checkpoint' },
      hook: async () => {
        t.job.running = true;
        return okHook;
      },
    });
    await t.action.act(idle(NOW), NOW);
    expect(t.hookCalls[0]).toMatchObject({ command: 'sync-checkpoint', timeoutMs: 300_000, env: { CLOUDSNOOZE_MODE: 'local', CLOUDSNOOZE_STOP_AT: '2026-06-01T12:00:00Z' } });
    expect(t.hookCalls[0]!.env.CLOUDSNOOZE_REASON).toMatch(/^System idle for 11 minutes/);
    expect(t.events.map((e) => e.type)).toEqual(['pre_stop']);
    expect(t.stops).toEqual([]);
    expect(t.logs).toContain('stop cancelled after the pre-stop hook (a hold or activity arrived)');
  });

  it('asks about process holds again right before StopInstances', async () => {
    const t = setup({ onStop: () => (t.job.running = true) });
    await t.action.act(idle(NOW), NOW);
    expect(t.stops).toHaveLength(1);
    expect(t.events).toEqual([]);
  });

  it('a failed hook aborts the stop with stop_failed and backs off; "stop" goes ahead anyway', async () => {
    const failing = async (): Promise<HookResult> => ({ ...okHook, exitCode: 2, output: 'disk full' });
    const t = setup({ config: { pre_stop_command: 'x' }, hook: failing });
    await t.action.act(idle(NOW), NOW);
    expect(t.stops).toEqual([]);
    expect(t.events.map((e) => [e.type, e.message])).toEqual([
      ['pre_stop', 'Pre-stop hook failed: exit 2 after 0.0 s (last output: disk full); stop aborted'],
      ['stop_failed', expect.stringMatching(/^Stop failed: pre-stop hook exit 2; retrying in 1 min/)],
    ]);
    expect(t.events[1]!.details).toMatchObject({ code: 'PRE_STOP_FAILED', attempt: 1 });
    expect(t.state.policy.notBefore).toBe(NOW + 60_000);
    expect(t.state.lastError).toBe('stop failed: pre-stop hook exit 2');

    const go = setup({ config: { pre_stop_command: 'x', pre_stop_on_failure: 'stop' }, hook: failing });
    await go.action.act(idle(NOW), NOW);
    expect(go.events.map((e) => e.type)).toEqual(['pre_stop', 'dry_run_stop']);
  });

  it('a hook interrupted by shutdown stops nothing and records nothing', async () => {
    const t = setup({ config: { pre_stop_command: 'x' }, hook: async () => ({ ...okHook, exitCode: null, signal: 'SIGTERM', aborted: true }) });
    await t.action.act(idle(NOW), NOW);
    expect(t.stops).toEqual([]);
    expect(t.events).toEqual([]);
  });
});

describe('failed-stop retry delay', () => {
  it('15 s doubling up to 16 min, never under one interval nor over the naptime', () => {
    const delays = (cfg: { check_interval_seconds: number; naptime_minutes: number }) => {
      const b = new Backoff(STOP_RETRY);
      return Array.from({ length: 9 }, () => retryDelayMs(b.next(), { ...DEFAULT_CONFIG, ...cfg }) / 1000);
    };
    expect(delays({ check_interval_seconds: 60, naptime_minutes: 30 })).toEqual([60, 60, 60, 120, 240, 480, 960, 960, 960]);
    expect(delays({ check_interval_seconds: 10, naptime_minutes: 5 })).toEqual([15, 30, 60, 120, 240, 300, 300, 300, 300]);
  });
});
