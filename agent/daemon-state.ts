/**
 * What the daemon knows between samples, in one object shared by its parts: the loop
 * (daemon.ts) and the stop action (stop-action.ts) write it, the status view
 * (status-view.ts) and the socket handlers (socket-handlers.ts) read it. One object rather
 * than fields on each part, so there is a single truth and no copies to keep in step.
 *
 * Every field is replaced, never mutated in place: the status view reuses its reply while
 * the objects it was built from are the same, so identity must mean "unchanged".
 */
import type { Config } from '../contract/config-schema.js';
import type { AgentMode, InstanceInfo, Sample } from '../contract/protocol.js';
import { RunHolds } from './keep-awake/run-holds.js';
import type { ScheduleStatus } from '../contract/schedule.js';
import * as policy from './policy.js';
import type { PolicyConfig, PolicyState } from './policy-types.js';
import { LOCAL_INSTANCE, type CloudProvider } from './provider.js';
import { effectiveConfig, type Effective } from './fleet-pins.js';

/** The config file's settings and this instance's tags, kept apart so a tag never reaches the file. */
export interface FleetState {
  /** snooze.json as loaded and as CONFIG_SET changes it; `config` is this with the pins over it. */
  file: Config;
  /** Keys present in the file (CONFIG_GET's `file` source). */
  fileKeys: ReadonlySet<string>;
  /** This instance's tags at the last read; null until read (or off EC2). */
  tags: ReadonlyMap<string, string> | null;
  effective: Effective;
}

export interface DaemonState {
  /** The config in force: the file's, with settings pinned by tags over it (fleet). */
  config: Config;
  fleet: FleetState;
  /**
   * The policy's reading of `config` in force now: an open schedule window may replace the
   * naptime (keep-awake/daemon-sources.ts keeps it up to date with `schedule`).
   */
  pcfg: PolicyConfig;
  /** The schedule at the last decision; null without windows. */
  schedule: ScheduleStatus | null;
  /** Idle timer, warning and holds: what the pure policy decides on. */
  policy: PolicyState;
  lastSample: Sample | null;
  provider: CloudProvider;
  instance: InstanceInfo;
  /** A stop is under way: STATUS says 'stopping' meanwhile. */
  stopping: boolean;
  /** Why the last stop failed or went only partly right; cleared by the next good outcome. */
  lastError: string | null;
  /** Read once per sample (and on desktop reports): listing /dev/pts per STATUS would dominate its cost. */
  inputSources: string[];
  /** Sources a reporter said cannot measure idle time; refreshed with inputSources. */
  inputUnavailable: string[];
  /** Process-bound holds (`snooze run`); they block through the sample's keep_awake entries. */
  readonly runHolds: RunHolds;
  /** --dry-run on the command line: never stop, whatever the config says. */
  readonly dryRunFlag: boolean;
  /** The config file this agent loaded (or writes on CONFIG_SET), and whether it existed at start. */
  configPath?: string;
  configLoaded?: boolean;
}

export function initialDaemonState(config: Config, provider: CloudProvider, dryRunFlag: boolean, procDir = '/proc', fileKeys: ReadonlySet<string> = new Set()): DaemonState {
  return {
    config,
    fleet: { file: config, fileKeys, tags: null, effective: effectiveConfig(config, null) },
    pcfg: policy.policyConfigFrom(config),
    schedule: null,
    policy: policy.initialPolicyState(),
    lastSample: null,
    provider,
    instance: LOCAL_INSTANCE,
    stopping: false,
    lastError: null,
    inputSources: [],
    inputUnavailable: [],
    runHolds: new RunHolds(procDir),
    dryRunFlag,
  };
}

/** What a stop would do now: a real stop only with the AWS provider and no dry run from either the flag or the config. */
export function modeOf(s: DaemonState): AgentMode {
  if (s.provider.mode === 'aws' && (s.dryRunFlag || s.config.dry_run)) return 'dry_run';
  return s.provider.mode;
}

/** Why the agent only watches: an instance tag `<prefix>:Disabled` = true, or a provider that cannot act. */
export function monitorOnlyReason(s: DaemonState): string | null {
  return s.fleet.effective.disabled ?? s.provider.health().monitorOnly;
}
