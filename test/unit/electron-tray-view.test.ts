import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatCountdown } from '../../contract/time-format.js';
import { trayView, TRAY_ICONS, type MenuSpec, type TrayAction } from '../../electron/tray-view.js';
import { menuTemplate, panelVariant, TrayController, trayIconPath, traySize, type TrayLike } from '../../electron/tray.js';
import { counting as anyCounting, NOW, status as anyStatus } from '../helpers/status-fixtures.js';
import type { Status } from '../../contract/protocol.js';

// On EC2 unless a test says otherwise: the tray says "stops" there; local and dry-run modes are tested below.
const status = (over: Partial<Status> = {}) => anyStatus({ mode: 'aws', ...over });
const counting = (state: 'idle' | 'warning', left: number, over: Partial<Status> = {}) => anyCounting(state, left, { mode: 'aws', ...over });

const online = { online: true } as const;
const offline = { online: false, error: 'the CloudSnooze agent is not running (no answer on /run/x.sock)' } as const;

function labels(menu: MenuSpec[]): string[] {
  return menu.flatMap((m) => (m.kind === 'separator' ? ['—'] : m.kind === 'submenu' ? [m.label, ...labels(m.items).map((l) => `  ${l}`)] : [m.label]));
}
function find(menu: MenuSpec[], label: string): MenuSpec {
  for (const m of menu) {
    if ('label' in m && m.label === label) return m;
    if (m.kind === 'submenu') {
      const inner = m.items.find((i) => 'label' in i && i.label === label);
      if (inner) return inner;
    }
  }
  throw new Error(`no menu item ${label}`);
}
const enabled = (m: MenuSpec) => (m.kind === 'item' || m.kind === 'submenu' ? m.enabled : false);
const hhmm = (iso: string) => {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};

