/**
 * Everything the app says in a desktop notification: the final warning (through the
 * tested WarningNotifier), a failed tray act, a start notice. One place decides whether
 * this desktop shows notifications at all, and what to do instead.
 */
import { notificationCapabilities, type BusCall } from './desktop-bus.js';
import type { ElectronModule } from './electron-module.js';
import { WarningNotifier, type NotifierAction } from './warning-notifier.js';

export interface AppNotices {
  notifier: WarningNotifier;
  /** A message for the user: logged, and shown where notifications work. */
  say(body: string): void;
  /** A failed act, "could not postpone: …", said the same way. */
  fail(what: string, err: unknown): void;
}

export interface AppNoticesOptions {
  platform: NodeJS.Platform;
  log(msg: string): void;
  /** The notification server's capabilities, null while unknown (see notificationCapsProbe). */
  capabilities(): string[] | null;
  /** No notifications on this desktop: the dashboard shows the countdown and the postpone buttons. */
  showDashboard(): void;
  onAction(a: NotifierAction): void;
}

/** Asked while Electron starts (Linux only); a bus that does not answer costs at most its timeout. */
export function notificationCapsProbe(platform: NodeJS.Platform, bus: BusCall): () => string[] | null {
  let caps: string[] | null = null;
  if (platform === 'linux') void notificationCapabilities(bus).then((c) => (caps = c));
  return () => caps;
}

export function appNotices(e: ElectronModule, o: AppNoticesOptions): AppNotices {
  const say = (body: string) => {
    o.log(body);
    if (e.Notification.isSupported()) new e.Notification({ title: 'CloudSnooze', body }).show();
  };
  const notifier = new WarningNotifier({
    platform: o.platform,
    isSupported: () => e.Notification.isSupported(),
    capabilities: o.capabilities,
    onUnsupported: () => o.showDashboard(),
    create: (opts) => new e.Notification(opts),
    onAction: o.onAction,
  });
  return { notifier, say, fail: (what, err) => say(`${what}: ${(err as Error).message}`) };
}
