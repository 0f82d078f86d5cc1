/**
 * What each tray menu item and notification button does, in one switch: the tray and the
 * warning notification offer some of the same acts (postpone, stay awake, open the
 * dashboard) and must do them the same way. Electron-free: every effect is injected.
 */
import type { Command, ParamsIn } from '../contract/protocol.js';
import type { View } from './dashboard-window.js';
import type { TrayAction } from './tray-view.js';
import type { NotifierAction } from './warning-notifier.js';

/** The reason a stay-awake from the app carries, shown in STATUS and the history. */
export const STAY_AWAKE_REASON = 'Stay awake requested from the desktop app';

export interface TrayActionDeps {
  request<C extends Command>(command: C, params?: ParamsIn<C>): Promise<unknown>;
  /** Ends a shown agent failure and starts the agent again. */
  restartAgent(): void;
  open(view: View): void;
  openAtLogin: { get(): boolean; set(on: boolean): void };
  /** Tells the tray's checkbox what "Start at login" now is. */
  showOpenAtLogin(on: boolean): void;
  quit(): void;
  /** A failed act: said in the log and, where possible, a notification. */
  fail(what: string, err: unknown): void;
}

export function trayDispatcher(d: TrayActionDeps): (action: TrayAction) => void {
  const act = (what: string, p: Promise<unknown>) => void p.catch((err: unknown) => d.fail(`could not ${what}`, err));
  return (action) => {
    switch (action) {
      case 'postpone:30':
      case 'postpone:60':
      case 'postpone:120':
        return act('postpone', d.request('POSTPONE', { minutes: Number(action.split(':')[1]) }));
      case 'stay-awake:60':
      case 'stay-awake:240':
        return act('stay awake', d.request('STAY_AWAKE', { minutes: Number(action.split(':')[1]), reason: STAY_AWAKE_REASON }));
      case 'stay-awake:indefinite':
        return act('stay awake', d.request('STAY_AWAKE', { reason: STAY_AWAKE_REASON }));
      case 'release':
        return act('release', d.request('RELEASE'));
      case 'restart-agent':
        return d.restartAgent();
      case 'open-dashboard':
        return d.open('dashboard');
      case 'open-settings':
        return d.open('settings');
      case 'open-history':
        return d.open('history');
      case 'toggle-login':
        try {
          d.openAtLogin.set(!d.openAtLogin.get());
        } catch (err) {
          d.fail('could not change "Start at login"', err);
        }
        d.showOpenAtLogin(d.openAtLogin.get());
        return;
      case 'quit':
        return d.quit();
    }
  };
}

/** A notification button as the tray action that does the same; a plain click opens the dashboard. */
export function trayActionOf(a: NotifierAction): TrayAction {
  if (a === 'postpone:30') return 'postpone:30';
  if (a === 'stay-awake') return 'stay-awake:indefinite';
  return 'open-dashboard';
}
