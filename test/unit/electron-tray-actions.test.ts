/**
 * What a tray menu item or a notification button does, with the agent and the desktop
 * replaced by recorders: which command with which parameters, and what a failure says.
 */
import { describe, expect, it } from 'vitest';
import { STAY_AWAKE_REASON, trayActionOf, trayDispatcher, type TrayActionDeps } from '../../electron/tray-actions.js';
import type { TrayAction } from '../../electron/tray-view.js';

function setup(o: { refuse?: boolean; loginBroken?: boolean } = {}) {
  const rec = { requests: [] as [string, unknown][], opened: [] as string[], failed: [] as string[], login: false, shownLogin: [] as boolean[], restarts: 0, quits: 0 };
  const deps: TrayActionDeps = {
    request: (c, p) => {
      rec.requests.push([c, p]);
      return o.refuse ? Promise.reject(new Error('the agent said no')) : Promise.resolve({});
    },
    restartAgent: () => void rec.restarts++,
    open: (v) => void rec.opened.push(v),
    openAtLogin: {
      get: () => rec.login,
      set: (on) => {
        if (o.loginBroken) throw new Error('read-only autostart folder');
        rec.login = on;
      },
    },
    showOpenAtLogin: (on) => void rec.shownLogin.push(on),
    quit: () => void rec.quits++,
    fail: (what, err) => void rec.failed.push(`${what}: ${(err as Error).message}`),
  };
  return { rec, dispatch: trayDispatcher(deps) };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('tray actions', () => {
  it('sends each hold with its minutes, and a stay-awake with the app as its reason', () => {
    const { rec, dispatch } = setup();
    for (const a of ['postpone:30', 'postpone:120', 'stay-awake:240', 'stay-awake:indefinite', 'release'] as TrayAction[]) dispatch(a);
    expect(rec.requests).toEqual([
      ['POSTPONE', { minutes: 30 }],
      ['POSTPONE', { minutes: 120 }],
      ['STAY_AWAKE', { minutes: 240, reason: STAY_AWAKE_REASON }],
      ['STAY_AWAKE', { reason: STAY_AWAKE_REASON }],
      ['RELEASE', undefined],
    ]);
  });

  it('says which act failed and why', async () => {
    const { rec, dispatch } = setup({ refuse: true });
    dispatch('postpone:60');
    dispatch('stay-awake:60');
    await settle();
    expect(rec.failed).toEqual(['could not postpone: the agent said no', 'could not stay awake: the agent said no']);
  });

  it('opens views, restarts the agent and quits without asking the agent', () => {
    const { rec, dispatch } = setup();
    for (const a of ['open-dashboard', 'open-settings', 'open-history', 'restart-agent', 'quit'] as TrayAction[]) dispatch(a);
    expect(rec.opened).toEqual(['dashboard', 'settings', 'history']);
    expect(rec).toMatchObject({ restarts: 1, quits: 1, requests: [] });
  });

  it('toggles "Start at login" and shows what it really is, also when the change fails', () => {
    const ok = setup();
    ok.dispatch('toggle-login');
    expect(ok.rec.shownLogin).toEqual([true]);
    const broken = setup({ loginBroken: true });
    broken.dispatch('toggle-login');
    expect(broken.rec.failed).toEqual(['could not change "Start at login": read-only autostart folder']);
    expect(broken.rec.shownLogin).toEqual([false]);
  });

  it('a notification button does what the same tray item does', () => {
    expect(trayActionOf('postpone:30')).toBe('postpone:30');
    expect(trayActionOf('stay-awake')).toBe('stay-awake:indefinite');
    expect(trayActionOf('open-dashboard')).toBe('open-dashboard');
  });
});
