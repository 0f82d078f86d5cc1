/**
 * A browser notification at the final warning, for the browser dashboard only: in the
 * desktop app the tray already notifies (electron/warning-notifier.ts), so a second
 * notice would be noise. Permission is asked once, from a click, never at load; denied or
 * unsupported, nothing changes but the missing notice.
 */
import type { Status } from '../contract/protocol.js';
import { formatCountdown } from '../contract/time-format.js';
import { onlyWouldStop } from './format.js';

/** States that continue an announced warning; any other state ends it and re-arms. */
const WARNING_STATES = new Set<Status['state']>(['warning', 'stopping']);

/**
 * One notice per warning spell: `announced` is the state before this status; the result
 * says whether to notify now and what `announced` becomes. Reconnects that replay the same
 * warning do not notify again.
 */
export function warningStep(announced: boolean, status: Status): { announced: boolean; notify: boolean } {
  if (!WARNING_STATES.has(status.state)) return { announced: false, notify: false };
  if (status.state === 'warning' && !announced) return { announced: true, notify: true };
  return { announced, notify: false };
}

export function warningNotice(status: Status, remaining: number | null): { title: string; body: string } {
  const would = onlyWouldStop(status.mode);
  const left = remaining === null ? 'soon' : `in ${formatCountdown(remaining)}`;
  return {
    title: would ? `CloudSnooze would stop this instance ${left}` : `CloudSnooze will stop this instance ${left}`,
    body: would
      ? 'It has been idle; in this mode nothing is stopped. Open the dashboard to postpone or stay awake.'
      : 'It has been idle. Open the dashboard to postpone or stay awake.',
  };
}

/** Where the page may offer notifications: a browser (not the desktop app) that has the API. */
export type NoticeSupport = 'unsupported' | 'desktop-app' | NotificationPermission;

export function noticeSupport(): NoticeSupport {
  if (typeof window !== 'undefined' && window.cloudsnooze) return 'desktop-app';
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.permission;
}

/** Shows one notice; never throws (some browsers throw from the constructor, e.g. Android Chrome). */
export function showNotice(n: { title: string; body: string }): void {
  try {
    const note = new Notification(n.title, { body: n.body, tag: 'cloudsnooze-warning' });
    note.onclick = () => {
      window.focus();
      note.close();
    };
  } catch {
    // The warning stays on the page and in the title.
  }
}

/** Asks once, from a click. Resolves to the permission now in force. */
export async function askNoticePermission(): Promise<NotificationPermission> {
  try {
    return await Notification.requestPermission();
  } catch {
    return 'denied';
  }
}
