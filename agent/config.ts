/** Loading and atomically saving snooze.json; the schema lives in config-schema.ts. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ConfigError, DEFAULT_CONFIG, parseConfig, type Config } from './config-schema.js';

export * from './config-schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/cloudsnooze/snooze.json';

export interface LoadedConfig {
  config: Config;
  /** False when the file did not exist and defaults are in use. */
  fromFile: boolean;
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
    return { config: parseConfig(raw), fromFile: true };
  } catch (err) {
    throw new ConfigError(`config ${file}: ${(err as Error).message}`, (err as ConfigError).key);
  }
}

/** Atomic write: temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeFileAtomic(file: string, data: string, mode = 0o644): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await fs.open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const dh = await fs.open(dir, 'r');
  try {
    await dh.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await dh.close();
  }
}

export async function saveConfig(file: string, config: Config): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
}