describe('trayView: state → icon, tooltip, menu', () => {
  it('active: green icon, tooltip names what keeps it awake', () => {
    const v = trayView(status(), online, { now: NOW });
    expect(v.icon).toBe('active');
    expect(v.tooltip).toBe('CloudSnooze: Active — CPU 43% (threshold 10%)');
    expect(v.menu[0]).toEqual({ kind: 'label', label: 'Active — CPU' });
    expect(enabled(find(v.menu, 'Release'))).toBe(false);
  });

  it('active with several blockers lists two and counts the rest', () => {
    const s = status({
      blockers: [
        { metric: 'cpu', value: 43, threshold: 10, reason: 'CPU 43% (threshold 10%)' },
        { metric: 'input', value: 3, threshold: 900, reason: 'input 3 s ago (threshold 900 s)' },
        { metric: 'network', value: null, threshold: 50, reason: 'network unreadable' },
      ],
    });
    expect(trayView(s, online, { now: NOW }).tooltip).toBe('CloudSnooze: Active — CPU 43% (threshold 10%), input 3 s ago (threshold 900 s) +1 more');
  });

  it('idle: countdown icon, tooltip "stops in 12:04", menu line in whole minutes', () => {
    const v = trayView(counting('idle', 12 * 60 + 4), online, { now: NOW });
    expect(v.icon).toBe('countdown');
    expect(v.tooltip).toBe('CloudSnooze: Idle — stops in 12:04');
    expect(v.menu[0]).toEqual({ kind: 'label', label: 'Idle — stops in 13 minutes' });
  });

  it('the tooltip counts down from stop_at as the clock moves, between status frames', () => {
    const s = counting('idle', 12 * 60 + 4);
    expect(trayView(s, online, { now: NOW + 64_000 }).tooltip).toBe('CloudSnooze: Idle — stops in 11:00');
    expect(trayView(s, online, { now: NOW + 3600_000 }).tooltip).toBe('CloudSnooze: Idle — stops in 00:00');
  });

  it('warning: final-warning icon', () => {
    const v = trayView(counting('warning', 299), online, { now: NOW });
    expect(v.icon).toBe('warning');
    expect(v.tooltip).toBe('CloudSnooze: Final warning — stops in 04:59');
    expect(enabled(find(v.menu, 'Postpone 30 min'))).toBe(true);
  });

  it('stopping: warning icon, no countdown', () => {
    const v = trayView(counting('warning', 0, { state: 'stopping' }), online, { now: NOW });
    expect(v.icon).toBe('warning');
    expect(v.tooltip).toBe('CloudSnooze: Stopping the instance…');
  });

  it('postponed: postponed icon, until when, Release enabled', () => {
    const until = new Date(NOW + 30 * 60_000).toISOString();
    const v = trayView(status({ state: 'postponed', blockers: [], postponed_until: until }), online, { now: NOW });
    expect(v.icon).toBe('postponed');
    expect(v.tooltip).toBe(`CloudSnooze: Postponed until ${hhmm(until)}`);
    expect(enabled(find(v.menu, 'Release postponement'))).toBe(true);
  });

  it('stay awake: awake icon, until released or until a time', () => {
    const forever = trayView(status({ state: 'stay_awake', stay_awake: { until: null, reason: 'training' } }), online, { now: NOW });
    expect(forever.icon).toBe('awake');
    expect(forever.tooltip).toBe('CloudSnooze: Staying awake until released: training');
    expect(enabled(find(forever.menu, 'Release stay-awake'))).toBe(true);
    const until = new Date(NOW + 3600_000).toISOString();
    const timed = trayView(status({ state: 'stay_awake', stay_awake: { until, reason: 'x' } }), online, { now: NOW });
    expect(timed.tooltip).toBe(`CloudSnooze: Staying awake until ${hhmm(until)}: x`);
  });

  it('a postponement stays in the tooltip and the menu while the metrics keep the box awake', () => {
    const until = new Date(NOW + 5 * 3600_000 + 54 * 60_000).toISOString();
    const v = trayView(status({ postponed_until: until }), online, { now: NOW });
    expect(v.icon).toBe('active');
    expect(v.tooltip).toBe(`CloudSnooze: Postponed until ${hhmm(until)} — and active now: CPU 43 %`);
    // Names, not values, in the menu: it is not rebuilt at every sample.
    expect(v.menu[0]).toEqual({ kind: 'label', label: `Postponed until ${hhmm(until)} — and active now: CPU` });
    expect(find(v.menu, 'Release postponement')).toMatchObject({ enabled: true });
  });

  it('every hold is shown with its end and reason; Release names what it releases', () => {
    const pu = new Date(NOW + 90 * 60_000).toISOString();
    const sa = new Date(NOW + 26 * 3600_000).toISOString();
    const v = trayView(status({ state: 'stay_awake', blockers: [], postponed_until: pu, stay_awake: { until: sa, reason: 'nightly \u001b[31mbackup' } }), online, { now: NOW });
    const lines = v.tooltip.split('\n');
    expect(lines[0]).toBe(`CloudSnooze: Postponed until ${hhmm(pu)}`);
    // Tomorrow says so; the user's reason is inert (no escape reaches the panel).
    expect(lines[1]).toMatch(new RegExp(`^Staying awake until tomorrow ${hhmm(sa)}: nightly .*backup$`));
    expect(lines[1]).not.toContain('\u001b');
    expect(labels(v.menu).slice(0, 2)).toEqual([`Postponed until ${hhmm(pu)}`, lines[1]]);
    expect(find(v.menu, 'Release postponement and stay-awake')).toMatchObject({ enabled: true });
    // Nothing to release: the plain label, disabled.
    expect(find(trayView(counting('idle', 300), online, { now: NOW }).menu, 'Release')).toMatchObject({ enabled: false });
  });

  it('local mode and dry run say "would stop", and the tooltip and menu name the mode', () => {
    const local = trayView(anyCounting('idle', 12 * 60 + 4, { mode: 'local' }), online, { now: NOW });
    expect(local.tooltip).toBe('CloudSnooze: Idle — would stop in 12:04\nLocal mode: not on EC2, nothing is stopped');
    expect(labels(local.menu).slice(0, 2)).toEqual(['Idle — would stop in 13 minutes', 'Local mode: not on EC2, nothing is stopped']);
    const dry = trayView(anyCounting('warning', 59, { mode: 'dry_run', dry_run_flag: true }), online, { now: NOW, coarseTooltip: true });
    expect(dry.tooltip).toBe('CloudSnooze: Final warning — would stop in 1 minute\nDry run (--dry-run): nothing is stopped');
    expect(trayView(anyCounting('warning', 0, { mode: 'dry_run', state: 'stopping' }), online, { now: NOW }).tooltip.split('\n')[0]).toBe('CloudSnooze: Would stop now — nothing is stopped in this mode');
    // On EC2 for real: no mode line, and "stops".
    const aws = trayView(counting('idle', 60), online, { now: NOW });
    expect(aws.tooltip).toBe('CloudSnooze: Idle — stops in 01:00');
    expect(labels(aws.menu)[1]).toBe('—');
  });

  it('monitor only: error icon with the reason', () => {
    const v = trayView(status({ state: 'monitor_only', error: 'no permission for ec2:StopInstances' }), online, { now: NOW });
    expect(v.icon).toBe('error');
    expect(v.tooltip).toBe('CloudSnooze: Monitor only (cannot act) — no permission for ec2:StopInstances');
  });

  it('offline: offline icon, the reason, every agent action disabled but the app items stay', () => {
    for (const s of [null, status()]) {
      const v = trayView(s, offline, { now: NOW });
      expect(v.icon).toBe('offline');
      expect(v.tooltip.startsWith('CloudSnooze: Agent offline — the CloudSnooze agent is not running')).toBe(true);
      expect(v.tooltip.length).toBeLessThanOrEqual(120);
      for (const l of ['Postpone 30 min', 'Postpone 1 h', 'Postpone 2 h', 'Stay awake', 'For 1 hour', 'Release']) expect(enabled(find(v.menu, l))).toBe(false);
      for (const l of ['Open dashboard', 'Settings…', 'History…', 'Quit']) expect(enabled(find(v.menu, l))).toBe(true);
    }
  });

  it('connected but no snapshot yet says so', () => {
    const v = trayView(null, online, { now: NOW });
    expect(v.icon).toBe('offline');
    expect(v.tooltip).toBe('CloudSnooze: Connecting to the agent…');
  });

  it('agent failure wins over everything: error icon', () => {
    const v = trayView(status(), offline, { now: NOW, agentFailure: 'the bundled agent exited 5 times in a row (exit code 2)' });
    expect(v.icon).toBe('error');
    expect(v.tooltip).toContain('Agent failed — the bundled agent exited 5 times');
    expect(enabled(find(v.menu, 'Postpone 30 min'))).toBe(false);
  });

  it('agent failure offers "Restart agent"; a healthy agent does not', () => {
    const v = trayView(null, offline, { now: NOW, agentFailure: 'the bundled agent exited 5 times in a row (exit code 2)' });
    expect(find(v.menu, 'Restart agent')).toEqual({ kind: 'item', label: 'Restart agent', action: 'restart-agent', enabled: true });
    expect(labels(trayView(status(), online).menu)).not.toContain('Restart agent');
    expect(labels(trayView(null, offline).menu)).not.toContain('Restart agent');
  });

  it('every icon name the view can produce is one of the drawn states', () => {
    const views = [
      trayView(status(), online),
      trayView(counting('idle', 100), online),
      trayView(counting('warning', 100), online),
      trayView(status({ state: 'postponed' }), online),
      trayView(status({ state: 'stay_awake' }), online),
      trayView(null, offline),
      trayView(status({ state: 'monitor_only' }), online),
    ];
    expect(new Set(views.map((v) => v.icon))).toEqual(new Set(TRAY_ICONS));
  });

  it('the Linux menu has every entry, in order, with Start at login as a checkbox', () => {
    const v = trayView(status(), online, { now: NOW, openAtLogin: true });
    expect(labels(v.menu)).toEqual([
      'Active — CPU',
      '—',
      'Postpone 30 min',
      'Postpone 1 h',
      'Postpone 2 h',
      'Stay awake',
      '  For 1 hour',
      '  For 4 hours',
      '  Until I release',
      'Release',
      '—',
      'Open dashboard',
      'Settings…',
      'History…',
      '—',
      'Start at login',
      '—',
      'Quit',
    ]);
    expect(find(v.menu, 'Start at login')).toEqual({ kind: 'checkbox', label: 'Start at login', action: 'toggle-login', checked: true });
    expect(find(trayView(status(), online).menu, 'Start at login')).toMatchObject({ checked: false });
  });

  it('formatCountdown', () => {
    expect(formatCountdown(754)).toBe('12:34');
    expect(formatCountdown(3725)).toBe('1:02:05');
    expect(formatCountdown(-3)).toBe('00:00');
  });
});

