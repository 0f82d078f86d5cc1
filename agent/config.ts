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

/**
 * Atomic write: temp file in the same folder, fsync, rename, fsync the folder.
 * The mode is set explicitly, never left to the umask (the systemd unit runs the agent with
 * UMask=0077): `mode` when given; otherwise a rewrite keeps the file's mode, owner and group
 * (an admin's chmod 600 on a config holding secrets survives CONFIG_SET), and a new file is 0644.
 */
export async function writeFileAtomic(file: string, data: string, mode?: number): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const before = await fs.stat(file).catch(() => null);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fh = await fs.open(tmp, 'w', 0o600);
  try {
    await fh.chmod(mode ?? (before ? before.mode & 0o777 : 0o644));
    // Only root may give a file away; anyone else writes their own files and skips this.
    if (before && mode === undefined) await fh.chown(before.uid, before.gid).catch(() => undefined);
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
