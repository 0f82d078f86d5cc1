/**
 * Keep-awake sources in the daemon, with a fake clock, sampler and provider: schedule
 * windows that keep awake or set the naptime, the final re-check reading the sources
 * again, and STATUS staying inside the Go client's 4 KiB read whatever the sources say.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, type Config } from '../../contract/config-schema.js';
import type { ScheduleWindow } from '../../contract/schedule.js';
import { GO_CLIENT_READ_BYTES, MAX_PID, MAX_RUN_HOLDS, STATUS_MAX_RUNS, nullSample, type KeepAwake, type Sample } from '../../contract/protocol.js';
import { Daemon } from '../../agent/daemon.js';
import { initialDaemonState } from '../../agent/daemon-state.js';
import { History } from '../../agent/history.js';
import { SHOWN_COMMAND_BYTES, SHOWN_REASON_BYTES } from '../../agent/keep-awake/run-holds.js';
import { DaemonSources } from '../../agent/keep-awake/daemon-sources.js';
import type { Sampler } from '../../agent/metrics/sampler.js';
import { LocalProvider } from '../../agent/provider.js';
import { MAX_STATUS_KEEP_AWAKE } from '../../agent/status-caps.js';
import { StatusView } from '../../agent/status-view.js';

const quiet = () => undefined;
const MIN = 60_000;
/** A Monday. */
const T0 = Date.parse('2026-06-01T12:00:00Z');

function idleSample(t: number): Sample {
  return { ...nullSample(t), cpu_percent: 1, memory_percent: 5, network_kbps: 0, disk_io_kbps: 0 };
}

const running: Array<{ daemon: Daemon; history: History }> = [];
afterEach(async () => {
  for (const o of running.splice(0)) {
    await o.daemon.close();
    await o.history.close();
  }
});

async function setup(config: Partial<Config>, sources: { sample?: KeepAwake[]; recheck?: KeepAwake[] } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-ka-daemon-'));
  const cfg = parseConfig({ ...DEFAULT_CONFIG, naptime_minutes: 10, warning_minutes: 2, check_interval_seconds: 60, gpu_monitoring_enabled: false, history_path: path.join(dir, 'h.jsonl'), ...config });
  const clock = { wall: T0, mono: 1000 };
  const sampler: Sampler = {
    sample: async (now) => ({ ...idleSample(now), keep_awake: sources.sample ?? [] }),
    reportInput: () => undefined,
    inputSources: () => [],
    keepAwake: () => sources.recheck ?? sources.sample ?? [],
  };
  const history = await History.open(cfg.history_path, 1000, quiet, () => clock.wall);
  const logs: string[] = [];
  const daemon = new Daemon({
    config: cfg,
    configPath: path.join(dir, 'snooze.json'),
    sampler,
    provider: new LocalProvider(),
    history,
    log: (_l, m) => void logs.push(m),
    dryRunFlag: false,
    reselectProvider: async () => new LocalProvider(),
    broadcast: () => undefined,
    warnTerminals: async () => 0,
    now: () => clock.wall,
    monoNow: () => clock.mono,
  });
  running.push({ daemon, history });
  const advance = async (ms: number) => {
    clock.wall += ms;
    clock.mono += ms;
    await daemon.tick();
  };
  const events = () => history.query({ limit: 100, details: false }).reverse();
  return { daemon, clock, advance, events, logs, sources };
}

const utc = (windows: ScheduleWindow[]) => ({ schedule: { timezone: 'UTC', windows } });

