/** The daemon with fake clock, sampler and provider: wiring, holds, and the clock-jump guard. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../contract/config-schema.js';
import { Daemon } from '../../agent/daemon.js';
import { History } from '../../agent/history.js';
import type { Sampler } from '../../agent/metrics/sampler.js';
import { nullSample, type Sample } from '../../contract/protocol.js';
import { LocalProvider, type CloudProvider, type StopRequest } from '../../agent/provider.js';

const quiet = () => undefined;

function idleSample(t: number): Sample {
  return { ...nullSample(t), cpu_percent: 1, memory_percent: 5, network_kbps: 0, disk_io_kbps: 0 };
}

async function setup(opts: { config?: Partial<Config>; provider?: CloudProvider } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-daemon-'));
  const config: Config = { ...DEFAULT_CONFIG, naptime_minutes: 10, warning_minutes: 2, check_interval_seconds: 60, gpu_monitoring_enabled: false, history_path: path.join(dir, 'h.jsonl'), ...opts.config };
  const clock = { wall: Date.parse('2026-06-01T12:00:00Z'), mono: 1000 };
  const sampler: Sampler = { sample: async (now) => idleSample(now), reportInput: () => undefined, inputSources: () => [], keepAwake: () => [] };
  const history = await History.open(config.history_path, 1000, quiet, () => clock.wall);
  const daemon = new Daemon({
    config,
    configPath: path.join(dir, 'snooze.json'),
    sampler,
    provider: opts.provider ?? new LocalProvider(),
    history,
    log: quiet,
    dryRunFlag: false,
    reselectProvider: async () => new LocalProvider(),
    broadcast: () => undefined,
    warnTerminals: async () => 0,
    now: () => clock.wall,
    monoNow: () => clock.mono,
  });
  const advance = async (ms: number, jump = 0) => {
    clock.wall += ms + jump;
    clock.mono += ms;
    await daemon.tick();
  };
  const types = () => history.query({ limit: 100, details: false }).map((e) => e.type).reverse();
  return { daemon, history, clock, advance, types };
}

const open: Array<{ daemon: Daemon; history: History }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.daemon.close();
    await o.history.close();
  }
});

describe('daemon', () => {
  it('warns, then records a dry_run_stop after the naptime, then starts the timer again', async () => {
    const t = await setup();
    open.push(t);
    await t.daemon.tick();
    for (let i = 0; i < 10; i++) await t.advance(60_000);
    expect(t.types()).toEqual(['warning', 'dry_run_stop']);
    expect(t.daemon.status().idle_since).toBeNull();
  });

  it('does not count a forward wall-clock jump as idle time', async () => {
    const t = await setup();
    open.push(t);
    await t.daemon.tick();
    await t.advance(60_000, 3 * 3600_000); // NTP sets the clock 3 h forward
    expect(t.types()).toEqual([]);
    const st = t.daemon.status();
    expect(st.seconds_until_stop).toBe(9 * 60);
    for (let i = 0; i < 7; i++) await t.advance(60_000);
    expect(t.types()).toEqual(['warning']);
    await t.advance(60_000);
    await t.advance(60_000);
    expect(t.types()).toEqual(['warning', 'dry_run_stop']);
  });

  it('re-checks right before acting: a hold that arrives while the provider is busy cancels the stop', async () => {
    const stops: StopRequest[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let identifyCalls = 0;
    const provider: CloudProvider = {
      mode: 'aws',
      identify: async () => {
        // The second identify is the one right before the stop: hold it until the test posts a hold.
        if (++identifyCalls === 2) await gate;
        return { id: 'i-1', type: 't3.micro', region: 'us-east-1', source: 'ec2' };
      },
      stop: async (req) => {
        stops.push(req);
        return { kind: 'stopped', requestId: 'r-1' };
      },
      health: () => ({ monitorOnly: null, lastError: null }),
    };
    const t = await setup({ provider });
    open.push(t);
    await t.daemon.start();
    for (let i = 0; i < 9; i++) await t.advance(60_000);
    const acting = t.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(t.daemon.status().state).toBe('stopping');
    const stay = t.daemon.handlers().STAY_AWAKE({ reason: 'still here', minutes: undefined }, { id: 1, privileged: false, subscribe: () => undefined });
    release();
    await acting;
    await stay;
    expect(stops).toEqual([]);
    expect(t.daemon.status().state).toBe('stay_awake');
  });

  it('a provider that throws gives stop_failed and a backed-off retry, not a crash or a loop', async () => {
    let calls = 0;
    const provider: CloudProvider = {
      mode: 'aws',
      identify: async () => ({ id: 'i-1', type: 't3.micro', region: 'us-east-1', source: 'ec2' }),
      stop: async () => {
        calls++;
        throw new Error('socket hang up');
      },
      health: () => ({ monitorOnly: null, lastError: null }),
    };
    const t = await setup({ provider });
    open.push(t);
    await t.daemon.start();
    for (let i = 0; i < 10; i++) await t.advance(60_000);
    expect(t.types()).toEqual(['agent_start', 'warning', 'stop_failed']);
    expect(t.daemon.status().error).toMatch(/socket hang up/);
    // The next attempt waits for the backoff (15 s doubling, at least one interval).
    await t.advance(60_000);
    expect(calls).toBe(2);
  });

  it('monitor_only does not use up the warning: once it can act again, it warns before stopping', async () => {
    let monitorOnly: string | null = 'instance metadata unavailable';
    const stops: StopRequest[] = [];
    const provider: CloudProvider = {
      mode: 'aws',
      identify: async () => ({ id: 'i-1', type: 't3.micro', region: 'us-east-1', source: 'ec2' }),
      stop: async (req) => {
        stops.push(req);
        return { kind: 'stopped', requestId: 'r' };
      },
      health: () => ({ monitorOnly, lastError: null }),
    };
    const t = await setup({ provider });
    open.push(t);
    await t.daemon.start();
    for (let i = 0; i < 9; i++) await t.advance(60_000); // into the warning window while unable to act
    expect(t.types()).toEqual(['agent_start']);
    monitorOnly = null;
    await t.advance(60_000);
    expect(t.types()).toEqual(['agent_start', 'warning']);
    expect(stops).toHaveLength(0);
    await t.advance(60_000);
    expect(t.types()).toEqual(['agent_start', 'warning', 'stop']);
  });

  it('a hold that arrives while the provider is tagging cancels the stop before StopInstances', async () => {
    let stopInstancesSent = false;
    const provider: CloudProvider = {
      mode: 'aws',
      identify: async () => ({ id: 'i-1', type: 't3.micro', region: 'us-east-1', source: 'ec2' }),
      stop: async (req) => {
        // Tagging is slow; meanwhile the user asks to stay awake.
        await t.daemon.handlers().STAY_AWAKE({ reason: 'wait', minutes: undefined }, { id: 1, privileged: false, subscribe: () => undefined });
        if (req.stillWanted && !req.stillWanted()) return { kind: 'cancelled', note: 'hold arrived' };
        stopInstancesSent = true;
        return { kind: 'stopped' };
      },
      health: () => ({ monitorOnly: null, lastError: null }),
    };
    const t = await setup({ provider });
    open.push(t);
    await t.daemon.start();
    for (let i = 0; i < 10; i++) await t.advance(60_000);
    expect(stopInstancesSent).toBe(false);
    expect(t.types()).toEqual(['agent_start', 'warning', 'stay_awake']);
    expect(t.daemon.status().state).toBe('stay_awake');
  });
});

