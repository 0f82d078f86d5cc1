/**
 * The socket's bounds and the hold commands' ranges, in one place because both ends use
 * them: the agent enforces them, the CLI and the dashboard's hold controls check the same
 * ranges before they send, and the tests aim at them.
 */

/** The guide's Go client reads once into a 4096-byte buffer. */
export const GO_CLIENT_READ_BYTES = 4096;
/** A request line larger than this is refused and the connection closed. */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const MAX_CONNECTIONS = 768;
/** A connection that has not sent a complete request within this time is closed. */
export const REQUEST_WAIT_MS = 10_000;
/** HISTORY's `limit`: events per reply when none is asked for, and at most (the CLI's --limit, the dashboard's export chunks). */
export const HISTORY_LIMIT_DEFAULT = 10;
export const HISTORY_LIMIT_MAX = 1000;
/** The in-memory sample ring holds at least this many seconds. */
export const SAMPLE_RING_SECONDS = 3600;
/** Process-bound holds (`snooze run`) the agent keeps at once; one more is refused with BUSY. */
export const MAX_RUN_HOLDS = 64;
/** STATUS lists this many of them (and counts all in `runs_total`): it must fit in 4 KiB. */
export const STATUS_MAX_RUNS = 3;
/** Longest `command` a STAY_AWAKE may name for display. */
export const MAX_RUN_COMMAND_CHARS = 300;
/** Linux's largest possible pid (pid_max's ceiling, 2^22). */
export const MAX_PID = 4_194_304;
/** Longest POSTPONE: a week. */
export const POSTPONE_MAX_MINUTES = 7 * 24 * 60;
/** Longest timed STAY_AWAKE: a year. */
export const STAY_AWAKE_MAX_MINUTES = 365 * 24 * 60;
/** Longest stay-awake reason. */
export const STAY_AWAKE_REASON_MAX_CHARS = 200;
