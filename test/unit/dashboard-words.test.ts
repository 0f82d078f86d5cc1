/**
 * What the dashboard says, without a browser: holds while busy, the Release button, the
 * line under the headline, the tab title, one notice per final warning, times and
 * durations, per-field settings errors, the history CSV, and the bridge's hold calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent, Status } from '../../contract/protocol.js';
import { status as fixtureStatus } from '../helpers/status-fixtures.js';
import type { CloudSnoozeApi, Result } from '../../contract/ipc.js';
import { createBridge, outcomeOf, settingsErrors } from '../../renderer/bridge.js';
import { dryRunNote, pinNote } from '../../renderer/settings-fields.js';
import { DEFAULT_CONFIG } from '../../contract/config-schema.js';
import { activeNow, heroDetail, holdLines, releaseButton } from '../../renderer/hold-words.js';
import { blockerShort } from '../../contract/messages.js';
import { HISTORY_CSV_HEADER, historyCsv, historyCsvName } from '../../renderer/history-csv.js';
import { createRendererStore } from '../../renderer/store.js';
import { tabTitle } from '../../renderer/tab-title.js';
import { minutesWords, plural, utcOffset, whenText, zoneText } from '../../contract/time-format.js';
import { warningNotice, warningStep } from '../../renderer/warning-notice.js';

// Local clock = UTC clock, so the times below read the same on any host; Node follows TZ changes at run time.
const savedTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

const NOW = Date.parse('2026-03-02T15:00:00Z');
const local = (iso: string) => new Date(iso).toISOString();

function status(over: Partial<Status> = {}): Status {
  return fixtureStatus({
    mode: 'aws',
    metrics: { cpu_percent: 75, memory_percent: 20, network_kbps: 0, disk_io_kbps: 3, input_idle_secs: 12, gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, gpu_cards: [] },
    blockers: [],
    instance: { id: 'i-0abc', type: 't3.large', region: 'eu-west-1', source: 'ec2' },
    input_sources: ['pts'],
    sampled_at: local('2026-03-02T15:00:00Z'),
    ...over,
  });
}

const cpuBusy = { metric: 'cpu' as const, value: 75, threshold: 10, reason: 'CPU 75.0% (threshold 10%)' };
const inputBusy = { metric: 'input' as const, value: 12, threshold: 900, reason: 'input 12 s ago (threshold 15 min)' };

describe('holds in words', () => {
  it('keeps a postponement visible while the metrics keep the box awake', () => {
    const s = status({ postponed_until: '2026-03-02T15:54:00Z', blockers: [cpuBusy] });
    expect(holdLines(s, NOW)).toEqual([{ kind: 'postpone', text: 'Postponed until 15:54 — and active now: CPU 75 %' }]);
    expect(activeNow(status({ blockers: [cpuBusy, inputBusy] }))).toBe('CPU 75 %, input 12 s ago');
    // Idle and postponed: no "active now".
    expect(holdLines(status({ state: 'postponed', postponed_until: '2026-03-02T15:54:00Z' }), NOW)).toEqual([{ kind: 'postpone', text: 'Postponed until 15:54' }]);
  });

  it('says a blocker as the tray and the CLI say it (one wording, from the contract)', () => {
    const blockers: Status['blockers'] = [
      { metric: 'memory', value: 8.46, threshold: 1, reason: 'memory 8.5% (threshold 1%)' },
      { metric: 'network', value: 1204.4, threshold: 50, reason: 'network 1204.4 KB/s (threshold 50 KB/s)' },
      { metric: 'gpu', value: 40, threshold: 5, reason: 'GPU memory 40.0% (threshold 5%)' },
      { metric: 'disk_io', value: null, threshold: 100, reason: 'disk I/O could not be read' },
      { metric: 'snooze_run', value: null, threshold: null, reason: 'snooze run — make (pid 7)' },
    ];
    const words = 'memory 8.5 %, network 1204 KB/s, GPU memory 40 %, disk I/O could not be read, snooze run — make (pid 7)';
    expect(activeNow(status({ blockers }))).toBe(words);
    // The tray's tooltip and the CLI's State line join the same contract words.
    expect(blockers.map(blockerShort).join(', ')).toBe(words);
    expect(holdLines(status({ stay_awake: { until: null, reason: '' }, blockers: [cpuBusy] }), NOW)[0]!.text).toBe('Staying awake until released — and active now: CPU 75 %');
  });

  it('lists every hold: stay-awake with its end and reason, process holds, and how many more', () => {
    const s = status({
      postponed_until: '2026-03-03T09:00:00Z',
      stay_awake: { until: null, reason: 'training run' },
      runs: [{ pid: 4711, command: 'rsync -a data/ s3', reason: '', since: '2026-03-02T14:00:00Z' }],
      runs_total: 3,
    });
    expect(holdLines(s, NOW).map((l) => l.text)).toEqual([
      'Postponed until tomorrow 09:00',
      'Staying awake until released: training run',
      'While rsync -a data/ s3 runs (pid 4711)',
      'and 2 more snooze run holds',
    ]);
    expect(holdLines(status(), NOW)).toEqual([]);
  });

  it('names a snooze run hold once: its line says what it runs, not "— and active now:" the same job again', () => {
    const run = { pid: 3705, command: 'sleep 20', reason: 'nightly build', since: '2026-03-02T14:59:58Z' };
    const runBlocker = { metric: 'snooze_run' as const, value: null, threshold: null, reason: 'snooze run — sleep 20 (pid 3705, 2 s) — nightly build' };
    expect(holdLines(status({ runs: [run], runs_total: 1, blockers: [runBlocker] }), NOW)).toEqual([{ kind: 'run', text: 'While sleep 20 runs (pid 3705): nightly build' }]);
    // A metric busy beside it is still named.
    expect(holdLines(status({ runs: [run], runs_total: 1, blockers: [runBlocker, cpuBusy] }), NOW)[0]!.text).toBe('While sleep 20 runs (pid 3705): nightly build — and active now: CPU 75 %');
    // As the tray's first line says it: the hold, then the metrics only.
    expect(holdLines(status({ postponed_until: '2026-03-02T15:54:00Z', blockers: [runBlocker, cpuBusy] }), NOW)[0]!.text).toBe('Postponed until 15:54 — and active now: CPU 75 %');
  });

  it('claims nothing about holds while the agent is unknown (offline)', () => {
    expect(releaseButton(null)).toEqual({ label: 'Release', disabled: true, note: null });
  });

  it('names what Release releases, and is disabled with nothing to release', () => {
    expect(releaseButton(status())).toEqual({ label: 'Release', disabled: true, note: 'Nothing to release.' });
    expect(releaseButton(null)).toMatchObject({ label: 'Release', disabled: true });
    expect(releaseButton(status({ postponed_until: '2026-03-02T16:00:00Z' }))).toEqual({ label: 'Release postponement', disabled: false, note: null });
    expect(releaseButton(status({ stay_awake: { until: null, reason: 'x' } })).label).toBe('Release stay-awake');
    expect(releaseButton(status({ postponed_until: '2026-03-02T16:00:00Z', stay_awake: { until: null, reason: 'x' } })).label).toBe(
      'Release postponement and stay-awake',
    );
    // Process holds are not RELEASE's to end: disabled, and it says why.
    expect(releaseButton(status({ runs_total: 1 }))).toEqual({ label: 'Release', disabled: true, note: 'A snooze run hold ends with its command, not here.' });
  });

  it('never promises a stop a hold prevents, and says "would stop" where nothing is stopped', () => {
    expect(heroDetail(status(), false, NOW)).toBe('Stops after 30 minutes with every metric below its threshold');
    expect(heroDetail(status({ mode: 'local', effective_naptime_minutes: 1 }), false, NOW)).toBe('Would stop after 1 minute with every metric below its threshold');
    expect(heroDetail(status({ postponed_until: '2026-03-02T17:00:00Z', blockers: [cpuBusy] }), false, NOW)).toBeNull();
    const idle = { state: 'idle' as const, stop_at: '2026-03-02T15:20:05Z', seconds_until_stop: 1205 };
    expect(heroDetail(status(idle), true, NOW)).toBe('Stops at 15:20:05 unless something becomes active');
    expect(heroDetail(status({ ...idle, mode: 'dry_run' }), true, NOW)).toBe('Would stop at 15:20:05; nothing is stopped in this mode');
    expect(heroDetail(status({ state: 'postponed', stop_at: '2026-03-02T17:30:00Z', mode: 'local' }), true, NOW)).toBe('Earliest it would stop: 17:30:00, if it stays idle');
  });

  it('puts why it only monitors under the headline, not in it', () => {
    const mo = status({ state: 'monitor_only', error: 'instance metadata unavailable: connect ECONNREFUSED 127.0.0.1:9' });
    expect(heroDetail(mo, false, NOW)).toBe('It watches but stops nothing: instance metadata unavailable: connect ECONNREFUSED 127.0.0.1:9');
    expect(heroDetail(status({ state: 'monitor_only', error: null }), false, NOW)).toBe('It watches but stops nothing.');
  });
});

describe('tab title', () => {
  it('leads with the countdown while counting, and says "would stop" where nothing is stopped', () => {
    expect(tabTitle(status({ state: 'idle' }), true, 754)).toBe('12:34 until stop · CloudSnooze');
    expect(tabTitle(status({ state: 'warning' }), true, 59.2)).toBe('⚠ 01:00 until stop · CloudSnooze');
    expect(tabTitle(status({ state: 'idle', mode: 'local' }), true, 754)).toBe('12:34 until it would stop · CloudSnooze');
    expect(tabTitle(status({ state: 'postponed', postponed_until: '2026-03-02T15:54:00Z' }), true, 1800)).toBe('Postponed until 15:54 · CloudSnooze');
    expect(tabTitle(status(), true, null)).toBe('Active · CloudSnooze');
    expect(tabTitle(status({ blockers: [{ metric: 'snooze_run', value: null, threshold: null, reason: 'snooze run — make (pid 7)' }] }), true, null)).toBe('Kept awake · CloudSnooze');
    // The CLI's and the tray's name for the state.
    expect(tabTitle(status({ state: 'monitor_only' }), true, null)).toBe('Monitor only · CloudSnooze');
    expect(tabTitle(status(), false, null)).toBe('CloudSnooze');
    expect(tabTitle(null, true, null)).toBe('CloudSnooze');
  });
});

describe('browser notice at the final warning', () => {
  it('notifies once per warning spell, not again on a replayed warning, and re-arms after it ends', () => {
    const seq: Status['state'][] = ['idle', 'warning', 'warning', 'stopping', 'warning', 'active', 'idle', 'warning', 'warning'];
    let announced = false;
    const shown: number[] = [];
    seq.forEach((state, i) => {
      const r = warningStep(announced, status({ state }));
      announced = r.announced;
      if (r.notify) shown.push(i);
    });
    expect(shown).toEqual([1, 7]);
  });

  it('says "would stop" where nothing is stopped', () => {
    expect(warningNotice(status({ state: 'warning' }), 65).title).toBe('CloudSnooze will stop this instance in 01:05');
    const local = warningNotice(status({ state: 'warning', mode: 'local' }), null);
    expect(local.title).toBe('CloudSnooze would stop this instance soon');
    expect(local.body).toContain('nothing is stopped');
  });
});

describe('times and durations', () => {
  it('pluralises properly', () => {
    expect(plural(1, 'minute')).toBe('1 minute');
    expect(plural(2, 'minute')).toBe('2 minutes');
    expect(minutesWords(0.5)).toBe('30 seconds');
    expect(minutesWords(1)).toBe('1 minute');
    expect(minutesWords(1.5)).toBe('1 minute 30 seconds');
    expect(minutesWords(1440)).toBe('1 day');
    expect(minutesWords(1500)).toBe('1 day 1 hour');
    expect(minutesWords(60)).toBe('1 hour');
    expect(minutesWords(90)).toBe('1 hour 30 minutes');
    expect(minutesWords(121)).toBe('2 hours 1 minute');
    expect(minutesWords(10_080)).toBe('7 days');
  });

  it('gives the day only when it is not today, and names the zone', () => {
    expect(whenText('2026-03-02T15:54:00Z', NOW)).toBe('15:54');
    expect(whenText('2026-03-02T15:54:07Z', NOW, true)).toBe('15:54:07');
    expect(whenText('2026-03-03T09:00:00Z', NOW)).toBe('tomorrow 09:00');
    expect(whenText('2026-03-01T23:10:00Z', NOW)).toBe('yesterday 23:10');
    expect(whenText('2026-03-05T09:00:00Z', NOW)).toBe('Thu 09:00');
    expect(whenText('2026-04-05T09:00:00Z', NOW)).toBe('2026-04-05 09:00');
    expect(whenText('not a time', NOW)).toBe('not a time');
    expect(utcOffset(NOW)).toBe('UTC');
    expect(zoneText(NOW, 'UTC')).toBe('UTC');
    expect(zoneText(NOW, 'Europe/Berlin')).toBe('Europe/Berlin, UTC');
    expect(zoneText(NOW, undefined)).toBe('UTC');
    // In another zone: local clock time, and the offset in force on that date.
    process.env.TZ = 'Europe/Berlin';
    try {
      expect(whenText('2026-03-02T15:54:00Z', NOW)).toBe('16:54');
      expect(whenText('2026-03-02T23:30:00Z', NOW)).toBe('tomorrow 00:30');
      expect(zoneText(NOW, 'Europe/Berlin')).toBe('Europe/Berlin, UTC+01:00');
      expect(utcOffset(Date.parse('2026-07-01T12:00:00Z'))).toBe('UTC+02:00');
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});

describe('one home for time words', () => {
  // The CLI, the agent's history messages, the tray and the dashboard call contract/time-format.ts;
  // a second plural() or whenText() elsewhere would drift from it (it did once: "1.5 minutes" here,
  // "1 minute 30 seconds" there).
  it('no other source file defines a time or duration formatter', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const names = ['plural', 'durationWords', 'minutesWords', 'formatDuration', 'formatCountdown', 'clockTime', 'clockTimeSeconds', 'dateTime', 'whenText', 'localStamp', 'zoneName', 'utcOffset', 'zoneText'];
    const def = new RegExp(`(?:function|const)\\s+(?:${names.join('|')})\\b`);
    const offenders: string[] = [];
    for (const dir of ['contract', 'agent', 'electron', 'renderer', 'lib']) {
      for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
        if (!/\.tsx?$/.test(f) || join(dir, f) === join('contract', 'time-format.ts')) continue;
        if (def.test(readFileSync(join(dir, f), 'utf8'))) offenders.push(join(dir, f));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('a time in a sentence read elsewhere carries its zone; another day carries its date', async () => {
    const { localStamp, dateTimeZone } = await import('../../contract/time-format.js');
    expect(localStamp('2026-03-02T15:54:00Z', NOW)).toBe('15:54 UTC');
    expect(localStamp('2026-03-02T15:54:07Z', NOW, { seconds: true })).toBe('15:54:07 UTC');
    expect(localStamp('2026-03-03T09:00:00Z', NOW)).toBe('2026-03-03 09:00 UTC');
    expect(dateTimeZone('2026-03-02T15:54:07Z')).toBe('2026-03-02 15:54:07 UTC');
    process.env.TZ = 'Europe/Berlin';
    try {
      expect(localStamp('2026-03-02T15:54:00Z', NOW)).toMatch(/^16:54 (CET|GMT\+1)$/);
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});

describe('settings pinned by a tag', () => {
  it('a pinned key is read-only with a note naming its tag (with the configured prefix); a file key is not', () => {
    const view = { ...DEFAULT_CONFIG, tagging_prefix: 'Acme', sources: { naptime_minutes: 'tag' as const, cpu_threshold_percent: 'file' as const } };
    expect(pinNote(view, 'naptime_minutes')).toBe('Set by the instance tag Acme:Config:naptime_minutes: read-only here.');
    expect(pinNote(view, 'cpu_threshold_percent')).toBeNull();
    expect(pinNote(DEFAULT_CONFIG, 'naptime_minutes')).toBeNull();
  });

  it('the Settings form renders the pinned field read-only, described by the note; the others stay editable', async () => {
    const { createElement } = await import('react');
    const { renderToStaticMarkup } = await import('react-dom/server');
    const { Settings } = await import('../../renderer/views/Settings.js');
    const { BridgeContext, StoreContext } = await import('../../renderer/context.js');
    const store = createRendererStore();
    store.setState({ settings: { ...store.getState().settings, config: { ...DEFAULT_CONFIG, naptime_minutes: 45, sources: { naptime_minutes: 'tag' } } as never } });
    const html = renderToStaticMarkup(
      // A server render reads zustand's initial state: hand it the state set above.
      createElement(StoreContext.Provider, { value: { ...store, getInitialState: store.getState } }, createElement(BridgeContext.Provider, { value: {} as never }, createElement(Settings))),
    );
    const input = (key: string) => new RegExp(`<input[^>]*id="cfg-${key}"[^>]*>`).exec(html)?.[0] ?? html.slice(0, 300);
    expect(input('naptime_minutes')).toMatch(/readOnly|readonly/);
    expect(input('naptime_minutes')).toMatch(/aria-readonly="true"/);
    expect(input('naptime_minutes')).toMatch(/aria-describedby="[^"]*note-naptime_minutes/);
    expect(input('naptime_minutes')).toMatch(/value="45"/);
    expect(html).toContain('Set by the instance tag CloudSnooze:Config:naptime_minutes: read-only here.');
    expect(input('cpu_threshold_percent')).not.toMatch(/readonly/i);
  });

  it("a PINNED refusal's fields land on the pinned field", () => {
    const r = { error: 'naptime_minutes is pinned by the instance tag CloudSnooze:Config:naptime_minutes = "45": …', fields: { naptime_minutes: 'Naptime is pinned by the instance tag CloudSnooze:Config:naptime_minutes = "45": change or remove the tag (snooze fleet policy set), not this setting; nothing changed' } };
    expect(settingsErrors(r, ['naptime_minutes', 'cpu_threshold_percent'], [])).toEqual(r.fields);
  });
});

describe('settings errors by field', () => {
  it("uses the agent's per-field messages when it sends them", () => {
    const fields = { check_interval_seconds: 'Check interval must be a whole number of seconds (you entered 1.5)', 'logging.log_level': 'Log level must be one of …' };
    expect(settingsErrors({ error: 'two settings were refused', fields }, ['check_interval_seconds'], [])).toEqual(fields);
  });

  it("splits an older agent's one sentence onto the keys it names; the rest stays general", () => {
    const r = { error: 'CONFIG_SET: check_interval_seconds must be an int (got 1.5); naptime_minutes must be at least 0.05 (got 0); something else' };
    expect(settingsErrors(r, ['check_interval_seconds', 'naptime_minutes'], [])).toEqual({
      check_interval_seconds: 'check_interval_seconds must be an int (got 1.5)',
      naptime_minutes: 'naptime_minutes must be at least 0.05 (got 0)',
      _: 'something else',
    });
    expect(settingsErrors({ error: 'Authentication was cancelled or refused; nothing was changed.', fields: {} }, ['naptime_minutes'], [])).toEqual({
      _: 'Authentication was cancelled or refused; nothing was changed.',
    });
  });
});

describe('what an action did, and the --dry-run flag in Settings', () => {
  it("shows the agent's own account of a hold command when it sends one", () => {
    expect(outcomeOf(status())).toBeNull();
    const withOutcome = { ...status(), outcome: { changed: false, message: 'Still postponed until 17:00: a 30-minute postponement ends sooner, so nothing changed' } };
    expect(outcomeOf(withOutcome)).toBe('Still postponed until 17:00: a 30-minute postponement ends sooner, so nothing changed');
  });

  it('says when --dry-run on the command line wins over the setting, and what local mode means', () => {
    expect(dryRunNote('aws', false, undefined)).toBeNull();
    expect(dryRunNote('aws', false, false)).toBeNull();
    expect(dryRunNote('dry_run', false, undefined)).toMatchObject({ forced: true, text: expect.stringContaining('--dry-run') });
    expect(dryRunNote('dry_run', true, false)).toBeNull();
    expect(dryRunNote('local', false, true)).toMatchObject({ forced: true, text: expect.stringContaining('local mode never stops anything') });
    expect(dryRunNote('local', false, undefined)).toMatchObject({ forced: false, text: expect.stringContaining('Local mode') });
  });
});

describe('history CSV', () => {
  it('keeps UTC RFC 3339 times, defuses formulas and quotes per RFC 4180', () => {
    const events: HistoryEvent[] = [
      { id: 12, time: '2026-03-02T14:05:09Z', type: 'postpone', message: 'Postponed by 1 hour, "quoted"', by: 'socket group member' },
      { id: 11, time: '2026-03-02T14:00:00Z', type: 'stay_awake', message: '=cmd|" /C calc"!A0' },
      { id: 10, time: '2026-03-02T13:00:00Z', type: 'warning', message: 'line\nbreak\u001b[31m' },
    ];
    expect(historyCsv(events)).toBe(
      [
        HISTORY_CSV_HEADER,
        '12,2026-03-02T14:05:09Z,postpone,"Postponed by 1 hour, ""quoted""",socket group member',
        `11,2026-03-02T14:00:00Z,stay_awake,"'=cmd|"" /C calc""!A0",`,
        '10,2026-03-02T13:00:00Z,warning,line\\u000abreak\\u001b[31m,',
        '',
      ].join('\r\n'),
    );
    expect(historyCsv([])).toBe(`${HISTORY_CSV_HEADER}\r\n`);
    expect(historyCsvName(NOW, 'warning')).toBe('cloudsnooze-history-warning-20260302-1500.csv');
  });
});

describe('bridge: holds and history pages', () => {
  it('sends the stay-awake duration and reason (blank: the default reason), and asks for a history page as given', async () => {
    const calls: unknown[] = [];
    const ok = <T>(data: T): Promise<Result<T>> => Promise.resolve({ ok: true, data });
    const api = {
      stayAwake: (minutes?: number, reason?: string) => (calls.push(['stayAwake', minutes, reason]), ok(status())),
      getHistory: (q: unknown) => (calls.push(['getHistory', q]), ok({ events: [] })),
    } as unknown as CloudSnoozeApi;
    const store = createRendererStore();
    const bridge = createBridge(api, store);
    await bridge.stayAwake(240, '  training run ');
    await bridge.stayAwake(undefined, '   ');
    const r = await bridge.queryHistory({ limit: 51, type: 'warning', before_id: 77 });
    expect(r).toEqual({ ok: true, data: { events: [] } });
    expect(calls).toEqual([
      ['stayAwake', 240, 'training run'],
      ['stayAwake', undefined, 'Stay awake from the dashboard'],
      ['getHistory', { limit: 51, type: 'warning', before_id: 77 }],
    ]);
    // A page never touches the dashboard's recent events.
    expect(store.getState().history.events).toEqual([]);
  });
});

describe('a settings change in history, in words', () => {
  it('names the setting by its label and the values with their units, old and new', async () => {
    const { settingChanged, valueWords } = await import('../../contract/messages.js');
    expect(settingChanged('naptime_minutes', 30, 45)).toBe('Naptime set to 45 minutes (was 30 minutes)');
    expect(settingChanged('input_idle_threshold_secs', 900, 1800)).toBe('Input idle threshold set to 30 minutes (was 15 minutes)');
    expect(settingChanged('cpu_threshold_percent', 10, 2.5)).toBe('CPU threshold set to 2.5 % (was 10 %)');
    expect(settingChanged('enable_instance_tags', true, false)).toBe('Instance tags set to off (was on)');
    expect(settingChanged('aws_region', '', 'eu-west-1')).toBe('AWS region set to "eu-west-1" (was empty)');
    expect(settingChanged('naptime_minutes', undefined, 1)).toBe('Naptime set to 1 minute');
    // A group by the leaves that changed, not as JSON.
    expect(settingChanged('logging', { log_level: 'info' }, { log_level: 'debug' })).toBe('Log level set to "debug" (was "info")');
    expect(valueWords('naptime_minutes', 0.05)).toBe('3 seconds');
    expect(valueWords('check_interval_seconds', 1)).toBe('1 second');
  });
});
