import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../contract/protocol.js';
import { WarningNotifier, type NotificationLike, type NotificationOptionsLike, type NotifierAction } from '../../electron/warning-notifier.js';
import { counting, NOW, status } from '../helpers/status-fixtures.js';

function setup(platform: NodeJS.Platform = 'linux', supported = true, caps: string[] | null = ['actions', 'body']) {
  const shown: { options: NotificationOptionsLike; handlers: Record<string, (...a: unknown[]) => void>; closed: number }[] = [];
  const actions: NotifierAction[] = [];
  const fallback: string[] = [];
  const n = new WarningNotifier({
    platform,
    isSupported: () => supported,
    capabilities: () => caps,
    onUnsupported: (title) => void fallback.push(title),
    now: () => NOW,
    onAction: (a) => void actions.push(a),
    create: (options) => {
      const rec = { options, handlers: {} as Record<string, (...a: unknown[]) => void>, closed: 0 };
      const notification: NotificationLike = {
        on: (event: string, listener: (...a: never[]) => void) => {
          rec.handlers[event] = listener as (...a: unknown[]) => void;
          return notification;
        },
        show: () => void shown.push(rec),
        close: () => void rec.closed++,
      };
      return notification;
    },
  });
  return { n, shown, actions, fallback };
}

const warningEvent = (id: number): HistoryEvent => ({
  id,
  time: '2025-03-01T10:00:00Z',
  type: 'warning',
  message: 'System idle for 25 minutes; stopping in 5 minutes',
});

