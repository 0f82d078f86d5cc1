/**
 * snooze.json (schema only; no Node imports so the renderer can share it): every key, its default and its allowed range, defined once.
 * A bad value is refused with a message naming the key; the running config stays.
 */
import * as z from 'zod/mini';
import './zod-locale.js';
import { DEFAULT_SOCKET_PATH, DEFAULT_TAG_PREFIX, MAX_SOCKET_PATH } from './paths.js';

// zod/mini, not the full `zod`: the same checks and messages (the English locale is set in
// zod-locale.ts) for about a tenth of the code the agent keeps resident.

const num = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(...checks);
const percent = (def: number) => z._default(num(z.gte(0), z.lte(100)), def);

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const configSchema = z.strictObject({
  check_interval_seconds: z._default(num(z.int(), z.gte(1), z.lte(3600)), 60),
  naptime_minutes: z._default(num(z.gte(0.05), z.lte(10080)), 30),
  cpu_threshold_percent: percent(10),
  memory_threshold_percent: percent(30),
  network_threshold_kbps: z._default(num(z.gte(0), z.lte(10_000_000)), 50),
  disk_io_threshold_kbps: z._default(num(z.gte(0), z.lte(10_000_000)), 100),
  input_idle_threshold_secs: z._default(num(z.int(), z.gte(0), z.lte(7 * 86400)), 900),
  gpu_monitoring_enabled: z._default(z.boolean(), true),
  gpu_threshold_percent: percent(5),
  /** "" = the instance's own region from metadata. */
  aws_region: z._default(z.string().check(z.regex(/^$|^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be empty or a region name such as us-east-1')), ''),
  enable_instance_tags: z._default(z.boolean(), true),
  tagging_prefix: z._default(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(64),
        z.regex(/^[A-Za-z0-9 _.:/=+\-@]+$/, 'may hold letters, digits, spaces and _ . : / = + - @'),
        z.refine((p: string) => !p.toLowerCase().startsWith('aws:'), 'must not start with "aws:" (reserved by AWS)'),
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
  /** Record what would be done (and on EC2 prove permissions with DryRun) instead of stopping. */
  dry_run: z._default(z.boolean(), false),
  warning_minutes: z._default(num(z.gte(0), z.lte(1440)), 5),
  history_path: z._default(z.string().check(z.minLength(1)), '/var/lib/cloudsnooze/history.jsonl'),
  history_max_events: z._default(num(z.int(), z.gte(10), z.lte(1_000_000)), 10_000),
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
 * start, and they name files that the agent (root) creates and writes, which a socket
 * client (a group member, a dashboard token holder) must not choose.
 */
export const RESTART_KEYS: readonly ConfigKey[] = ['socket_path', 'socket_group', 'history_path'];

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
export function describeZodError(err: z.core.$ZodError, prefix = '', dropSegments = 0): string {
  return err.issues
    .map((issue) => {
      const key = [prefix, ...issue.path.slice(dropSegments).map(String)].filter(Boolean).join('.');
      if (issue.code === 'unrecognized_keys') {
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${[key, k].filter(Boolean).join('.')}"`).join(', ')}`;
      }
      if (issue.code === 'too_small') return `${key} must be at least ${String(issue.minimum)} (got ${describeInput(issue.input)})`;
      if (issue.code === 'too_big') return `${key} must be at most ${String(issue.maximum)} (got ${describeInput(issue.input)})`;
      if (issue.code === 'invalid_type') return `${key} must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected} (got ${describeInput(issue.input)})`;
      return key ? `${key} ${issue.message}` : issue.message;
    })
    .join('; ');
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

