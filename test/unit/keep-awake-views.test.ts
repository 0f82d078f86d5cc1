/**
 * Where people see keep-awake sources and the schedule: `snooze status`, the tray's tooltip
 * and menu, and the dashboard's "Keeping it awake" list and schedule line.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Blocker, Status } from '../../contract/protocol.js';
import { scheduleSummary, type ScheduleStatus } from '../../contract/schedule.js';
import { clockTime } from '../../contract/time-format.js';
import { renderStatus } from '../../agent/cli/format.js';
import { trayView, type MenuSpec } from '../../electron/tray-view.js';
import { Blockers, ScheduleLine } from '../../renderer/views/Dashboard.js';
import { NOW, status } from '../helpers/status-fixtures.js';

const online = { online: true } as const;
const rsync: Blocker = { metric: 'process', value: null, threshold: null, reason: 'Process rsync (pid 4711): rsync -a data/ remote:' };
const lock: Blocker = { metric: 'inhibitor', value: null, threshold: null, reason: 'systemd-inhibit: backup — nightly backup (pid 812)' };
const cpu: Blocker = { metric: 'cpu', value: 43, threshold: 10, reason: 'CPU 43% (threshold 10%)' };
const office: ScheduleStatus = {
  timezone: 'Europe/Berlin',
  open: ['keep awake mon-fri 09:00–18:00 Europe/Berlin'],
  keep_awake: true,
  naptime_minutes: null,
  next_change: new Date(NOW + 3 * 3600_000).toISOString(),
};
const kept = (over: Partial<Status> = {}) => status({ blockers: [cpu, rsync, lock], schedule: office, ...over });
const labels = (menu: MenuSpec[]) => menu.filter((m): m is Extract<MenuSpec, { kind: 'label' }> => m.kind === 'label').map((m) => m.label);

describe('scheduleSummary', () => {
  it('names the open windows and when that changes, with the date when it is more than a day off', () => {
    expect(scheduleSummary(office, NOW)).toBe(`keep awake mon-fri 09:00–18:00 Europe/Berlin until ${clockTime(office.next_change!)}`);
    const weekend = { ...office, open: [], keep_awake: false, next_change: '2025-03-03T08:00:00Z' };
    expect(scheduleSummary(weekend, NOW)).toMatch(/^no window open; next change 2025-03-03 \d\d:00$/);
    expect(scheduleSummary({ ...weekend, next_change: null }, NOW)).toBe('no window open');
  });
});

describe('snooze status', () => {
  it('lists "Kept awake:" lines before the metrics, the schedule, and a naptime set by a window', () => {
    const out = renderStatus(kept({ effective_naptime_minutes: 0.1 }));
    const lines = out.split('\n');
    expect(lines).toContain('Kept awake: Process rsync (pid 4711): rsync -a data/ remote:');
    expect(lines).toContain('Kept awake: systemd-inhibit: backup — nightly backup (pid 812)');
    expect(lines.indexOf('Keeping it awake:')).toBeGreaterThan(lines.findIndex((l) => l.startsWith('Kept awake:')));
    expect(lines).toContain('  - CPU 43% (threshold 10%)');
    expect(out).toMatch(/^Naptime: {2}6 seconds \(schedule; configured 30 minutes\),/m);
    expect(out).toMatch(/^Schedule: keep awake mon-fri 09:00–18:00 Europe\/Berlin until \d\d:\d\d$/m);
  });

  it('without a schedule or keep-awake sources it reads as before', () => {
    const out = renderStatus(status({ blockers: [] }));
    expect(out).not.toMatch(/Schedule:|Kept awake/);
    expect(out).toMatch(/^Naptime: {2}30 minutes,/m);
    expect(out).toMatch(/Nothing keeps it awake/);
  });
});

describe('tray', () => {
  // On EC2: no mode line under the state line (local mode adds one; electron-tray-view.test.ts reads it).
  it('the tooltip names the keep-awake source first; the menu lists each one under a stable state line', () => {
    const v = trayView(kept({ mode: 'aws' }), online, { now: NOW });
    expect(v.tooltip).toBe('CloudSnooze: Kept awake — Process rsync (pid 4711): rsync -a data/ remote:, systemd-inhibit: backup — nightly backup (pid 812) +1 more'.slice(0, 119) + '…');
    expect(labels(v.menu)).toEqual([
      'Active — kept awake',
      'Kept awake: Process rsync (pid 4711): rsync -a data/ remote:',
      'Kept awake: systemd-inhibit: backup — nightly backup (pid 812)',
    ]);
    // The same sources at a later second: the menu is the same (no rebuild on Linux panels).
    expect(trayView(kept({ mode: 'aws' }), online, { now: NOW + 5000 }).menu).toEqual(v.menu);
  });

  it('menu labels leave out elapsed times, so they do not change every minute', () => {
    const run = (elapsed: string): Blocker => ({ metric: 'snooze_run', value: null, threshold: null, reason: `snooze run — rsync -a data/ (pid 4711, ${elapsed}) — sync` });
    const at = (elapsed: string) => labels(trayView(status({ mode: 'aws', blockers: [run(elapsed)] }), online, { now: NOW }).menu);
    expect(at('2 h 13 min')).toEqual(['Active — kept awake', 'Kept awake: snooze run — rsync -a data/ (pid 4711) — sync']);
    expect(at('2 h 14 min')).toEqual(at('2 h 13 min'));
    expect(at('42 s')).toEqual(at('2 h'));
  });

  it('lists at most three sources, each clipped', () => {
    const many = Array.from({ length: 5 }, (_, i): Blocker => ({ ...rsync, reason: `Process job${i} (pid ${i}): ${'x'.repeat(100)}` }));
    const l = labels(trayView(status({ mode: 'aws', blockers: many }), online, { now: NOW }).menu);
    expect(l).toHaveLength(5);
    expect(l.at(-1)).toBe('Kept awake: and 2 more');
    for (const s of l) expect(s.length).toBeLessThanOrEqual(70);
  });

  it('a stay-awake with a job running shows both', () => {
    const l = labels(trayView(kept({ mode: 'aws', state: 'stay_awake', stay_awake: { until: null, reason: 'x' } }), online, { now: NOW }).menu);
    expect(l.slice(0, 2)).toEqual(['Staying awake until released: x', 'Kept awake: Process rsync (pid 4711): rsync -a data/ remote:']);
  });
});

describe('dashboard', () => {
  it('"Keeping it awake" lists keep-awake sources first, each kind marked', () => {
    const html = renderToStaticMarkup(createElement(Blockers, { status: kept() }));
    const items = [...html.matchAll(/<li[^>]*data-kind="(\w+)">([^<]*)<\/li>/g)].map((m) => [m[1], m[2]]);
    expect(items).toEqual([
      ['process', 'Process rsync (pid 4711): rsync -a data/ remote:'],
      ['inhibitor', 'systemd-inhibit: backup — nightly backup (pid 812)'],
      ['cpu', 'CPU 43% (threshold 10%)'],
    ]);
    expect(html).toMatch(/class="keep-awake" data-kind="process"/);
  });

  it('the schedule line says which window is open, and the naptime a window sets', () => {
    const html = renderToStaticMarkup(createElement(ScheduleLine, { status: kept({ effective_naptime_minutes: 10 }), now: NOW }));
    expect(html).toMatch(/Schedule: keep awake mon-fri 09:00–18:00 Europe\/Berlin until \d\d:\d\d \(naptime 10 minutes now\)/);
    expect(renderToStaticMarkup(createElement(ScheduleLine, { status: status(), now: NOW }))).toBe('');
  });
});