describe('menuTemplate', () => {
  it('turns the spec into an Electron template whose clicks dispatch the action', () => {
    const got: TrayAction[] = [];
    const tpl = menuTemplate(trayView(status({ state: 'postponed' }), online).menu, (a) => got.push(a));
    expect(tpl[0]).toEqual({ label: expect.any(String), enabled: false });
    expect(tpl[1]).toEqual({ type: 'separator' });
    const click = (t: MenuItemConstructorOptions) => (t.click as () => void)();
    click(tpl.find((t) => t.label === 'Postpone 1 h')!);
    const sub = tpl.find((t) => t.label === 'Stay awake')!.submenu as MenuItemConstructorOptions[];
    click(sub.find((t) => t.label === 'Until I release')!);
    click(tpl.find((t) => t.label === 'Release')!);
    click(tpl.find((t) => t.label === 'Start at login')!);
    expect(tpl.find((t) => t.label === 'Start at login')!.type).toBe('checkbox');
    expect(got).toEqual(['postpone:60', 'stay-awake:indefinite', 'release', 'toggle-login']);
  });
});

describe('TrayController', () => {
  function fakeTray() {
    const calls = { image: [] as string[], tooltip: [] as string[], menu: 0 };
    const tray: TrayLike = {
      setImage: (p) => void calls.image.push(p),
      setToolTip: (t) => void calls.tooltip.push(t),
      setContextMenu: () => void calls.menu++,
      onClick: () => undefined,
      destroy: () => undefined,
    };
    return { tray, calls };
  }

  it('touches Electron only when the icon, tooltip or menu changed', () => {
    const { tray, calls } = fakeTray();
    let created = '';
    const c = new TrayController({
      createTray: (p) => ((created = p), tray),
      iconPath: (i) => `/icons/${i}.png`,
      dispatch: () => undefined,
      onClick: () => undefined,
      now: () => NOW,
    });
    c.start();
    expect(created).toBe('/icons/offline.png');
    const menusAfterStart = calls.menu;
    c.update({ connection: online, status: status() });
    expect(calls.image).toEqual(['/icons/active.png']);
    const menus = calls.menu;
    expect(menus).toBe(menusAfterStart + 1);
    c.update({ status: status() });
    expect(calls.menu).toBe(menus);
    expect(calls.image).toEqual(['/icons/active.png']);
    c.update({ status: counting('warning', 120) });
    expect(calls.image).toEqual(['/icons/active.png', '/icons/warning.png']);
    expect(calls.tooltip.at(-1)).toBe('CloudSnooze: Final warning — stops in 02:00');
    c.update({ connection: offline });
    expect(calls.image.at(-1)).toBe('/icons/offline.png');
    c.stop();
  });

  it('ticks the tooltip every second during a countdown', () => {
    vi.useFakeTimers({ now: NOW });
    try {
      const { tray, calls } = fakeTray();
      const c = new TrayController({ createTray: () => tray, iconPath: (i) => i, dispatch: () => undefined, onClick: () => undefined });
      c.start();
      c.update({ connection: online, status: counting('idle', 600) });
      expect(calls.tooltip.at(-1)).toBe('CloudSnooze: Idle — stops in 10:00');
      vi.advanceTimersByTime(3000);
      expect(calls.tooltip.at(-1)).toBe('CloudSnooze: Idle — stops in 09:57');
      c.update({ status: status() });
      const n = calls.tooltip.length;
      vi.advanceTimersByTime(5000);
      expect(calls.tooltip.length).toBe(n);
      c.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('TrayController on Linux (finding 6: tooltip and menu churn)', () => {
  function fakeTray() {
    const calls = { tooltip: [] as string[], menus: [] as string[] };
    const tray: TrayLike = {
      setImage: () => undefined,
      setToolTip: (t) => void calls.tooltip.push(t),
      setContextMenu: (tpl) => void calls.menus.push(String(tpl[0]!.label)),
      onClick: () => undefined,
      destroy: () => undefined,
    };
    return { tray, calls };
  }

  it('sets the tooltip at most once a minute during a 10-minute countdown', () => {
    vi.useFakeTimers({ now: NOW });
    try {
      const { tray, calls } = fakeTray();
      const c = new TrayController({ createTray: () => tray, iconPath: (i) => i, dispatch: () => undefined, onClick: () => undefined, platform: 'linux' });
      c.start();
      c.update({ connection: online, status: counting('idle', 600) });
      const start = calls.tooltip.length;
      expect(calls.tooltip.at(-1)).toBe('CloudSnooze: Idle — stops in 10 minutes');
      // Frames every 5 s as the agent samples, plus the 1 s ticker.
      for (let t = 5; t <= 600; t += 5) {
        vi.advanceTimersByTime(5000);
        c.update({ status: counting('idle', 600 - t) });
      }
      const during = calls.tooltip.length - start;
      expect(during).toBeGreaterThan(0);
      expect(during).toBeLessThanOrEqual(10);
      // The menu follows the minutes too, never the seconds.
      expect(calls.menus.length).toBeLessThanOrEqual(12);
      c.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a state change still shows at once', () => {
    vi.useFakeTimers({ now: NOW });
    try {
      const { tray, calls } = fakeTray();
      const c = new TrayController({ createTray: () => tray, iconPath: (i) => i, dispatch: () => undefined, onClick: () => undefined, platform: 'linux' });
      c.start();
      c.update({ connection: online, status: counting('idle', 600) });
      vi.advanceTimersByTime(2000);
      c.update({ status: counting('warning', 120) });
      expect(calls.tooltip.at(-1)).toBe('CloudSnooze: Final warning — stops in 2 minutes');
      c.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the "Active" menu line the same while only the values change', () => {
    const a = trayView(status(), online, { now: NOW });
    const b = trayView({ ...status(), blockers: [{ metric: 'cpu', value: 71, threshold: 10, reason: 'CPU 71% (threshold 10%)' }] }, online, { now: NOW });
    expect(a.menu[0]).toEqual({ kind: 'label', label: 'Active — CPU' });
    expect(b.menu).toEqual(a.menu);
    expect(b.tooltip).not.toBe(a.tooltip);
  });
});

describe('tray icon files', () => {
  const assets = path.join(import.meta.dirname, '..', '..', 'assets');
  it('exist for every state, both panel variants, at 1x and 2x, for the size each platform uses', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      for (const icon of TRAY_ICONS) {
        for (const variant of ['light', 'dark'] as const) {
          const p = trayIconPath(assets, icon, variant, traySize(platform));
          expect(existsSync(p), p).toBe(true);
          expect(existsSync(p.replace(/\.png$/, '@2x.png')), p).toBe(true);
        }
      }
    }
  });

  it('panel variant: Linux defaults to dark panels, others follow the theme, env overrides', () => {
    expect(panelVariant('linux', false, {})).toBe('dark');
    expect(panelVariant('darwin', false, {})).toBe('light');
    expect(panelVariant('darwin', true, {})).toBe('dark');
    expect(panelVariant('linux', true, { CLOUDSNOOZE_TRAY_VARIANT: 'light' })).toBe('light');
  });
});

describe("README's desktop section quotes the tray's own words", () => {
  const readme = readFileSync(path.join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The desktop app and the dashboard'), readme.indexOf('## Benchmarks'));
  const quoted = (s: string) => section.replace(/\s*\n\s*/g, ' ').includes(s);

  it('the countdown tooltip, on Linux in whole minutes, and "would stop" off EC2', () => {
    const s = counting('idle', 12 * 60 + 4);
    const tip = trayView(s, online, { now: NOW }).tooltip.replace(/^CloudSnooze: /, '');
    const linuxTip = trayView(s, online, { now: NOW, coarseTooltip: true }).tooltip.replace(/^CloudSnooze: /, '');
    expect(quoted(`\`${tip}\``), tip).toBe(true);
    expect(quoted(`\`${linuxTip}\``), linuxTip).toBe(true);
    expect(trayView(anyCounting('idle', 60, { mode: 'local' }), online, { now: NOW }).tooltip).toContain('would stop');
    expect(quoted('`would stop`')).toBe(true);
  });

  it('every menu item by its label', () => {
    const items = labels(trayView(status(), online, { now: NOW }).menu.slice(1)).filter((l) => l !== '—').map((l) => l.trim());
    for (const l of items) expect(quoted(l), l).toBe(true);
  });
});
