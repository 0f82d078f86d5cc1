/**
 * The settings form's fields and the diff that decides what Save sends: only the keys
 * whose value differs from the running config. No DOM, so it is unit-tested in Node.
 */
import type { Config, ConfigKey, ConfigPatch } from '../contract/config-schema.js';
import { RATE_UNIT, type AgentMode } from '../contract/protocol.js';
import { configTagKey, sourceOf, type ConfigView } from '../contract/config-sources.js';
import { MESSAGES } from '../contract/messages.js';

type Kind = 'number' | 'integer' | 'boolean' | 'text';

export interface Field {
  key: ConfigKey;
  label: string;
  kind: Kind;
  unit?: string;
  help?: string;
}

export interface Group {
  title: string;
  help: string;
  fields: Field[];
}

export const SETTINGS_GROUPS: readonly Group[] = [
  {
    title: 'Thresholds',
    help: 'The instance counts as idle only while every metric stays below its threshold.',
    fields: [
      { key: 'cpu_threshold_percent', label: 'CPU', kind: 'number', unit: '%' },
      { key: 'memory_threshold_percent', label: 'Memory', kind: 'number', unit: '%' },
      { key: 'network_threshold_kbps', label: 'Network', kind: 'number', unit: RATE_UNIT },
      { key: 'disk_io_threshold_kbps', label: 'Disk I/O', kind: 'number', unit: RATE_UNIT },
      { key: 'gpu_threshold_percent', label: 'GPU', kind: 'number', unit: '%' },
      { key: 'gpu_monitoring_enabled', label: 'Watch GPU utilisation', kind: 'boolean' },
      {
        key: 'input_idle_threshold_secs',
        label: 'Input idle',
        kind: 'integer',
        unit: 's',
        help: 'Keyboard, mouse or terminal input more recent than this counts as activity.',
      },
    ],
  },
  {
    title: 'Timing',
    help: 'How long the instance must stay idle, how often it is checked, and how early you are warned.',
    fields: [
      { key: 'naptime_minutes', label: 'Naptime', kind: 'number', unit: 'min' },
      { key: 'check_interval_seconds', label: 'Check interval', kind: 'integer', unit: 's' },
      { key: 'warning_minutes', label: 'Warning before stop', kind: 'number', unit: 'min' },
    ],
  },
  {
    title: 'Stopping',
    help: 'What happens when the naptime is over.',
    fields: [
      { key: 'dry_run', label: 'Dry run (record what would be done, never stop)', kind: 'boolean' },
      { key: 'enable_instance_tags', label: 'Tag the instance before stopping', kind: 'boolean' },
      { key: 'detailed_instance_tags', label: 'Detailed tags (metrics at the time of the stop)', kind: 'boolean' },
      { key: 'tagging_prefix', label: 'Tag prefix', kind: 'text' },
    ],
  },
];

export const SETTINGS_KEYS: readonly ConfigKey[] = SETTINGS_GROUPS.flatMap((g) => g.fields.map((f) => f.key));

export type Draft = Partial<Record<ConfigKey, string | boolean>>;

/** The patch of changed keys, or local errors for values that are not even numbers. */
export function diffDraft(
  config: Config,
  draft: Draft,
): { patch: ConfigPatch; errors: Partial<Record<ConfigKey, string>> } {
  const patch: Record<string, unknown> = {};
  const errors: Partial<Record<ConfigKey, string>> = {};
  for (const g of SETTINGS_GROUPS) {
    for (const f of g.fields) {
      const d = draft[f.key];
      if (d === undefined) continue;
      let value: unknown = d;
      if (f.kind === 'number' || f.kind === 'integer') {
        const text = String(d).trim();
        const n = text === '' ? NaN : Number(text);
        if (!Number.isFinite(n)) {
          errors[f.key] = text === '' ? `Enter a value for ${f.label}.` : `${f.label} must be a number (you entered ${text}).`;
          continue;
        }
        value = n;
      }
      if (JSON.stringify(value) !== JSON.stringify(config[f.key])) patch[f.key] = value;
    }
  }
  return { patch: patch as ConfigPatch, errors };
}

/**
 * Why the dry-run box does not tell the whole story: the agent's --dry-run flag (mode
 * dry_run while the file says false), or local mode, where nothing is ever stopped.
 */
export function dryRunNote(mode: AgentMode | null, configured: boolean, flag: boolean | undefined): { forced: boolean; text: string } | null {
  // Agents that report their --dry-run flag say so directly; older ones only show it as mode dry_run on EC2.
  const fromFlag = flag === true || (flag === undefined && mode === 'dry_run' && !configured);
  if (fromFlag) {
    const local = mode === 'local' ? ' (and this machine is not an EC2 instance: local mode never stops anything)' : '';
    return { forced: true, text: `On: the agent was started with --dry-run, which wins over this setting${local}.` };
  }
  if (mode === 'local') return { forced: false, text: 'Local mode: this machine is not an EC2 instance, so nothing is stopped whatever this says.' };
  return null;
}

/**
 * A setting a fleet tag pins (CONFIG_GET `sources[key] === 'tag'`): read-only here, with a
 * note naming the tag, since the agent refuses a local change (PINNED). Null when not pinned.
 */
export function pinNote(config: ConfigView, key: ConfigKey): string | null {
  if (sourceOf(config, key) !== 'tag') return null;
  return `${MESSAGES.pinnedNote(configTagKey(config.tagging_prefix, key))}: read-only here.`;
}
