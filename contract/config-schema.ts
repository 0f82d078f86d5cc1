/**
 * snooze.json (schema only; no Node imports so the renderer can share it): every key, its default and its allowed range, defined once.
 * A bad value is refused with a message naming the key; the running config stays.
 */
import * as z from 'zod/mini';
import './zod-locale.js';
import { DEFAULT_NOTIFICATIONS, notificationsSchema } from './notifications.js';
import { DEFAULT_SOCKET_PATH, DEFAULT_TAG_PREFIX, MAX_SOCKET_PATH } from './paths.js';
import { metricsListenProblem, parseListenAddress } from './metrics-listen.js';
import { naptimeMinutesSchema, scheduleSchema } from './schedule.js';
import { describeIssues, warningNotShorter, type IssueLike } from './messages.js';

// zod/mini, not the full `zod`: the same checks and messages (the English locale is set in
// zod-locale.ts) for a fraction of the code the agent keeps resident. Classic zod's methods
// are these same checks applied in the same order, so the issues are identical.
const num = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(...checks);
const percent = (def: number) => z._default(num(z.gte(0), z.lte(100)), def);

/** The largest `history_max_events`: the dashboard's CSV export reads up to this many. */
export const HISTORY_MAX_EVENTS_MAX = 50_000;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** EC2's limit on a tag key, in characters. */
export const TAG_KEY_MAX = 128;
/**
 * The longest tail CloudSnooze puts after `tagging_prefix` in a tag key: a fleet-pinned
 * setting, `<prefix>:Config:gpu_memory_threshold_percent` (the stop tags are shorter, the
 * longest being `:NaptimeMinutes`). A unit test keeps this in step with the tag names and
 * the config keys, so every key built from a valid prefix fits EC2's limit.
 */
export const LONGEST_TAG_SUFFIX = ':Config:gpu_memory_threshold_percent';
export const TAG_PREFIX_MAX = TAG_KEY_MAX - LONGEST_TAG_SUFFIX.length;

/**
 * Why `p` cannot prefix CloudSnooze's tag keys, or null. EC2's tag-key rules applied to
 * every key built from it: at most 128 characters, letters, digits, spaces and
 * `+ - = . _ : / @` (EC2 accepts more, but other AWS services and the instance-metadata
 * tag view do not), and nothing in the `aws:` namespace, which EC2 refuses: the prefix
 * "aws" gives "aws:Status", and today's stop would fail at CreateTags. Path-like values
 * ("../../x") are refused because keys are also looked up as instance-metadata paths.
 */
export function tagPrefixProblem(p: string): string | null {
  if (p.length === 0) return 'must not be empty';
  if (p.length > TAG_PREFIX_MAX) {
    return `must be at most ${TAG_PREFIX_MAX} characters (an EC2 tag key holds ${TAG_KEY_MAX}, and "${LONGEST_TAG_SUFFIX}" follows the prefix)`;
  }
  if (!/^[A-Za-z0-9 _.:/=+\-@]+$/.test(p)) return 'may hold letters, digits, spaces and _ . : / = + - @';
  const lower = p.toLowerCase();
  if (lower === 'aws' || lower.startsWith('aws:')) return 'must not start with "aws:" and must not be "aws" (EC2 reserves tag keys starting with "aws:")';
  if (p.includes('..') || p.includes('//') || p.startsWith('/') || p.endsWith('/')) return 'must not look like a path (no "..", no "//", no leading or trailing "/")';
  if (p.startsWith(' ') || p.endsWith(' ')) return 'must not start or end with a space';
  return null;
}

