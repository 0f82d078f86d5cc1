/**
 * The cloud action boundary. The daemon decides *when*; a provider knows *how*.
 * Off EC2 (no EC2 DMI signature) the local provider records what would have been done.
 */
import type { AgentMode, InstanceInfo } from '../contract/protocol.js';

export interface StopRequest {
  reason: string;
  /**
   * Asked again right before StopInstances (tagging may take a while under throttling):
   * false when a hold or activity has arrived since, and the stop must not happen.
   */
  stillWanted?: () => boolean;
  /** Exactly the tags to write before stopping (see tags.ts); empty when tagging is off. */
  tags: Record<string, string>;
  hibernate: boolean;
}

export type StopOutcome =
  /** The instance is stopping. `taggingError`: tags could not be written but the stop went ahead. */
  | { kind: 'stopped'; requestId?: string; taggingError?: string; note?: string }
  /** Nothing was stopped on purpose (local mode or dry_run); `note` says what was proven or why not. */
  | { kind: 'dry_run'; note: string; permissionErrors?: string[] }
  /** `stillWanted()` said no before StopInstances; any Stopped tag written was set back to Running. */
  | { kind: 'cancelled'; note: string }
  /** The stop failed; the agent records `stop_failed` and keeps monitoring. */
  | { kind: 'failed'; error: string; code?: string };

export interface ProviderHealth {
  /** Set when the agent cannot act (e.g. metadata unreachable on EC2): STATUS shows monitor_only with this reason. */
  monitorOnly: string | null;
  /** Last cloud error, shown in STATUS. */
  lastError: string | null;
}

/** This instance's tags, and whether reading them cost an API call (metadata is free). */
export interface TagRead {
  tags: ReadonlyMap<string, string>;
  source: 'metadata' | 'api';
}

/** Something worth a history line at start (e.g. a `<prefix>:Status` tag turned back to Running). */
export interface StartNote {
  type: 'restart_marked';
  message: string;
  details?: Record<string, unknown>;
}

export interface CloudProvider {
  readonly mode: AgentMode;
  /** Instance identity; may retry internally. Never throws. */
  identify(): Promise<InstanceInfo>;
  stop(req: StopRequest): Promise<StopOutcome>;
  health(): ProviderHealth;
  /**
   * This instance's tags under `<prefix>:` and its Name (settings pinned by tags), from
   * metadata or DescribeTags; null when they cannot be read now (off EC2, no identity, an
   * API error, logged). Never throws.
   */
  readTags?(prefix: string): Promise<TagRead | null>;
  /** SNS Publish of one notice; rejects with the reason (the notifier retries). */
  publishSns?(topicArn: string, message: string, subject: string): Promise<void>;
  /** Called once after start, with the tag prefix; may mark a restarted instance. Never throws. */
  onAgentStart?(prefix: string): Promise<StartNote | null>;
  close?(): Promise<void>;
}

export const LOCAL_INSTANCE: InstanceInfo = { id: null, type: null, region: null, source: 'local' };

/** Off EC2, or when forced: never contacts any cloud endpoint; the daemon records `dry_run_stop`. */
export class LocalProvider implements CloudProvider {
  constructor(
    readonly mode: AgentMode = 'local',
    private readonly instance: InstanceInfo = LOCAL_INSTANCE,
  ) {}
  async identify(): Promise<InstanceInfo> {
    return this.instance;
  }
  async stop(_req: StopRequest): Promise<StopOutcome> {
    return {
      kind: 'dry_run',
      note: this.mode === 'local' ? 'not on EC2 (no EC2 DMI signature): nothing was stopped' : 'dry run: nothing was stopped',
    };
  }
  health(): ProviderHealth {
    return { monitorOnly: null, lastError: null };
  }
}