describe('WarningNotifier', () => {
  it('one notification when the warning starts, none for the status frames that follow', () => {
    const { n, shown } = setup();
    n.onStatus(counting('idle', 600));
    expect(shown).toHaveLength(0);
    n.onStatus(counting('warning', 300));
    n.onStatus(counting('warning', 299));
    n.onStatus(counting('warning', 200));
    expect(shown).toHaveLength(1);
    // The fixture is off EC2: nothing is stopped, and the notification says so.
    expect(shown[0]!.options.title).toBe('CloudSnooze would stop this instance in 05:00');
    expect(shown[0]!.options.body).toMatch(/^Would stop at \d\d:\d\d \(local mode: not on EC2, nothing is stopped\): idle for 30 minutes \(/);
    expect(shown[0]!.options.urgency).toBe('critical');
  });

  it('on EC2 the notification says the instance will stop; in dry run that it would', () => {
    const aws = setup();
    aws.n.onStatus(counting('warning', 300, { mode: 'aws' }));
    expect(aws.shown[0]!.options.title).toBe('CloudSnooze will stop this instance in 05:00');
    expect(aws.shown[0]!.options.body).toMatch(/^Stopping at \d\d:\d\d: idle for 30 minutes \(/);
    const dry = setup();
    dry.n.onStatus(counting('warning', 60, { mode: 'dry_run', effective_naptime_minutes: 1 }));
    expect(dry.shown[0]!.options.title).toBe('CloudSnooze would stop this instance in 01:00');
    expect(dry.shown[0]!.options.body).toMatch(/^Would stop at \d\d:\d\d \(dry run: nothing is stopped\): idle for 1 minute \(/);
  });

  it('the warning event and the warning status of the same countdown notify once, whichever comes first', () => {
    for (const order of ['event-first', 'status-first'] as const) {
      const { n, shown } = setup();
      n.onStatus(counting('idle', 400));
      if (order === 'event-first') {
        n.onEvent(warningEvent(1));
        n.onStatus(counting('warning', 299));
      } else {
        n.onStatus(counting('warning', 299));
        n.onEvent(warningEvent(1));
      }
      expect(shown, order).toHaveLength(1);
    }
  });

  it('the event carries the reason into the body', () => {
    const { n, shown } = setup();
    n.onStatus(counting('idle', 400));
    n.onEvent(warningEvent(1));
    expect(shown[0]!.options.body).toContain('System idle for 25 minutes; stopping in 5 minutes');
  });

  it('a reconnect replaying the same countdown does not notify again; a new countdown does', () => {
    const { n, shown } = setup();
    n.onStatus(counting('warning', 300));
    n.onEvent(warningEvent(7)); // replayed after reconnect
    n.onStatus(counting('warning', 250));
    expect(shown).toHaveLength(1);
    n.onStatus(status({ state: 'postponed' })); // the countdown ended
    n.onStatus(counting('warning', 300, { idle_since: new Date(NOW).toISOString() }));
    expect(shown).toHaveLength(2);
  });

  it('a second warning in the same idle run notifies again (naptime raised mid-warning keeps idle_since)', () => {
    const { n, shown } = setup();
    n.onStatus(counting('warning', 300));
    expect(shown).toHaveLength(1);
    // Naptime raised: back to idle with the very same idle_since, then a new final warning.
    n.onStatus(counting('idle', 1500));
    n.onStatus(counting('warning', 300));
    expect(shown).toHaveLength(2);
    n.onStatus(counting('idle', 900));
    n.onEvent(warningEvent(9));
    expect(shown).toHaveLength(3);
  });

  it('a postpone that started and expired while offline: the next warning notifies', () => {
    const { n, shown } = setup();
    n.onStatus(counting('warning', 300));
    // Offline; postponed and expired meanwhile. The reconnect snapshot is idle again, same idle_since.
    n.onStatus(counting('idle', 600));
    n.onStatus(counting('warning', 299));
    expect(shown).toHaveLength(2);
  });

  it('a clock jump that shifts idle_since mid-warning does not notify twice', () => {
    const { n, shown } = setup();
    n.onStatus(counting('warning', 300));
    const jumped = new Date(NOW + 3600_000 - 25 * 60_000).toISOString();
    n.onStatus(counting('warning', 290, { idle_since: jumped }));
    n.onEvent(warningEvent(3));
    n.onStatus(counting('warning', 280, { idle_since: jumped, state: 'stopping' }));
    expect(shown).toHaveLength(1);
  });

  it('events other than warning are ignored', () => {
    const { n, shown } = setup();
    n.onEvent({ ...warningEvent(1), type: 'postpone' });
    expect(shown).toHaveLength(0);
  });

  it('Linux: no buttons (Electron supports them on macOS only); the click opens the dashboard', () => {
    const { n, shown, actions } = setup('linux');
    n.onStatus(counting('warning', 300));
    expect(shown[0]!.options.actions).toBeUndefined();
    expect(shown[0]!.options.body).toContain('Click to postpone or stay awake');
    expect(shown[0]!.handlers.action).toBeUndefined();
    shown[0]!.handlers.click!();
    expect(actions).toEqual(['open-dashboard']);
  });

  it('macOS: Postpone 30 min and Stay awake buttons do what they say', () => {
    const { n, shown, actions } = setup('darwin');
    n.onStatus(counting('warning', 300));
    expect(shown[0]!.options.actions).toEqual([
      { type: 'button', text: 'Postpone 30 min' },
      { type: 'button', text: 'Stay awake' },
    ]);
    shown[0]!.handlers.action!({}, 0);
    shown[0]!.handlers.action!({}, 1);
    shown[0]!.handlers.action!({}, 9);
    shown[0]!.handlers.click!();
    expect(actions).toEqual(['postpone:30', 'stay-awake', 'open-dashboard']);
  });

  it('no notification where the platform has none: the warning goes to the fallback (the dashboard) once', () => {
    const { n, shown, fallback } = setup('linux', false);
    n.onStatus(counting('warning', 300));
    n.onStatus(counting('warning', 290));
    expect(shown).toHaveLength(0);
    expect(fallback).toEqual(['CloudSnooze would stop this instance in 05:00']);
  });

  it('closes the final warning when the countdown is cancelled (postpone, activity), not while it runs on', () => {
    for (const next of [status({ state: 'postponed' }), status(), status({ state: 'stay_awake' })]) {
      const { n, shown } = setup();
      n.onStatus(counting('warning', 300));
      n.onStatus(counting('warning', 200, { state: 'stopping' }));
      expect(shown[0]!.closed).toBe(0);
      n.onStatus(next);
      expect(shown[0]!.closed, next.state).toBe(1);
      n.onStatus(next);
      expect(shown[0]!.closed).toBe(1);
    }
  });

  it('a new warning replaces the one still on screen', () => {
    const { n, shown } = setup();
    n.onStatus(counting('warning', 300));
    n.onStatus(counting('idle', 900));
    n.onStatus(counting('warning', 300));
    expect(shown).toHaveLength(2);
    expect(shown[0]!.closed).toBe(1);
  });

  it('Linux without the "actions" capability (or unknown): no click handler, no promise of one', () => {
    for (const caps of [['body'], null]) {
      const { n, shown } = setup('linux', true, caps);
      n.onStatus(counting('warning', 300));
      expect(shown[0]!.options.body).not.toContain('Click');
      expect(shown[0]!.options.body).toContain('from the tray menu');
      expect(shown[0]!.handlers.click).toBeUndefined();
    }
  });
});