export const configSchema = z.strictObject({
  check_interval_seconds: z._default(num(z.int(), z.gte(1), z.lte(3600)), 60),
  naptime_minutes: z._default(naptimeMinutesSchema, 30),
  cpu_threshold_percent: percent(10),
  memory_threshold_percent: percent(30),
  network_threshold_kbps: z._default(num(z.gte(0), z.lte(10_000_000)), 50),
  disk_io_threshold_kbps: z._default(num(z.gte(0), z.lte(10_000_000)), 100),
  input_idle_threshold_secs: z._default(num(z.int(), z.gte(0), z.lte(7 * 86400)), 900),
  gpu_monitoring_enabled: z._default(z.boolean(), true),
  gpu_threshold_percent: percent(5),
  /**
   * Off (null) by default: a notebook keeps its cached GPU memory after the cell finished,
   * and that must not keep the box up forever. Set it for jobs that hold memory while
   * waiting (a model server between requests).
   */
  gpu_memory_threshold_percent: z._default(z.nullable(num(z.gte(0), z.lte(100))), null),
  /** "" = the instance's own region from metadata. */
  aws_region: z._default(z.string().check(z.regex(/^$|^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be empty or a region name such as us-east-1')), ''),
  enable_instance_tags: z._default(z.boolean(), true),
  tagging_prefix: z._default(
    z.string().check(
      z.superRefine((p: string, ctx) => {
        const problem = tagPrefixProblem(p);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ),
    DEFAULT_TAG_PREFIX,
  ),
  detailed_instance_tags: z._default(z.boolean(), true),
  /** Hibernate instead of stop when the instance supports it. */
  hibernate: z._default(z.boolean(), false),
  logging: z._default(z.strictObject({ log_level: z._default(z.enum(LOG_LEVELS), 'info') }), { log_level: 'info' as const }),
  /** Kept from the original tool: "basic" samples the standard metrics; "advanced" also logs each sample at debug. */
  monitoring_mode: z._default(z.enum(['basic', 'advanced']), 'basic'),
  socket_path: z._default(z.string().check(z.minLength(1), z.maxLength(MAX_SOCKET_PATH)), DEFAULT_SOCKET_PATH),
  /** Group given the socket (mode 0660) when it exists on the host. */
  socket_group: z._default(z.string().check(z.maxLength(32)), 'cloudsnooze'),
  /**
   * Group given the admin socket (mode 0660) where settings are changed; "" = none, the
   * admin socket is 0600 and only the agent's own user (root) changes settings.
   */
  admin_group: z._default(z.string().check(z.maxLength(32)), ''),
  /** Record what would be done (and on EC2 prove permissions with DryRun) instead of stopping. */
  dry_run: z._default(z.boolean(), false),
  warning_minutes: z._default(num(z.gte(0), z.lte(1440)), 5),
  history_path: z._default(z.string().check(z.minLength(1)), '/var/lib/cloudsnooze/history.jsonl'),
  // Every event is also held in memory: the cap keeps the agent's footprint bounded.
  history_max_events: z._default(num(z.int(), z.gte(10), z.lte(HISTORY_MAX_EVENTS_MAX)), 10_000),
  /**
   * Run before every stop (also a dry-run or local-mode one), via /bin/sh -c as the agent's
   * user (root): "" = none. File-only (RESTART_KEYS). Capped so CONFIG_GET fits in 4 KiB.
   */
  pre_stop_command: z._default(z.string().check(z.maxLength(1000)), ''),
  /** The hook's process group is killed after this. */
  pre_stop_timeout_seconds: z._default(num(z.int(), z.gte(1), z.lte(3600)), 300),
  /** "abort": a failed or timed-out hook aborts this stop (stop_failed, retried with backoff); "stop": stop anyway. */
  pre_stop_on_failure: z._default(z.enum(['abort', 'stop']), 'abort'),
  /**
   * Keep awake while a matching process runs (docs/keep-awake.md): a bare name matches the
   * executable name exactly, `cmd:TEXT` a substring of the command line. Bounded because
   * every pattern is tried against every process on every sample.
   */
  keep_awake_processes: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.maxLength(32)), []),
  /** Windows of the week that keep the instance awake or replace the naptime (contract/schedule.ts). */
  schedule: z._default(scheduleSchema, { timezone: '', windows: [] }),
  /** How often the agent reads its own `<prefix>:Config:*` tags again (docs/fleet.md). */
  fleet_refresh_minutes: z._default(num(z.gte(0.05), z.lte(1440)), 10),
  /** Webhook and SNS notices (contract/notifications.ts). File-only: the URL and ARN may carry secrets. */
  notifications: z._default(notificationsSchema, DEFAULT_NOTIFICATIONS),
  /**
   * Prometheus `/metrics` on "HOST:PORT" (contract/metrics-listen.ts); "" = off, and then
   * prom-client is never loaded. File-only (RESTART_KEYS): the agent is root and opens the port.
   */
  metrics_listen: z._default(
    z.string().check(
      z.maxLength(64),
      z.superRefine((s: string, ctx) => {
        const a = s === '' ? null : parseListenAddress(s);
        if (typeof a === 'string') ctx.addIssue({ code: 'custom', message: a });
      }),
    ),
    '',
  ),
  /** metrics_listen may name a non-loopback address (the VPC then sees /metrics). File-only. */
  metrics_allow_remote: z._default(z.boolean(), false),
  /**
   * The same text, rewritten atomically for node_exporter's textfile collector: an absolute
   * path ending in .prom, at most 200 characters (CONFIG_GET fits 4 KiB); "" = off. File-only: root writes it.
   */
  metrics_textfile: z._default(
    z.string().check(z.maxLength(200), z.regex(/^$|^\/[^\0]*\.prom$/, 'must be empty or an absolute path ending in .prom (node_exporter reads only *.prom)')),
    '',
  ),
});

export type Config = z.output<typeof configSchema>;
export type ConfigKey = keyof Config;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];

/** A partial config as sent by CONFIG_SET: same ranges, no defaults filled in. */
export const configPatchSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(configSchema.shape).map(([k, v]) => [k, z.optional((v as z.ZodMiniDefault).def.innerType)]),
  ) as { [K in ConfigKey]: z.ZodMiniOptional<z.ZodMiniType<Config[K]>> },
);
export type ConfigPatch = Partial<Config>;