describe('schedule windows in the daemon', () => {
  it('an open keep-awake window blocks and is named; the countdown starts when it closes', async () => {
    const t = await setup(utc([{ days: 'mon', from: '11:00', to: '13:00', keep_awake: true }]));
    await t.daemon.tick();
    for (let i = 0; i < 59; i++) await t.advance(MIN); // 12:59, long past the 10-minute naptime
    const st = t.daemon.status();
    expect(st.state).toBe('active');
    expect(st.blockers).toEqual([{ metric: 'schedule', value: null, threshold: null, reason: 'Schedule: keep awake mon 11:00–13:00 UTC' }]);
    expect(st.schedule).toEqual({ timezone: 'UTC', open: ['keep awake mon 11:00–13:00 UTC'], keep_awake: true, naptime_minutes: null, next_change: '2026-06-01T13:00:00Z' });
    expect(t.events().map((e) => e.type)).toEqual([]);
    for (let i = 0; i < 11; i++) await t.advance(MIN); // 13:10
    expect(t.events().map((e) => e.type)).toEqual(['warning', 'dry_run_stop']);
  });

  it('an open naptime window replaces the naptime for the decision, STATUS and the stop reason', async () => {
    const t = await setup({ naptime_minutes: 30, warning_minutes: 1, ...utc([{ days: 'mon', from: '11:00', to: '13:00', naptime_minutes: 2 }]) });
    await t.daemon.tick();
    const st = t.daemon.status();
    expect(st).toMatchObject({ naptime_minutes: 30, effective_naptime_minutes: 2, schedule: { naptime_minutes: 2, open: ['naptime 2 min mon 11:00–13:00 UTC'] } });
    expect(st.seconds_until_stop).toBe(120);
    for (let i = 0; i < 3; i++) await t.advance(MIN);
    const stop = t.events().find((e) => e.type === 'dry_run_stop');
    expect(stop?.message).toBe('Would have stopped (local mode: not on EC2), nothing was stopped: idle for 2 minutes (naptime 2 minutes)');
    expect(stop?.time).toBe('2026-06-01T12:02:00Z');
  });

  it('CONFIG_SET of a schedule takes effect at once', async () => {
    const t = await setup({});
    await t.daemon.tick();
    expect(t.daemon.status()).toMatchObject({ schedule: null, effective_naptime_minutes: 10 });
    await t.daemon.handlers().CONFIG_SET({ values: utc([{ days: 'mon', from: '00:00', to: '24:00', naptime_minutes: 1 }]) }, { id: 1, privileged: true, subscribe: () => undefined });
    expect(t.daemon.status().effective_naptime_minutes).toBe(1);
  });
});

describe('the final re-check before a stop', () => {
  it('reads the keep-awake sources again: a process that appeared since the sample cancels the stop', async () => {
    const t = await setup({});
    await t.daemon.tick();
    for (let i = 0; i < 9; i++) await t.advance(MIN); // 12:09, warned at 12:08
    expect(t.events().map((e) => e.type)).toEqual(['warning']);
    // The sample at 12:10 is idle, but by the re-check a watched process has started.
    t.sources.recheck = [{ kind: 'process', reason: 'Process rsync (pid 4711): rsync -a data/ remote:' }];
    await t.advance(MIN);
    // The warned people hear once that the stop is off, and why.
    expect(t.events().map((e) => e.type)).toEqual(['warning', 'countdown_cancelled']);
    expect(t.events()[1]!.message).toBe('Stop cancelled: Process rsync (pid 4711): rsync -a data/ remote:');
    expect(t.logs.some((l) => /cancelled at the final re-check/.test(l))).toBe(true);
  });

  it('joins the schedule as of the re-check too', async () => {
    // The window opens exactly at the stop's sample: the re-check (same instant) sees it.
    const t = await setup(utc([{ days: 'mon', from: '12:10', to: '13:00', keep_awake: true }]));
    await t.daemon.tick();
    for (let i = 0; i < 10; i++) await t.advance(MIN);
    expect(t.events().map((e) => e.type)).toEqual(['warning', 'countdown_cancelled']);
    expect(t.daemon.status().blockers.map((b) => b.reason)).toEqual(['Schedule: keep awake mon 12:10–13:00 UTC']);
  });
});

