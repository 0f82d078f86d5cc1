/**
 * The history log's entry: the agent writes it to its JSONL file, sends it to subscribers
 * and answers HISTORY with it; the CLI, the tray and the dashboard show it. One shape from
 * the file to the screen, apart from STATUS, which says what is true now rather than what
 * happened.
 */

export const HISTORY_TYPES = [
  'agent_start',
  'warning',
  'postpone',
  'stay_awake',
  'release',
  'config_change',
  'dry_run_stop',
  'stop',
  'stop_failed',
  'restart_marked',
  /** The pre-stop hook ran: exit code, duration and the last lines of its output. */
  'pre_stop',
  /** Activity ended a countdown that had been warned: names what woke it. */
  'countdown_cancelled',
] as const;
export type HistoryType = (typeof HISTORY_TYPES)[number];

export const HISTORY_REQUESTERS = ['root', 'admin channel', 'socket group member'] as const;
export type HistoryRequester = (typeof HISTORY_REQUESTERS)[number];

export interface HistoryEvent {
  id: number;
  /** RFC 3339, UTC, no fraction. */
  time: string;
  type: HistoryType;
  message: string;
  /**
   * Who asked, where the channel knows it (holds, releases, settings): "root" or "admin
   * channel" on the admin socket, "socket group member" on the public one (it cannot tell
   * members apart: Node has no SO_PEERCRED). Absent for the agent's own events.
   */
  by?: HistoryRequester;
  /** Extra facts (tags written, request id, config diff ...). Left out of HISTORY unless `details: true`. */
  details?: Record<string, unknown>;
}
