/**
 * One desktop notification per final warning, whether the agent's 'warning' history
 * event or a status in state 'warning' arrives first, and not again after a reconnect
 * replays the same warning. Any state other than warning/stopping re-arms it.
 */
import type { HistoryEvent, Status } from '../contract/protocol.js';
import { MODE_NOTE } from '../contract/messages.js';
import { formatCountdown, minutesWords, whenText } from '../contract/time-format.js';
import { secondsUntilStop } from './tray-view.js';

export interface NotificationOptionsLike {
  title: string;
  body: string;
  urgency?: 'normal' | 'critical' | 'low';
  timeoutType?: 'default' | 'never';
  actions?: { type: 'button'; text: string }[];
}

export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  on(event: 'action', listener: (event: unknown, index: number) => void): unknown;
  show(): void;
  close(): void;
}

export type NotifierAction = 'postpone:30' | 'stay-awake' | 'open-dashboard';

export interface WarningNotifierDeps {
  platform: NodeJS.Platform;
  isSupported(): boolean;
  create(options: NotificationOptionsLike): NotificationLike;
  onAction(action: NotifierAction): void;
  /**
   * Linux: the notification server's capabilities (GetCapabilities), null when unknown.
   * Electron's libnotify notifications are clickable only where it has "actions".
   */
  capabilities?(): string[] | null;
  /** No notifications on this desktop: show the warning some other way (the dashboard). */
  onUnsupported?(title: string, body: string): void;
  now?: () => number;
}

/** Buttons on macOS only; elsewhere a click opens the dashboard where the server supports it. */
export const NOTIFICATION_ACTIONS: { text: string; action: NotifierAction }[] = [
  { text: 'Postpone 30 min', action: 'postpone:30' },
  { text: 'Stay awake', action: 'stay-awake' },
];

/** States that continue an announced warning; any other state ends it. */
const WARNING_STATES = new Set<Status['state']>(['warning', 'stopping']);

export class WarningNotifier {
  private last: Status | null = null;
  /**
   * The current warning was announced. Deliberately not keyed on idle_since: the agent
   * keeps idle_since when naptime grows mid-warning (a second warning follows with the
   * same value) and shifts it on a clock jump (same warning, new value).
   */
  private announced = false;
  /** Electron drops handlers of notifications that were garbage collected. */
  private current: NotificationLike | null = null;

  constructor(private readonly deps: WarningNotifierDeps) {}

  onStatus(status: Status): void {
    this.last = status;
    if (!WARNING_STATES.has(status.state)) {
      this.announced = false;
      // Postponed, stay awake, activity again: a final warning left on screen would be a lie.
      this.close();
      return;
    }
    if (status.state === 'warning') this.notify(status, null);
  }

  onEvent(event: HistoryEvent): void {
    if (event.type === 'warning') this.notify(this.last, event.message);
  }

  /** Closes the warning on screen, if any (a countdown that ended or was cancelled). */
  close(): void {
    const n = this.current;
    this.current = null;
    n?.close();
  }

  /** Whether a click on the notification reaches us (and "click to postpone" is true). */
  private clickable(): boolean {
    if (this.deps.platform !== 'linux') return true;
    return this.deps.capabilities?.()?.includes('actions') ?? false;
  }

  private notify(status: Status | null, reason: string | null): void {
    if (this.announced) return;
    this.announced = true;
    const supported = this.deps.isSupported();

    const now = (this.deps.now ?? Date.now)();
    const left = status ? secondsUntilStop(status, now) : null;
    // Off EC2 and in dry run nothing is stopped: the notification must not say it will be.
    const would = status !== null && status.mode !== 'aws';
    const verb = would ? 'would stop' : 'will stop';
    const title = left === null ? `CloudSnooze ${verb} this instance soon` : `CloudSnooze ${verb} this instance in ${formatCountdown(left)}`;
    const why = reason ?? (status ? `idle for ${minutesWords(status.effective_naptime_minutes)} (all metrics below their thresholds)` : 'the instance is idle');
    const at = status?.stop_at ? ` at ${whenText(status.stop_at, now)}` : '';
    const note = status && would ? ` (${MODE_NOTE[status.mode]})` : '';
    const mac = this.deps.platform === 'darwin';
    const clickable = this.clickable();
    const hint = mac ? '' : clickable ? ' Click to postpone or stay awake.' : ' Postpone or stay awake from the tray menu.';
    const body = `${would ? 'Would stop' : 'Stopping'}${at}${note}: ${why}.${hint}`;
    if (!supported) {
      this.deps.onUnsupported?.(title, body);
      return;
    }
    this.close();
    const n = this.deps.create({
      title,
      body,
      urgency: 'critical',
      timeoutType: 'never',
      ...(mac ? { actions: NOTIFICATION_ACTIONS.map((a) => ({ type: 'button' as const, text: a.text })) } : {}),
    });
    if (clickable) n.on('click', () => this.deps.onAction('open-dashboard'));
    if (mac) {
      n.on('action', (_e, index) => {
        const a = NOTIFICATION_ACTIONS[index];
        if (a) this.deps.onAction(a.action);
      });
    }
    this.current = n;
    n.show();
  }

  /** For tests and diagnostics. */
  get lastNotification(): NotificationLike | null {
    return this.current;
  }
}
