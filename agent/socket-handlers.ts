/**
 * The socket API's command table: one handler per command of contract/protocol.ts, each
 * typed by its `CommandResults` entry through `HandlerTable`, so a new command that is not
 * handled here (or returns the wrong shape) fails to compile. The server has already
 * validated the params; handlers only act on them.
 */
import { applyPatch, RESTART_KEYS, type Config, type ConfigKey } from '../contract/config-schema.js';
import { rfc3339Seconds, type CommandResults, type HistoryEvent, type Params, type Sample, type Status } from '../contract/protocol.js';
import { formatDuration } from '../contract/time-format.js';
import { saveConfig } from './config.js';
import type { DaemonState } from './daemon-state.js';
import type { History, NewEvent } from './history.js';
import { historyReply } from './history-reply.js';
import * as policy from './policy.js';
import { RequestError, type HandlerTable } from './server.js';

/** What the handlers need from the daemon. */
export interface HandlerHost {
  readonly state: DaemonState;
  readonly configPath: string;
  readonly history: History;
  now(): number;
  status(): Status;
  /** Sends the current status to subscribers and returns it. */
  broadcastStatus(): Status;
  /** Runs `fn` after every mutation before it, so concurrent clients see one consistent state. */
  serialized<T>(fn: () => Promise<T>): Promise<T>;
  applyConfig(next: Config, changed: ConfigKey[]): Promise<void>;
  record(ev: NewEvent): Promise<HistoryEvent>;
  persistHolds(): Promise<void>;
  /** Samples taken at or after `since` (epoch ms), oldest first. */
  samplesSince(since: number): Sample[];
  /** A reporter (the desktop app) says how long its user has been idle. */
  reportInput(source: string, idleSecs: number): void;
}

export function socketHandlers(host: HandlerHost): HandlerTable {
  const s = host.state;
  return {
    STATUS: () => host.status(),
    CONFIG_GET: () => s.config,
    CONFIG_SET: (p) => host.serialized(() => configSet(host, p)),
    HISTORY: (p) => historyReply(host.history, p),
    // Holds take effect at once, not queued behind a decision in progress: the final
    // re-check before a stop must see them.
    POSTPONE: (p) => postpone(host, p),
    STAY_AWAKE: (p) => stayAwake(host, p),
    RELEASE: () => release(host),
    SUBSCRIBE: (_p, conn) => {
      conn.subscribe();
      return { subscribed: true as const };
    },
    SAMPLES: (p) => ({ samples: host.samplesSince(host.now() - p.seconds * 1000) }),
    INPUT_ACTIVITY: (p) => {
      host.reportInput(p.source, p.idle_secs);
      return { accepted: true as const };
    },
  };
}

async function configSet(host: HandlerHost, p: Params<'CONFIG_SET'>): Promise<CommandResults['CONFIG_SET']> {
  const s = host.state;
  const fileOnly = RESTART_KEYS.filter((k) => k in p.values);
  if (fileOnly.length) {
    throw new RequestError(
      `${fileOnly.join(', ')} can only be set in the config file ${host.configPath} (the agent writes those paths as root); nothing changed`,
      'INVALID_PARAMS',
    );
  }
  const { config: next, changed } = applyPatch(s.config, p.values);
  if (changed.length === 0) return s.config;
  // Saved before it is applied: a setting that would be lost at the next start is refused instead.
  try {
    await saveConfig(host.configPath, next);
  } catch (err) {
    throw new RequestError(`cannot save the config to ${host.configPath}: ${(err as Error).message}; nothing changed`, 'INTERNAL');
  }
  const diff = Object.fromEntries(changed.map((k) => [k, { from: s.config[k], to: next[k] }]));
  await host.applyConfig(next, changed);
  await host.record({
    type: 'config_change',
    message: `Config changed: ${changed.map((k) => `${k}=${JSON.stringify(next[k])}`).join(', ')}`,
    details: { changed: diff },
  });
  host.broadcastStatus();
  return s.config;
}

function postpone(host: HandlerHost, p: Params<'POSTPONE'>): Promise<Status> {
  const s = host.state;
  const now = host.now();
  s.policy = policy.postpone(s.policy, p.minutes, now, s.pcfg);
  const until = s.policy.holds.postponedUntil ?? now;
  return holdChanged(host, 'postpone', `Postponed by ${formatMinutes(p.minutes)}: no stop before ${rfc3339Seconds(until)}`, {
    minutes: p.minutes,
    until: rfc3339Seconds(until),
  });
}

function stayAwake(host: HandlerHost, p: Params<'STAY_AWAKE'>): Promise<Status> {
  const s = host.state;
  s.policy = policy.stayAwake(s.policy, p.minutes, p.reason, host.now());
  const until = s.policy.holds.stayAwake?.until ?? null;
  return holdChanged(host, 'stay_awake', `Stay awake ${until === null ? 'until released' : `until ${rfc3339Seconds(until)}`}: ${p.reason}`, {
    minutes: p.minutes ?? null,
    until: until === null ? null : rfc3339Seconds(until),
    reason: p.reason,
  });
}

function release(host: HandlerHost): Promise<Status> {
  const s = host.state;
  const had = s.policy.holds.stayAwake !== null || s.policy.holds.postponedUntil !== null;
  s.policy = policy.release(s.policy, host.now(), s.pcfg);
  return holdChanged(host, 'release', had ? 'Released: holds cleared, idle countdown resumes' : 'Release: there was no hold', { had_hold: had });
}

/** Holds survive a restart (saved first), are recorded, and every subscriber sees them at once. */
async function holdChanged(host: HandlerHost, type: 'postpone' | 'stay_awake' | 'release', message: string, details: Record<string, unknown>): Promise<Status> {
  await host.persistHolds();
  await host.record({ type, message, details });
  return host.broadcastStatus();
}

function formatMinutes(m: number): string {
  return formatDuration(Math.round(m * 60));
}
