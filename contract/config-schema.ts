/**
 * snooze.json (schema only; no Node imports so the renderer can share it): every key, its default and its allowed range, defined once.
 * A bad value is refused with a message naming the key; the running config stays.
 */
import { z } from 'zod';
import { DEFAULT_SOCKET_PATH, DEFAULT_TAG_PREFIX, MAX_SOCKET_PATH } from './paths.js';
import { metricsListenProblem, parseListenAddress } from './metrics-listen.js';
import { scheduleSchema } from './schedule.js';

const percent = (def: number) => z.number().min(0).max(100).default(def);

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

export const configSchema = z
  .object({
    check_interval_seconds: z.number().int().min(1).max(3600).default(60),
    naptime_minutes: z.number().min(0.05).max(10080).default(30),
    cpu_threshold_percent: percent(10),
    memory_threshold_percent: percent(30),
    network_threshold_kbps: z.number().min(0).max(10_000_000).default(50),
    disk_io_threshold_kbps: z.number().min(0).max(10_000_000).default(100),
    input_idle_threshold_secs: z.number().int().min(0).max(7 * 86400).default(900),
    gpu_monitoring_enabled: z.boolean().default(true),
    gpu_threshold_percent: percent(5),
    /**
     * Off (null) by default: a notebook keeps its cached GPU memory after the cell finished,
     * and that must not keep the box up forever. Set it for jobs that hold memory while
     * waiting (a model server between requests).
     */
    gpu_memory_threshold_percent: z.number().min(0).max(100).nullable().default(null),
    /** "" = the instance's own region from metadata. */
    aws_region: z
      .string()
      .regex(/^$|^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be empty or a region name such as us-east-1')
      .default(''),
    enable_instance_tags: z.boolean().default(true),
    tagging_prefix: z
      .string()
      .superRefine((p, ctx) => {
        const problem = tagPrefixProblem(p);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_TAG_PREFIX),
    detailed_instance_tags: z.boolean().default(true),
    /** Hibernate instead of stop when the instance supports it. */
    hibernate: z.boolean().default(false),
    logging: z
      .object({ log_level: z.enum(LOG_LEVELS).default('info') })
      .strict()
      .default({ log_level: 'info' }),
    /** Kept from the original tool: "basic" samples the standard metrics; "advanced" also logs each sample at debug. */
    monitoring_mode: z.enum(['basic', 'advanced']).default('basic'),
    socket_path: z.string().min(1).max(MAX_SOCKET_PATH).default(DEFAULT_SOCKET_PATH),
    /** Group given the socket (mode 0660) when it exists on the host. */
    socket_group: z.string().max(32).default('cloudsnooze'),
    /**
     * Group given the admin socket (mode 0660) where settings are changed; "" = none, the
     * admin socket is 0600 and only the agent's own user (root) changes settings.
     */
    admin_group: z.string().max(32).default(''),
    /** Record what would be done (and on EC2 prove permissions with DryRun) instead of stopping. */
    dry_run: z.boolean().default(false),
    warning_minutes: z.number().min(0).max(1440).default(5),
    history_path: z.string().min(1).default('/var/lib/cloudsnooze/history.jsonl'),
    // Every event is also held in memory: the cap keeps the agent's footprint bounded.
    history_max_events: z.number().int().min(10).max(50_000).default(10_000),
    /**
     * Run before every stop (also a dry-run or local-mode one), via /bin/sh -c as the agent's
     * user (root): "" = none. File-only (RESTART_KEYS). Capped so CONFIG_GET fits in 4 KiB.
     */
    pre_stop_command: z.string().max(1000).default(''),
    /** The hook's process group is killed after this. */
    pre_stop_timeout_seconds: z.number().int().min(1).max(3600).default(300),
    /** "abort": a failed or timed-out hook aborts this stop (stop_failed, retried with backoff); "stop": stop anyway. */
    pre_stop_on_failure: z.enum(['abort', 'stop']).default('abort'),
    /**
     * Keep awake while a matching process runs (docs/keep-awake.md): a bare name matches the
     * executable name exactly, `cmd:TEXT` a substring of the command line. Bounded because
     * every pattern is tried against every process on every sample.
     */
    keep_awake_processes: z.array(z.string().min(1).max(200)).max(32).default([]),
    /** Windows of the week that keep the instance awake or replace the naptime (contract/schedule.ts). */
    schedule: scheduleSchema.default({ timezone: '', windows: [] }),
    /**
     * Prometheus `/metrics` on "HOST:PORT" (contract/metrics-listen.ts); "" = off, and then
     * prom-client is never loaded. File-only (RESTART_KEYS): the agent is root and opens the port.
     */
    metrics_listen: z
      .string()
      .max(64)
      .superRefine((s, ctx) => {
        const a = s === '' ? null : parseListenAddress(s);
        if (typeof a === 'string') ctx.addIssue({ code: 'custom', message: a });
      })
      .default(''),
    /** metrics_listen may name a non-loopback address (the VPC then sees /metrics). File-only. */
    metrics_allow_remote: z.boolean().default(false),
    /**
     * The same text, rewritten atomically for node_exporter's textfile collector: an absolute
     * path ending in .prom; "" = off. File-only: root writes it.
     */
    metrics_textfile: z
      .string()
      .max(1024)
      .regex(/^$|^\/[^\0]*\.prom$/, 'must be empty or an absolute path ending in .prom (node_exporter reads only *.prom)')
      .default(''),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
export type ConfigKey = keyof Config;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as ConfigKey[];

/** A partial config as sent by CONFIG_SET: same ranges, no defaults filled in. */
export const configPatchSchema = z
  .object(
    Object.fromEntries(
      Object.entries(configSchema.shape).map(([k, v]) => [k, (v as z.ZodDefault<z.ZodType>).unwrap().optional()]),
    ) as { [K in ConfigKey]: z.ZodOptional<z.ZodType<Config[K]>> },
  )
  .strict();
export type ConfigPatch = Partial<Config>;

export const DEFAULT_CONFIG: Config = configSchema.parse({});

/**
 * Keys set only in the config file, never over the socket: they take effect at the next
 * start, and they name files that the agent (root) creates and writes, or a command it runs
 * as root, which a socket client (a group member, a dashboard token holder) must not choose.
 * `admin_group` decides who may change settings at all, so only root's file may widen it.
 */
export const RESTART_KEYS: readonly ConfigKey[] = ['socket_path', 'socket_group', 'admin_group', 'history_path', 'pre_stop_command', 'metrics_listen', 'metrics_allow_remote', 'metrics_textfile'];

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One sentence per problem, naming the key and what is allowed. */
export function describeZodError(err: z.ZodError, prefix = '', dropSegments = 0): string {
  return err.issues
    .map((issue) => {
      const key = [prefix, ...issue.path.slice(dropSegments).map(String)].filter(Boolean).join('.');
      if (issue.code === 'unrecognized_keys') {
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${[key, k].filter(Boolean).join('.')}"`).join(', ')}`;
      }
      if (issue.code === 'too_small') return `${key} must ${bound('at least', issue.minimum, issue.origin)} (got ${describeInput(issue.input)})`;
      if (issue.code === 'too_big') return `${key} must ${bound('at most', issue.maximum, issue.origin)} (got ${describeInput(issue.input)})`;
      if (issue.code === 'invalid_type') return `${key} must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected} (got ${describeInput(issue.input)})`;
      return key ? `${key} ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** "be at least 1", "have at most 32 entries", "be at least 1 character long": a bare number misleads for strings and lists. */
function bound(which: string, n: number | bigint, origin: string): string {
  const count = Number(n);
  if (origin === 'string') return `be ${which} ${count} character${count === 1 ? '' : 's'} long`;
  if (origin === 'array' || origin === 'set') return `have ${which} ${count} entr${count === 1 ? 'y' : 'ies'}`;
  return `be ${which} ${String(n)}`;
}

function describeInput(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Validate a whole config object (defaults filled in). Throws ConfigError naming the key. */
export function parseConfig(raw: unknown): Config {
  const r = configSchema.safeParse(raw, { reportInput: true });
  if (!r.success) throw new ConfigError(describeZodError(r.error), r.error.issues[0]?.path.map(String).join('.'));
  // Across two keys, so checked on the whole config.
  const listen = metricsListenProblem(r.data.metrics_listen, r.data.metrics_allow_remote);
  if (listen) throw new ConfigError(`metrics_listen ${listen}`, 'metrics_listen');
  return r.data;
}

/** Apply a patch to the running config; throws ConfigError and changes nothing on a bad value. */
export function applyPatch(current: Config, patch: unknown): { config: Config; changed: ConfigKey[] } {
  const p = configPatchSchema.safeParse(patch, { reportInput: true });
  if (!p.success) throw new ConfigError(describeZodError(p.error), p.error.issues[0]?.path.map(String).join('.'));
  const next = parseConfig({ ...current, ...p.data });
  const changed = CONFIG_KEYS.filter((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k]));
  return { config: next, changed };
}