describe('STATUS with many keep-awake sources', () => {
  it('lists a few, counts the rest, and fits one 4096-byte read in the worst case', () => {
    // Three UTF-8 bytes a character: the byte bounds, not character counts, must hold.
    const long = (i: number) => `Process cmd:${'p'.repeat(30)} (pid ${4_000_000 + i}): ${'訓練'.repeat(60)}`.slice(0, 160);
    const keepAwake: KeepAwake[] = Array.from({ length: 40 }, (_, i) => ({ kind: i % 2 ? 'process' : 'inhibitor', reason: long(i) }));
    const windows = Array.from({ length: 32 }, (_, i) => ({ days: 'mon,tue,wed,thu,fri,sat,sun,mon,tue,wed', from: '00:00', to: '24:00', naptime_minutes: 10000 + i / 1000 }));
    const config = parseConfig({ ...DEFAULT_CONFIG, schedule: { timezone: 'America/Argentina/ComodRivadavia', windows }, gpu_memory_threshold_percent: 1 });
    const s = initialDaemonState(config, new LocalProvider(), false);
    new DaemonSources(s).refresh(T0);
    const unreadable = ['cpu', 'memory', 'network', 'disk_io', 'gpu', 'input'] as const;
    s.lastSample = {
      ...nullSample(T0, [...unreadable]),
      gpu_count: 8,
      gpu_cards: Array.from({ length: 8 }, () => ({ util_percent: 99.99, memory_percent: 99.99 })),
      keep_awake: keepAwake,
    };
    s.lastError = 'e'.repeat(2000);
    s.instance = { id: 'i-0123456789abcdef0', type: 'p4de.24xlarge', region: 'ap-southeast-4', source: 'ec2' };
    // The desktop app reported its idle source unavailable: it moves from one list to the other.
    s.inputSources = ['pts', 'x11'];
    s.inputUnavailable = ['desktop'];
    // The longest config path STATUS names (clipped), a missing file and --dry-run: every optional field present.
    const worst = { ...s, configPath: `/${'c'.repeat(300)}`, configLoaded: false, dryRunFlag: true };
    const st = new StatusView(worst).get(T0);
    expect(st.config_path).toHaveLength(100);
    const ka = st.blockers.filter((b) => b.threshold === null && b.value === null && !unreadable.includes(b.metric as never));
    expect(ka).toHaveLength(MAX_STATUS_KEEP_AWAKE + 1);
    expect(ka.at(-1)!.reason).toBe(`and ${40 - MAX_STATUS_KEEP_AWAKE} more keep-awake reasons`);
    expect(st.schedule!.open).toHaveLength(3);
    expect(st.schedule!.open.at(-1)).toBe('and 30 more windows');
    for (const b of st.blockers) expect(Buffer.byteLength(b.reason)).toBeLessThanOrEqual(200);
    // The `snooze run` list at its largest (STATUS_MAX_RUNS holds, each clipped), measured rather than guessed.
    const run = { pid: MAX_PID, command: 'c'.repeat(SHOWN_COMMAND_BYTES), reason: 'r'.repeat(SHOWN_REASON_BYTES), since: '2026-06-01T12:00:00Z' };
    const bytes = Buffer.byteLength(JSON.stringify({ success: true, data: { ...st, runs: Array(STATUS_MAX_RUNS).fill(run), runs_total: MAX_RUN_HOLDS } })) + 1;
    expect(bytes).toBeLessThanOrEqual(GO_CLIENT_READ_BYTES);
  });
});

describe('an agent without schedule windows', () => {
  it('never calls Intl: the first call maps about 6 MB of ICU data into the agent for good', () => {
    const spy = vi.spyOn(Intl, 'DateTimeFormat');
    try {
      const s = initialDaemonState(DEFAULT_CONFIG, new LocalProvider(), false);
      const sources = new DaemonSources(s);
      sources.refresh(T0);
      sources.refresh(T0 + MIN);
      expect(s.schedule).toBeNull();
      expect(spy).not.toHaveBeenCalled();
      // With a window, the host's zone is looked up then.
      s.config = parseConfig({ ...DEFAULT_CONFIG, schedule: { timezone: '', windows: [{ days: 'mon-fri', from: '09:00', to: '18:00', keep_awake: true }] } });
      sources.refresh(T0 + 2 * MIN);
      expect(spy).toHaveBeenCalled();
      expect(s.schedule?.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
    } finally {
      spy.mockRestore();
    }
  });
});
