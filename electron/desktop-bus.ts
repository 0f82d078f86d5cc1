/**
 * Two questions for the session bus that Electron does not answer:
 * - Is there a tray host? Electron's Linux tray is a StatusNotifierItem; with no
 *   org.kde.StatusNotifierWatcher on the bus (stock GNOME without the AppIndicator
 *   extension) it falls back to a GtkStatusIcon that nothing shows, and reports no error.
 * - Can the notification server show actions? Electron's libnotify notifications offer a
 *   click only through the server's "actions" capability; without it "click to postpone"
 *   is a promise the notification cannot keep.
 * Asked through gdbus (glib, present wherever GTK is), with a short timeout; every failure
 * is "unknown" (null), and callers treat unknown as the cautious answer.
 */
import { execFile } from 'node:child_process';

export type BusCall = (args: string[]) => Promise<string>;

const TIMEOUT_MS = 2000;

/** Runs `gdbus call --session …` without a shell. */
export const gdbusCall: BusCall = (args) =>
  new Promise((resolve, reject) => {
    execFile('gdbus', ['call', '--session', ...args], { timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

/** gdbus prints `(true,)` or `(false,)` for a boolean reply. */
export function parseBoolReply(out: string): boolean | null {
  const m = /^\(\s*(true|false)\s*,\s*\)\s*$/.exec(out.trim());
  return m ? m[1] === 'true' : null;
}

/** gdbus prints `(['actions', 'body', …],)` for GetCapabilities. */
export function parseStringListReply(out: string): string[] | null {
  const t = out.trim();
  const m = /^\(\s*(?:@as\s*)?\[(.*)\]\s*,\s*\)$/s.exec(t);
  if (!m) return null;
  return [...m[1]!.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((x) => x[1]!);
}

const nameHasOwner = (name: string) => ['--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', name];

/** True when a StatusNotifier host is registered; null when the bus cannot be asked. */
export async function trayHostPresent(call: BusCall = gdbusCall): Promise<boolean | null> {
  try {
    const owner = parseBoolReply(await call(nameHasOwner('org.kde.StatusNotifierWatcher')));
    if (owner !== true) return owner;
    // A watcher without a host (some panels register the watcher only) shows nothing either.
    const host = parseBoolReply(
      await call([
        '--dest',
        'org.kde.StatusNotifierWatcher',
        '--object-path',
        '/StatusNotifierWatcher',
        '--method',
        'org.freedesktop.DBus.Properties.Get',
        'org.kde.StatusNotifierWatcher',
        'IsStatusNotifierHostRegistered',
      ]).then((o) => o.replace(/<(true|false)>/, '$1')),
    );
    return host ?? true;
  } catch {
    return null;
  }
}

/** The notification server's capabilities (e.g. ['actions', 'body']); null when unknown. */
export async function notificationCapabilities(call: BusCall = gdbusCall): Promise<string[] | null> {
  try {
    return parseStringListReply(
      await call(['--dest', 'org.freedesktop.Notifications', '--object-path', '/org/freedesktop/Notifications', '--method', 'org.freedesktop.Notifications.GetCapabilities']),
    );
  } catch {
    return null;
  }
}
