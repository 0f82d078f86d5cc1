/**
 * Settings pinned by instance tags (docs/fleet.md, "Set policy with tags"): pure. A tag
 * `<prefix>:Config:<key>` sets one key over the config file; `<prefix>:Disabled` = true
 * puts the agent in monitor_only. Each tag value is read like `snooze config set KEY VALUE`
 * and validated with the config schema, one key at a time: a bad value is ignored (and
 * reported), never half-applied, and never takes the others down with it.
 */
import { CONFIG_KEYS, configPatchSchema, TAG_KEY_MAX, DEFAULT_CONFIG, describeZodError, parseConfig, RESTART_KEYS, type Config, type ConfigKey } from '../contract/config-schema.js';
import { configTagKey, disabledTagKey, PINNABLE_KEYS, TAG_VALUE_MAX, type ConfigView } from '../contract/config-sources.js';
import { redactNotifications } from '../contract/notifications.js';
import { fieldLabel, valueWords } from '../contract/messages.js';

/** Keys whose value is text as typed; every other value is JSON (numbers, booleans, lists, objects). */
const TEXT_KEYS: ReadonlySet<ConfigKey> = new Set(
  CONFIG_KEYS.filter((k) => typeof DEFAULT_CONFIG[k] === 'string'),
);

/** A setting's value from its text form (a tag value, `snooze config set KEY VALUE`), before validation. */
export function settingFromText(key: ConfigKey, text: string): unknown {
  if (TEXT_KEYS.has(key)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A setting's text form, for a tag value: strings as they are, the rest as JSON. */
export function settingToText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Why `text` cannot set `key` (as a tag or from the fleet CLI), or null with the value.
 * The same schema CONFIG_SET uses, so a tag is refused exactly when `snooze config set` is.
 */
export function checkSetting(key: string, text: string): { value: unknown; error: null } | { value: null; error: string } {
  if (!(CONFIG_KEYS as readonly string[]).includes(key)) return { value: null, error: `"${key}" is not a config key` };
  const k = key as ConfigKey;
  if (RESTART_KEYS.includes(k)) return { value: null, error: `${k} can only be set in the config file (it names files, a command or a secret)` };
  if (!PINNABLE_KEYS.includes(k)) return { value: null, error: `${k} cannot be pinned by a tag (it names the tags themselves)` };
  const value = settingFromText(k, text);
  const r = configPatchSchema.safeParse({ [k]: value }, { reportInput: true });
  if (!r.success) return { value: null, error: describeZodError(r.error) };
  return { value: (r.data as Record<string, unknown>)[k], error: null };
}

export interface TagProblem {
  tag: string;
  value: string;
  error: string;
}

export interface Pin {
  tag: string;
  /** The tag's text, as read. */
  text: string;
}

export interface Effective {
  /** The config in force: the file's, with every valid pin over it. */
  config: Config;
  /** Keys set by a tag, with the tag that sets each. */
  pins: Partial<Record<ConfigKey, Pin>>;
  /** Tags that were ignored, and why. */
  problems: TagProblem[];
  /** Why the agent must only watch (`<prefix>:Disabled` = true), or null. */
  disabled: string | null;
}

/**
 * The config in force from the file's config and this instance's tags (null: not read yet,
 * or not on EC2). Tags outside `<prefix>:Config:` and `<prefix>:Disabled` are not ours and
 * are left alone. The prefix is the file's: a tag cannot pin `tagging_prefix`.
 */
export function effectiveConfig(file: Config, tags: ReadonlyMap<string, string> | null): Effective {
  const out: Effective = { config: file, pins: {}, problems: [], disabled: null };
  if (!tags) return out;
  const prefix = file.tagging_prefix;
  const configPart = configTagKey(prefix, '');
  const disabledKey = disabledTagKey(prefix);
  const patch: Record<string, unknown> = {};
  for (const [tag, text] of [...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (tag !== disabledKey && !tag.startsWith(configPart)) continue;
    // JSON.parse skips whitespace, so "30" padded to 80 KiB would pin 30 and then sit in every
    // history line and refusal that names the pin: a value EC2 could not hold is refused.
    if (tag.length > TAG_KEY_MAX) {
      out.problems.push({ tag: `${tag.slice(0, TAG_KEY_MAX)}…`, value: text.slice(0, TAG_VALUE_MAX), error: `a tag key holds at most ${TAG_KEY_MAX} characters (got ${tag.length})` });
      continue;
    }
    if (text.length > TAG_VALUE_MAX) {
      out.problems.push({ tag, value: `${text.slice(0, TAG_VALUE_MAX)}…`, error: `a tag value holds at most ${TAG_VALUE_MAX} characters (got ${text.length})` });
      continue;
    }
    if (tag === disabledKey) {
      const v = text.trim().toLowerCase();
      if (v === 'true') out.disabled = `instance tag ${disabledKey} = true: CloudSnooze watches but never warns or stops this instance`;
      else if (v !== 'false' && v !== '') out.problems.push({ tag, value: text, error: 'must be true or false' });
      continue;
    }
    const key = tag.slice(configPart.length);
    const r = checkSetting(key, text);
    if (r.error !== null) {
      out.problems.push({ tag, value: text, error: r.error });
      continue;
    }
    patch[key] = r.value;
    out.pins[key as ConfigKey] = { tag, text };
  }
  if (Object.keys(patch).length === 0) return out;
  try {
    out.config = parseConfig({ ...file, ...patch });
    return out;
  } catch {
    // A rule across keys (the warning must be shorter than the naptime) refuses the set as a
    // whole: then each pin is added in key order and kept only if the config stays valid, so
    // one pin that cannot hold with the others is reported and the rest still apply.
  }
  let config = file;
  for (const key of Object.keys(patch).sort()) {
    try {
      config = parseConfig({ ...config, [key]: patch[key] });
    } catch (err) {
      const pin = out.pins[key as ConfigKey]!;
      out.problems.push({ tag: pin.tag, value: pin.text, error: (err as Error).message });
      delete out.pins[key as ConfigKey];
    }
  }
  out.config = config;
  return out;
}

/** The reply of CONFIG_GET and CONFIG_SET: the config in force, secrets redacted, and each non-default value's source. */
export function configView(e: Pick<Effective, 'config' | 'pins'>, fileKeys: ReadonlySet<string>): ConfigView {
  const sources: ConfigView['sources'] = {};
  for (const k of CONFIG_KEYS) {
    if (e.pins[k]) sources[k] = 'tag';
    else if (fileKeys.has(k)) sources[k] = 'file';
  }
  return { ...e.config, notifications: redactNotifications(e.config.notifications), sources };
}

/** The sentence CONFIG_SET answers for a pinned key: names the tag and where to change it. */
export function pinnedMessage(keys: ConfigKey[], pins: Effective['pins']): string {
  const named = keys.map((k) => `${k} is pinned by the instance tag ${pins[k]!.tag} = ${JSON.stringify(pins[k]!.text)}`).join('; ');
  return `${named}: change or remove the tag (snooze fleet policy set), not the local config; nothing changed`;
}

/**
 * One history line per change in what the tags pin, in the catalogue's words ("Config from
 * instance tags: Naptime set to 3 seconds (tag CloudSnooze:Config:naptime_minutes)"); the
 * raw values go in the event's details. Null when nothing changed.
 */
export function pinsChange(before: Effective['pins'], after: Effective['pins'], config?: Config): string | null {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort() as ConfigKey[];
  const parts: string[] = [];
  for (const k of keys) {
    const b = before[k];
    const a = after[k];
    if (b?.text === a?.text && b?.tag === a?.tag) continue;
    const value = config && a ? valueWords(k, config[k]) : a ? JSON.stringify(a.text) : '';
    parts.push(a ? `${fieldLabel(k)} set to ${value} (tag ${a.tag})` : `${fieldLabel(k)} no longer pinned (tag ${b!.tag} removed)`);
  }
  return parts.length ? `Config from instance tags: ${parts.join('; ')}` : null;
}
