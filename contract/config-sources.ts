/**
 * Where each setting in force comes from, and which settings fleet tags may pin
 * (docs/fleet.md, "Set policy with tags"). CONFIG_GET and CONFIG_SET answer the config
 * in force plus `sources`, which lists every key not at its default: `file` (snooze.json)
 * or `tag` (an instance tag `<prefix>:Config:<key>`, which wins over the file and refuses
 * local changes). A key not listed has its default value.
 */
import { CONFIG_KEYS, RESTART_KEYS, type Config, type ConfigKey } from './config-schema.js';
import { tagKey } from './tags.js';

export const CONFIG_SOURCES = ['default', 'file', 'tag'] as const;
export type ConfigSource = (typeof CONFIG_SOURCES)[number];

/** The CONFIG_GET / CONFIG_SET reply: the config in force and where its non-default values come from. */
export type ConfigView = Config & { sources?: Partial<Record<ConfigKey, Exclude<ConfigSource, 'default'>>> };

/** `<prefix>:Config:<key>` pins one setting; `<prefix>:Disabled` = true puts the agent in monitor_only. */
export const CONFIG_TAG_PART = 'Config';
/**
 * EC2's limit on a tag value, in characters. A longer value did not come from EC2 (a metadata
 * reply is read up to 80 KiB): it is refused, and what is kept of it for history is cut here.
 */
export const TAG_VALUE_MAX = 256;
export const DISABLED_TAG = 'Disabled';

export function configTagKey(prefix: string, key: string): string {
  return tagKey(prefix, `${CONFIG_TAG_PART}:${key}`);
}

export function disabledTagKey(prefix: string): string {
  return tagKey(prefix, DISABLED_TAG);
}

/**
 * Keys a tag may pin: every key CONFIG_SET may change, except `tagging_prefix` (it names the
 * tags themselves: a tag could move the agent off the very tags that set it).
 */
export const PINNABLE_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((k) => !RESTART_KEYS.includes(k) && k !== 'tagging_prefix');

export function sourceOf(view: Pick<ConfigView, 'sources'>, key: ConfigKey): ConfigSource {
  return view.sources?.[key] ?? 'default';
}
