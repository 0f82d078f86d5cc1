/**
 * What every `snooze fleet` subcommand is given: its own small IO (a fleet command needs no
 * agent socket) and the test hooks, in one place so the subcommand files share them without
 * importing the dispatcher.
 */
import type { RetryOptions } from '../aws/retry.js';

export interface FleetIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** See CliIO.drain. */
  drain?: () => Promise<void>;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Test hook: lets tests shorten the retry delays of the API calls. */
export interface FleetCliInternals {
  retry?: RetryOptions;
  now?: () => number;
}
