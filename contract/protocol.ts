/**
 * The socket contract: every request, reply, frame and event shape, defined once.
 * The CLI, the Electron main process, the dashboard bridge and the renderer all
 * import these types; the agent validates every request against the schemas here.
 */
import * as z from 'zod/mini';
import './zod-locale.js';
import { configPatchSchema } from './config-schema.js';
import type { ConfigView } from './config-sources.js';
import type { ScheduleStatus } from './schedule.js';

/** The guide's Go client reads once into a 4096-byte buffer. */
export const GO_CLIENT_READ_BYTES = 4096;
/** A request line larger than this is refused and the connection closed. */
export const MAX_REQUEST_BYTES = 64 * 1024;
export const MAX_CONNECTIONS = 768;
/** A connection that has not sent a complete request within this time is closed. */
export const REQUEST_WAIT_MS = 10_000;
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

export const AGENT_STATES = ['active', 'idle', 'warning', 'postponed', 'stay_awake', 'stopping', 'monitor_only'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const AGENT_MODES = ['local', 'dry_run', 'aws'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

export const METRIC_NAMES = ['cpu', 'memory', 'network', 'disk_io', 'gpu', 'input'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

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

/** One reading of every metric. `null` means "not read": see `unreadable` and `input_available`. */
export interface Sample {
  /** Milliseconds since the epoch. */
  t: number;
  cpu_percent: number | null;
  memory_percent: number | null;
  network_kbps: number | null;
  disk_io_kbps: number | null;
  /** The busiest GPU's utilisation (one busy card of eight is a busy box); null when there is no GPU or the tool failed. */
  gpu_percent: number | null;
  /** The fullest GPU's memory in use, percent. */
  gpu_memory_percent: number | null;
  gpu_count: number;
  /** Per card, in the tool's order. */
  gpu_cards: GpuCard[];
  /** Most recent input from any source; null when no source exists on this host. */
  input_idle_secs: number | null;
  /** Metrics that should have been read but could not: they count as activity (fail safe). */
  unreadable: MetricName[];
  /**
   * Active keep-awake sources: the sampler reads processes and inhibitors, the daemon adds
   * `snooze run` holds and the schedule before deciding. Each one blocks.
   */
  keep_awake: KeepAwake[];
}

export interface GpuCard {
  util_percent: number | null;
  memory_percent: number | null;
}

/** A sample with nothing read; `unreadable` says which of those count as activity. */
export function nullSample(t: number, unreadable: MetricName[] = []): Sample {
  return {
    t,
    cpu_percent: null,
    memory_percent: null,
    network_kbps: null,
    disk_io_kbps: null,
    gpu_percent: null,
    gpu_memory_percent: null,
    gpu_count: 0,
    gpu_cards: [],
    input_idle_secs: null,
    unreadable,
    keep_awake: [],
  };
}

export interface Metrics {
  cpu_percent: number | null;
  memory_percent: number | null;
  network_kbps: number | null;
  disk_io_kbps: number | null;
  input_idle_secs: number | null;
  gpu_percent: number | null;
  gpu_memory_percent: number | null;
  gpu_count: number;
  gpu_cards: GpuCard[];
}

export interface Thresholds {
  cpu_percent: number;
  memory_percent: number;
  network_kbps: number;
  disk_io_kbps: number;
  input_idle_secs: number;
  gpu_percent: number;
  /** Null: GPU memory in use is not activity (the default). */
  gpu_memory_percent: number | null;
}

/** Why the instance is being kept awake. `value` null means the metric could not be read. */
/**
 * Sources that keep the instance awake whatever the metrics say (docs/keep-awake.md):
 * a `snooze run` command's life, a `keep_awake_processes` match, a logind block inhibitor,
 * an open keep-awake schedule window.
 */
export const KEEP_AWAKE_KINDS = ['snooze_run', 'process', 'inhibitor', 'schedule'] as const;
export type KeepAwakeKind = (typeof KEEP_AWAKE_KINDS)[number];

export interface KeepAwake {
  kind: KeepAwakeKind;
  /** Plain words, e.g. "snooze run — rsync -a data/ s3-sync (pid 4711, 2 h 13 min)". */
  reason: string;
}

/** Whether a blocker is a keep-awake source rather than a metric. */
export function isKeepAwake(b: Blocker): boolean {
  return (KEEP_AWAKE_KINDS as readonly string[]).includes(b.metric);
}

export interface Blocker {
  /** A metric above its threshold (or unreadable), or a keep-awake source. */
  metric: MetricName | KeepAwakeKind;
  value: number | null;
  /** Null for keep-awake sources, which have no threshold. */
  threshold: number | null;
  /** Human sentence, e.g. "CPU 43.0% (threshold 10%)". */
  reason: string;
}

export interface StayAwake {
  /** RFC 3339, or null for "until released". */
  until: string | null;
  reason: string;
}

/** A hold bound to a process's life (`snooze run`, `snooze stay-awake --while PID`). */
export interface RunHoldInfo {
  pid: number;
  /** The command line, for people (clipped). */
  command: string;
  /** "" when none was given. */
  reason: string;
  /** RFC 3339: when the hold was placed. */
  since: string;
}

export interface InstanceInfo {
  id: string | null;
  type: string | null;
  region: string | null;
  /** Where the identity came from: "local" off EC2, "ec2" from instance metadata. */
  source: 'local' | 'ec2';
}

export interface Status {
  state: AgentState;
  mode: AgentMode;
  metrics: Metrics;
  thresholds: Thresholds;
  blockers: Blocker[];
  /** RFC 3339 or null. */
  idle_since: string | null;
  /** As configured. */
  naptime_minutes: number;
  /** The naptime in force now: an open schedule window's, else naptime_minutes. */
  effective_naptime_minutes: number;
  /** Which schedule windows are open (at most a few listed) and when that next changes; null without windows. */
  schedule: ScheduleStatus | null;
  warning_minutes: number;
  check_interval_seconds: number;
  /** Null when not counting down (active, holds, monitor_only). */
  seconds_until_stop: number | null;
  stop_at: string | null;
  postponed_until: string | null;
  stay_awake: StayAwake | null;
  /**
   * Process-bound holds, oldest first, at most STATUS_MAX_RUNS of them; `runs_total` counts
   * all. They end with their process, not with RELEASE.
   */
  runs: RunHoldInfo[];
  runs_total: number;
  instance: InstanceInfo;
  /** Input sources on this host, e.g. ["pts", "x11", "desktop"]; empty = input unavailable (not blocking). */
  input_sources: string[];
  /**
   * Sources a reporter said cannot measure idle time here (e.g. ["desktop"] on a display that
   * always reports 0 s): not counted, named so doctor and the dashboard can say why. Absent
   * from agents before 0.2.
   */
  input_unavailable?: string[];
  /** Last cloud or metadata error, or why the agent is monitor_only. */
  error: string | null;
  /** RFC 3339 time of the sample this status reflects. */
  sampled_at: string | null;
  version: string;
  /** The config file the agent loaded (or would write): `snooze doctor` checks this one. */
  config_path?: string;
  /** Whether that file existed when the agent started (false: defaults in use). */
  config_loaded?: boolean;
  /** `--dry-run` on the agent's command line: never stops, whatever `dry_run` in the file says. */
  dry_run_flag?: boolean;
  /** What CloudSnooze's stops of this instance saved over the last 30 days; null off EC2 (no real stops). */
  savings: Savings | null;
}

/** Where an hourly price came from: the AWS Price List API (cached a week) or the built-in table. */
export const PRICE_SOURCES = ['price-list-api', 'built-in'] as const;
export type PriceSource = (typeof PRICE_SOURCES)[number];

export interface Savings {
  /** Hours this instance spent stopped by CloudSnooze in the last 30 days (stop to the next agent start). */
  hours_stopped_30d: number;
  /** hours × on-demand price, USD (two decimals); null when no price is known for the type. */
  estimated_usd: number | null;
  price_source: PriceSource | null;
  /** USD per hour, on-demand Linux. */
  price_per_hour: number | null;
  instance_type: string | null;
}

/**
 * What a hold command really did, in the same words as its history event (one source for
 * both): `changed` false when the request left everything as it was (a release with no
 * hold, a postpone shorter than the one in force).
 */
export interface HoldOutcome {
  changed: boolean;
  message: string;
}
export type HoldReply = Status & { outcome?: HoldOutcome };

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

// ---------------------------------------------------------------------------
// Requests

const rfc3339 = z.iso.datetime({ offset: true });
const num = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(...checks);
const none = () => z.strictObject({});

/** Params of each command. Unknown keys are refused so typos are reported, not ignored. */
export const commandParams = {
  STATUS: none(),
  CONFIG_GET: none(),
  CONFIG_SET: z.strictObject({ values: configPatchSchema }),
  HISTORY: z.strictObject({
    limit: z._default(num(z.int(), z.gte(1), z.lte(1000)), 10),
    since: z.optional(rfc3339),
    type: z.optional(z.enum(HISTORY_TYPES)),
    /** Paging: only events older than this id (newest first), so new events never shift a page. */
    before_id: z.optional(num(z.int(), z.gt(0))),
    details: z._default(z.boolean(), false),
  }),
  POSTPONE: z.strictObject({ minutes: num(z.gt(0), z.lte(POSTPONE_MAX_MINUTES)) }),
  /**
   * Without `while_pid`: stay awake for `minutes` or until released. With it: while that
   * process runs (the agent watches its pid and start time; RELEASE does not end it).
   */
  STAY_AWAKE: z
    .strictObject({
      minutes: z.optional(num(z.gt(0), z.lte(STAY_AWAKE_MAX_MINUTES))),
      /** Left out: "Stay awake requested" for a plain hold, none for a process hold. */
      reason: z.optional(z.string().check(z.maxLength(STAY_AWAKE_REASON_MAX_CHARS))),
      while_pid: z.optional(num(z.int(), z.gt(0), z.lte(MAX_PID))),
      /** How the process is shown; left out, the agent reads its command line. */
      command: z.optional(z.string().check(z.maxLength(MAX_RUN_COMMAND_CHARS))),
    })
    .check(
      z.refine((p) => p.while_pid === undefined || p.minutes === undefined, {
        path: ['minutes'],
        message: 'cannot be combined with while_pid: a process hold lasts as long as its process',
      }),
      z.refine((p) => p.command === undefined || p.while_pid !== undefined, { path: ['command'], message: 'needs while_pid' }),
    ),
  RELEASE: none(),
  SUBSCRIBE: none(),
  SAMPLES: z.strictObject({ seconds: z._default(num(z.int(), z.gte(1), z.lte(SAMPLE_RING_SECONDS)), 600) }),
  INPUT_ACTIVITY: z.strictObject({
    idle_secs: num(z.gte(0), z.lte(10 * 365 * 86400)),
    source: z._default(z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be a short lowercase name such as "desktop"')), 'desktop'),
    // false: this source exists but cannot measure idle time (a display stuck at 0 s);
    // the agent drops it from the decision and lists it in input_unavailable.
    available: z.optional(z.boolean()),
  }),
} as const;

export type Command = keyof typeof commandParams;
export const COMMANDS = Object.keys(commandParams) as Command[];
export type ParamsIn<C extends Command> = z.input<(typeof commandParams)[C]>;
export type Params<C extends Command> = z.output<(typeof commandParams)[C]>;

/** What each command's `data` holds on success. */
export interface CommandResults {
  STATUS: Status;
  /** The config in force (URL and ARN redacted) and where each non-default value comes from. */
  CONFIG_GET: ConfigView;
  CONFIG_SET: ConfigView;
  HISTORY: { events: HistoryEvent[]; truncated: boolean };
  POSTPONE: HoldReply;
  STAY_AWAKE: HoldReply;
  RELEASE: HoldReply;
  SUBSCRIBE: { subscribed: true };
  SAMPLES: { samples: Sample[] };
  INPUT_ACTIVITY: { accepted: true };
}

// Compile-time check: every command has a result type and vice versa.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyCommandHasAResult: Exact<Command, keyof CommandResults> = true;
void _everyCommandHasAResult;

/** The envelope: `{"command": "STATUS", "params": {}}`; params may be omitted. */
export const requestEnvelope = z.object({
  command: z.string().check(z.maxLength(64)),
  params: z.optional(z.record(z.string(), z.unknown())),
});

export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'INVALID_PARAMS',
  'INVALID_CONFIG',
  'TOO_LARGE',
  'BUSY',
  'TIMEOUT',
  'INTERNAL',
  /** The channel lacks the authority: CONFIG_SET on the public socket, a member releasing root's hold. */
  'FORBIDDEN',
  /** CONFIG_SET of a key an instance tag pins (`<prefix>:Config:<key>`): change the tag instead. */
  'PINNED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type SuccessReply<T> = { success: true; data: T };
/**
 * A refusal. `fields`: for CONFIG_SET, one plain-words message per config key at fault
 * (dotted for nested keys, e.g. `logging.log_level`), so a form can put each on its field;
 * `error` still says it all in one sentence for clients that show one line.
 */
export const errorReplySchema = z.object({
  success: z.literal(false),
  error: z.string(),
  code: z.enum(ERROR_CODES),
  fields: z.optional(z.record(z.string(), z.string())),
});
export type ErrorReply = z.infer<typeof errorReplySchema>;
export type Reply<T> = SuccessReply<T> | ErrorReply;

/** Whether a client (desktop app, dashboard bridge) currently reaches the agent. */
export type ConnectionState = { online: true } | { online: false; error: string };

/** Frames sent after `SUBSCRIBE`'s reply, one JSON object per line, until the client closes. */
export type Frame = { frame: 'status'; data: Status } | { frame: 'event'; data: HistoryEvent };

/** RFC 3339 in UTC without a fraction: `2023-04-19T14:23:45Z` (the tag format too). */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
