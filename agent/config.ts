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
  try {
    return { config: parseConfig(raw), fromFile: true, keys: raw && typeof raw === 'object' ? Object.keys(raw) : [] };
  } catch (err) {
    throw new ConfigError(`config ${file}: ${(err as Error).message}`, (err as ConfigError).key);
  }
}

export async function saveConfig(file: string, config: Config): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}
