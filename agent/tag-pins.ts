/**
 * Settings pinned by this instance's tags, kept current: read at start and every
 * fleet_refresh_minutes, applied through the daemon's one mutation queue, and recorded
 * (one history line per change, a bad tag once). The rule itself is fleet-pins.ts.
 */
import type { Config, ConfigKey } from '../contract/config-schema.js';
import type { DaemonState } from './daemon-state.js';
import { effectiveConfig, pinsChange, type Effective } from './fleet-pins.js';
import type { NewEvent } from './history.js';
import type { LogFn } from './log.js';

/** The shortest wait between two DescribeTags reads of this instance's tags (metadata reads follow fleet_refresh_minutes). */
export const MIN_API_TAG_REFRESH_MINUTES = 1;

export interface TagPinsHost {
  state: DaemonState;
  log: LogFn;
  running: () => boolean;
  serialized: <T>(fn: () => Promise<T>) => Promise<T>;
  applyConfig: (next: Config, changed: ConfigKey[]) => Promise<void>;
  record: (ev: NewEvent) => Promise<unknown>;
  broadcastStatus: () => void;
}

export class TagPins {
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private lastSource: 'metadata' | 'api' | null = null;
  /** The tag problems last recorded, so a bad tag is recorded once, not at every refresh. */
  private problemsRecorded = '[]';

  constructor(private readonly host: TagPinsHost) {}

  /** (Re)arms the refresh timer; no-op where the provider cannot read tags (local mode). */
  schedule(): void {
    const s = this.host.state;
    if (!this.host.running() || !s.provider.readTags) return;
    this.stop();
    // Metadata reads are free; a DescribeTags (a child process and an API call) comes at most once a minute,
    // whatever a fleet tag sets: a fleet of agents must not throttle its own account.
    const minutes = this.lastSource === 'api' ? Math.max(MIN_API_TAG_REFRESH_MINUTES, s.config.fleet_refresh_minutes) : s.config.fleet_refresh_minutes;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh().finally(() => this.schedule());
    }, minutes * 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Reads this instance's tags again and applies what they pin. One read at a time; never throws. */
  refresh(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const read = await this.host.state.provider.readTags?.(this.host.state.fleet.file.tagging_prefix);
        // Not readable now: the pins stay as they were (a blip must not un-pin a fleet's policy).
        if (!read || !this.host.running()) return;
        this.lastSource = read.source;
        await this.host.serialized(() => this.apply(read.tags));
      } catch (err) {
        this.host.log('error', `fleet tags: ${(err as Error).message}`);
      }
    })().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async apply(tags: ReadonlyMap<string, string>): Promise<void> {
    const s = this.host.state;
    const before = s.fleet.effective;
    const after = effectiveConfig(s.fleet.file, tags);
    s.fleet = { ...s.fleet, tags, effective: after };
    s.instance = s.instance.id ? s.instance : await s.provider.identify();
    await this.changed(before, after);
  }

  /** Applies a new reading of the pins: config in force, monitor-only, and one history line per change. */
  private async changed(before: Effective, after: Effective): Promise<void> {
    const { state: s, record } = this.host;
    const keys = (Object.keys(after.config) as ConfigKey[]).filter((k) => JSON.stringify(s.config[k]) !== JSON.stringify(after.config[k]));
    const diff = Object.fromEntries(keys.map((k) => [k, { from: s.config[k], to: after.config[k] }]));
    if (keys.length) await this.host.applyConfig(after.config, keys);
    const line = pinsChange(before.pins, after.pins, after.config);
    if (line) await record({ type: 'config_change', message: line, details: { source: 'tag', changed: diff, pins: after.pins } }).catch(() => undefined);
    if (before.disabled !== after.disabled) {
      await record({
        type: 'config_change',
        message: after.disabled ? `Monitoring only: ${after.disabled}` : 'The Disabled tag is gone: CloudSnooze acts on idleness again',
        details: { source: 'tag', disabled: after.disabled },
      }).catch(() => undefined);
    }
    const problems = JSON.stringify(after.problems);
    if (problems !== this.problemsRecorded) {
      this.problemsRecorded = problems;
      for (const p of after.problems) {
        const message = `Instance tag ${p.tag} ignored: ${p.error}`;
        this.host.log('warn', `fleet tags: ${message}`);
        await record({ type: 'config_change', message, details: { source: 'tag', tag: p.tag, value: p.value, error: p.error } }).catch(() => undefined);
      }
    }
    if (keys.length || line || before.disabled !== after.disabled) this.host.broadcastStatus();
  }
}
