/**
 * What the daemon is handed by whoever runs it: every clock, file, process and socket it
 * touches comes in here, so main.ts wires the real ones and the unit tests wire fakes
 * (test/unit/daemon.test.ts) without either reading the loop. Its parts take the slices
 * they need (announcer.ts picks its own).
 */
import type { Config, ConfigKey } from '../contract/config-schema.js';
import type { HistoryEvent, Status } from '../contract/protocol.js';
import type { History } from './history.js';
import type { LogFn } from './log.js';
import type { Sampler } from './metrics/sampler.js';
import type { CloudProvider } from './provider.js';

export interface DaemonDeps {
  config: Config;
  configPath: string;
  sampler: Sampler;
  provider: CloudProvider;
  history: History;
  log: LogFn;
  /** --dry-run: never stop, whatever the config says. */
  dryRunFlag: boolean;
  /** Whether the config file existed at start (false: defaults); STATUS says so beside its path. */
  configLoaded?: boolean;
  /** Picks the provider again when dry_run changes at run time. */
  reselectProvider: (config: Config) => Promise<CloudProvider>;
  /** Status frames and events go to subscribers through this. */
  broadcast: (frame: { frame: 'status'; data: Status } | { frame: 'event'; data: HistoryEvent }) => void;
  /** One banner on every terminal: before a stop ('warning'), or when activity cancelled a warned one. */
  warnTerminals: (message: string, kind?: 'warning' | 'cancelled') => Promise<number>;
  /** Called when the log level changes. */
  onConfigApplied?: (config: Config, changed: ConfigKey[]) => void;
  now?: () => number;
  /** Monotonic milliseconds (mono-clock.ts), to notice wall-clock jumps. */
  monoNow?: () => number;
  /** Where process holds are checked (default /proc). */
  procDir?: string;
  /** Keys present in the config file (CONFIG_GET's `file` source). */
  fileKeys?: ReadonlySet<string>;
  /** Told of every notice delivery attempt (metrics counters). */
  onNotifyAttempt?: (target: 'webhook' | 'sns', ok: boolean) => void;
}
