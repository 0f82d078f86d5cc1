/** Loading and atomically saving snooze.json; the schema lives in config-schema.ts. */
import * as fs from '../lib/fs-async.js';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { ConfigError, DEFAULT_CONFIG, parseConfig, type Config } from '../contract/config-schema.js';

export * from '../contract/config-schema.js';

export { DEFAULT_CONFIG_PATH } from '../contract/paths.js';

export interface LoadedConfig {
  config: Config;
  /** False when the file did not exist and defaults are in use. */
  fromFile: boolean;
  /** The keys the file sets (CONFIG_GET names them as the `file` source). */
  keys?: string[];
  /** Why the file's mode exposes a secret it holds, or absent. */
  exposed?: string;
}

/**
 * CONFIG_GET redacts the webhook URL and the SNS ARN, which is moot when every local user may
 * read the file itself (0644 is the usual mode of a file in /etc). Said, not changed: the
 * owner chooses the mode, and writeFileAtomic keeps it.
 */
export function secretExposure(file: string, config: Config, mode: number): string | null {
  if (!config.notifications.webhook_url && !config.notifications.sns_topic_arn) return null;
  if ((mode & 0o004) === 0) return null;
  return `${file} holds notifications (a webhook URL is its own password) and every local user may read it (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 ${file}`;
}

/** Read and validate a config file; a missing file means defaults. A malformed file throws ConfigError. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: DEFAULT_CONFIG, fromFile: false };
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${file} is not valid JSON: ${(err as Error).message}`);
  }
  let config: Config;
  try {
    config = parseConfig(raw);
  } catch (err) {
    throw new ConfigError(`config ${file}: ${(err as Error).message}`, (err as ConfigError).key);
  }
  const mode = await fs.stat(file).then((st) => st.mode, () => 0);
  const exposed = secretExposure(file, config, mode);
  return { config, fromFile: true, keys: raw && typeof raw === 'object' ? Object.keys(raw) : [], ...(exposed ? { exposed } : {}) };
}

export async function saveConfig(file: string, config: Config): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}
