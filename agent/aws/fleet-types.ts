/**
 * What the fleet tools report, as plain data: what `snooze fleet` prints and what
 * external tools get when they import agent/aws/fleet.ts.
 */

/** An instance carrying the `<prefix>:Status` tag. */
export interface FleetInstance {
  id: string;
  type: string | null;
  /** EC2 state: running, stopped ... (null if EC2 no longer knows the instance). */
  state: string | null;
  /** Value of `<prefix>:Status`: "Stopped" or "Running". */
  status: string;
  /** `<prefix>:StopTimestamp`. */
  stoppedAt: string | null;
  reason: string | null;
  /** Last start (EC2 reports the latest start as the launch time). */
  launchTime: string | null;
  /** The instance's `<prefix>:*` tags. */
  tags: Record<string, string>;
}

export interface StoppedInstance extends FleetInstance {
  /** Hours from the stop to now (still stopped) or to the next start. */
  stoppedHours: number | null;
  hourlyPrice: number | null;
  estimatedSavings: number | null;
}

export interface PollStats {
  describeTagsCalls: number;
  describeInstancesCalls: number;
}

export interface PollResult {
  instances: FleetInstance[];
  stats: PollStats;
}

export interface RestartResult {
  started: string[];
  refused: { id: string; reason: string }[];
  /** Tags written after the start (Status=Running where CloudSnooze had tagged, plus the caller's). */
  tagged: string[];
  taggingError?: string;
}

export interface SavingsLine {
  id: string;
  type: string | null;
  stoppedAt: string;
  hours: number;
  hourlyPrice: number | null;
  savings: number | null;
}

export interface SavingsReport {
  since: string;
  until: string;
  instances: SavingsLine[];
  totalHours: number;
  totalSavings: number;
  /** Types with no price: their hours are counted, their savings are not. */
  unpricedTypes: string[];
}