export const DEFAULT_CONFIG: Config = configSchema.parse({});

/**
 * Keys set only in the config file, never over the socket: they take effect at the next
 * start, and they name files that the agent (root) creates and writes, or a command it runs
 * as root, which a socket client (a group member, a dashboard token holder) must not choose.
 * `admin_group` decides who may change settings at all, so only root's file may widen it.
 */
export const RESTART_KEYS: readonly ConfigKey[] = ['socket_path', 'socket_group', 'admin_group', 'history_path', 'pre_stop_command', 'metrics_listen', 'metrics_allow_remote', 'metrics_textfile', 'notifications'];

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly key?: string,
    /** Config key (dotted for nested) -> the problem in the user's words, for a form or `config set`. */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * One sentence per problem, naming the key (for a file or a log, where the reader edits
 * keys) and worded by the message catalogue. `dropSegments` drops leading path segments
 * ("values" of CONFIG_SET); `labelPrefix` finds request params' labels ("POSTPONE").
 */
export function describeZodError(err: { issues: readonly IssueLike[] }, prefix = '', dropSegments = 0, labelPrefix = ''): string {
  const { fields } = describeIssues(err.issues, { drop: dropSegments, prefix, labelPrefix });
  return Object.values(fields).join('; ');
}

/** A ConfigError for zod's issues: the per-field messages, and one line naming each key. */
export function configErrorOf(issues: readonly IssueLike[], dropSegments = 0): ConfigError {
  const { fields } = describeIssues(issues, { drop: dropSegments });
  const message = Object.entries(fields)
    .map(([k, m]) => (k ? `${k}: ${m}` : m))
    .join('; ');
  return new ConfigError(message, Object.keys(fields)[0], fields);
}

/** Rules across keys, which a per-key range cannot say; null when the config is consistent. */
export function crossFieldProblem(c: Pick<Config, 'warning_minutes' | 'naptime_minutes'>): ConfigError | null {
  if (c.warning_minutes < c.naptime_minutes) return null;
  const msg = warningNotShorter(c.warning_minutes, c.naptime_minutes);
  return new ConfigError(`warning_minutes, naptime_minutes: ${msg}`, 'warning_minutes', { warning_minutes: msg, naptime_minutes: msg });
}

/** Validate a whole config object (defaults filled in). Throws ConfigError naming the key. */
export function parseConfig(raw: unknown): Config {
  const config = parseRanges(raw);
  // Only a warning the user wrote is refused: files from before this rule with a short
  // naptime and the default warning keep loading, and the policy halves the lead for them.
  const explicit = typeof raw === 'object' && raw !== null && Object.hasOwn(raw, 'warning_minutes');
  const problem = explicit ? crossFieldProblem(config) : null;
  if (problem) throw problem;
  return config;
}

function parseRanges(raw: unknown): Config {
  const r = configSchema.safeParse(raw, { reportInput: true });
  if (!r.success) throw configErrorOf(r.error.issues);
  // Across two keys too: a non-loopback exporter needs metrics_allow_remote.
  const listen = metricsListenProblem(r.data.metrics_listen, r.data.metrics_allow_remote);
  if (listen) throw new ConfigError(`metrics_listen: ${listen}`, 'metrics_listen', { metrics_listen: listen });
  return r.data;
}

/** Apply a patch to the running config; throws ConfigError and changes nothing on a bad value. */
export function applyPatch(current: Config, patch: unknown): { config: Config; changed: ConfigKey[] } {
  const p = configPatchSchema.safeParse(patch, { reportInput: true });
  if (!p.success) throw configErrorOf(p.error.issues);
  const next = parseRanges({ ...current, ...p.data });
  // The merged object always holds warning_minutes, so only a patch that sets it is held to
  // the rule; a shorter naptime under the default warning halves the lead (agent/policy.ts).
  const problem = 'warning_minutes' in p.data ? crossFieldProblem(next) : null;
  if (problem) throw problem;
  const changed = CONFIG_KEYS.filter((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k]));
  return { config: next, changed };
}
