/** `snooze config`: read and change the agent's settings (changes go over the admin socket). */
import { inert, inertJson } from '../../contract/text.js';
import { AgentError } from '../../lib/client.js';
import { CONFIG_KEYS } from '../../contract/config-schema.js';
import { sourceOf } from '../../contract/config-sources.js';
import type { Status } from '../../contract/protocol.js';
import { USAGE } from '../../contract/messages.js';
import { DEFAULT_CONFIG } from '../config.js';
import { parseFlags } from './args.js';
import { adminRequest, EXIT, UsageError, type CliIO } from './io.js';

/** The value at a dotted key ("logging.log_level") of a config, or undefined when there is no such key. */
function valueAt(c: Record<string, unknown>, key: string): unknown {
  let v: unknown = c;
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** A known key: a top-level setting, or a dotted path into one of the nested ones (as the README writes them). */
function checkKey(key: string): void {
  if (!(CONFIG_KEYS as string[]).includes(key.split('.')[0]!) || valueAt(DEFAULT_CONFIG as unknown as Record<string, unknown>, key) === undefined) {
    throw new UsageError(USAGE.unknownKey(key));
  }
}

function coerceValue(key: string, raw: string): unknown {
  // Text settings stay text ("CloudSnooze", "us-east-1", "debug"); everything else is JSON.
  if (typeof valueAt(DEFAULT_CONFIG as unknown as Record<string, unknown>, key) === 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `{ logging: { ...current.logging, log_level: v } }` for "logging.log_level": the agent takes whole top-level keys. */
function patchFor(current: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const parts = key.split('.');
  const build = (obj: unknown, i: number): unknown => {
    if (i === parts.length) return value;
    const base = obj !== null && typeof obj === 'object' && !Array.isArray(obj) ? (obj as Record<string, unknown>) : {};
    return { ...base, [parts[i]!]: build(base[parts[i]!], i + 1) };
  };
  return { [parts[0]!]: build(current[parts[0]!], 1) };
}

const MODE_LINE: Record<Status['mode'], string> = {
  local: 'local (not on EC2): would stop, never stops',
  dry_run: 'dry run: would stop, never stops',
  aws: 'AWS: stops this instance when idle',
};

/** `snooze config list|get|set`: the mode and each value's source, dotted keys, the admin channel for changes. */
export async function runConfig(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list' || sub === undefined) {
    const { values } = parseFlags(rest, { json: { type: 'boolean' } });
    const c = await io.request(io.socketPath, 'CONFIG_GET');
    if (values.json) {
      io.out(inertJson(JSON.stringify(c, null, 2)));
      return EXIT.OK;
    }
    // The mode and --dry-run are not settings in the file, but they decide what a stop does.
    const st = await io.request(io.socketPath, 'STATUS').catch(() => null);
    if (st) {
      io.out(`${'mode'.padEnd(28)} ${MODE_LINE[st.mode]}`);
      io.out(`${'--dry-run (command line)'.padEnd(28)} ${st.dry_run_flag ? 'on: the agent never stops, whatever dry_run says' : 'off'}`);
      if (st.config_path) io.out(`${'config file'.padEnd(28)} ${inert(st.config_path)}${st.config_loaded === false ? ' (not found: defaults in use)' : ''}`);
    }
    // Each value's source: default, file, or an instance tag that pins it (docs/fleet.md).
    for (const k of CONFIG_KEYS) io.out(`${k.padEnd(28)} ${sourceOf(c, k).padEnd(8)} ${inertJson(JSON.stringify(c[k]) ?? '')}`);
    return EXIT.OK;
  }
  if (sub === 'get') {
    const { positionals } = parseFlags(rest, {}, 1);
    const key = positionals[0];
    if (!key) throw new UsageError('config get needs a KEY');
    checkKey(key);
    const c = await io.request(io.socketPath, 'CONFIG_GET');
    const v = valueAt(c as unknown as Record<string, unknown>, key);
    io.out(typeof v === 'string' ? inert(v) : inertJson(JSON.stringify(v) ?? ''));
    return EXIT.OK;
  }
  if (sub === 'set') {
    const { positionals } = parseFlags(rest, {}, 2);
    const [key, value] = positionals;
    if (!key || value === undefined) throw new UsageError('config set needs KEY VALUE');
    checkKey(key);
    // Settings change only on the admin channel, found beside the socket every other command uses.
    let c;
    try {
      const current = key.includes('.') ? ((await io.request(io.socketPath, 'CONFIG_GET')) as unknown as Record<string, unknown>) : {};
      c = await adminRequest(io, 'CONFIG_SET', { values: patchFor(current, key, coerceValue(key, value)) }, 'change settings', `sudo snooze config set ${key} ${value}`);
    } catch (err) {
      // The message for this field, in the user's words; the others (a rule across keys) after it.
      if (err instanceof AgentError && err.fields) {
        const own = err.fields[key] ?? Object.values(err.fields)[0] ?? err.message;
        io.err(`snooze: ${inert(own)}`);
        return EXIT.REFUSED;
      }
      throw err;
    }
    io.out(`${key} = ${inertJson(JSON.stringify(valueAt(c as unknown as Record<string, unknown>, key)) ?? '')}`);
    return EXIT.OK;
  }
  throw new UsageError(`unknown config subcommand "${sub}" (list, get, set)`);
}
