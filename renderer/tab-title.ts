/**
 * The tab title: the countdown first, so it reads in a narrow tab among many
 * ("04:12 until stop · CloudSnooze"); the state in a word otherwise. Pure.
 */
import { isKeepAwake, type Status } from '../contract/protocol.js';
import { clockTime, formatCountdown } from '../contract/time-format.js';
import { onlyWouldStop } from './format.js';

export const APP_TITLE = 'CloudSnooze';

/** `remaining`: seconds to the stop as the page counts them, null when it is not counting. */
export function tabTitle(status: Status | null, online: boolean, remaining: number | null): string {
  if (!online || !status) return APP_TITLE;
  const would = onlyWouldStop(status.mode);
  const until = would ? 'until it would stop' : 'until stop';
  switch (status.state) {
    case 'idle':
      return remaining === null ? APP_TITLE : `${formatCountdown(remaining)} ${until} · ${APP_TITLE}`;
    case 'warning':
      return remaining === null ? APP_TITLE : `⚠ ${formatCountdown(remaining)} ${until} · ${APP_TITLE}`;
    case 'stopping':
      return `${would ? 'Would stop now' : 'Stopping'} · ${APP_TITLE}`;
    case 'postponed':
      return `${status.postponed_until ? `Postponed until ${clockTime(status.postponed_until)}` : 'Postponed'} · ${APP_TITLE}`;
    case 'stay_awake':
      return `Staying awake · ${APP_TITLE}`;
    case 'monitor_only':
      return `Monitor only · ${APP_TITLE}`;
    case 'active':
      return `${status.blockers.some(isKeepAwake) ? 'Kept awake' : 'Active'} · ${APP_TITLE}`;
  }
}
