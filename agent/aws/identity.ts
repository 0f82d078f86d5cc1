/**
 * Who this instance is, from instance metadata (IMDSv2): id, type and region. When
 * metadata does not answer, the agent is monitor-only (with the reason) and keeps
 * asking in the background, backing off, until it does. No SDK.
 */
import type { InstanceInfo } from '../../contract/protocol.js';
import { ImdsClient, imdsDisabled, type ImdsIdentity } from './imds.js';
import { backoffDelay } from './retry.js';

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

export const DEFAULT_METADATA_RETRY = { baseDelayMs: 2_000, maxDelayMs: 5 * 60_000 };

export interface InstanceIdentityOptions {
  imds: ImdsClient;
  env: NodeJS.ProcessEnv;
  log: Log;
  /** `aws_region` from the config: wins over the metadata region when set. */
  configRegion: () => string;
  /** Background metadata retries while monitor-only. */
  retry?: { baseDelayMs: number; maxDelayMs: number };
}

export class InstanceIdentity {
  private identity: ImdsIdentity | null = null;
  private identifying: Promise<ImdsIdentity | null> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryAttempt = 0;
  private closed = false;
  /** Why the agent cannot act, while metadata does not answer. */
  monitorOnly: string | null = null;

  constructor(private readonly opts: InstanceIdentityOptions) {}

  /** The identity, asked again while unknown; null while metadata does not answer. Never throws. */
  get(): Promise<ImdsIdentity | null> {
    return this.identity ? Promise.resolve(this.identity) : this.tryIdentify();
  }

  /** The region EC2 calls are signed for: `aws_region`, else the instance's own. */
  regionFor(id: ImdsIdentity | null): string | undefined {
    return this.opts.configRegion() || id?.region || undefined;
  }

  async info(): Promise<InstanceInfo> {
    const id = await this.get();
    return { id: id?.id ?? null, type: id?.type ?? null, region: this.regionFor(id) ?? null, source: 'ec2' };
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private tryIdentify(): Promise<ImdsIdentity | null> {
    const { log, env } = this.opts;
    this.identifying ??= (async () => {
      try {
        if (imdsDisabled(env)) throw new Error('AWS_EC2_METADATA_DISABLED is set');
        const id = await this.opts.imds.identity();
        const recovered = this.monitorOnly !== null;
        this.identity = id;
        this.monitorOnly = null;
        this.retryAttempt = 0;
        if (recovered) log('info', `instance metadata reachable again: ${id.id} (${id.type}, ${id.region})`);
        return id;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (this.monitorOnly === null) log('warn', `instance metadata unavailable (${msg}); monitoring only until it answers`);
        this.monitorOnly = `instance metadata unavailable: ${msg}`;
        this.scheduleRetry();
        return null;
      }
    })().finally(() => {
      this.identifying = null;
    });
    return this.identifying;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    const delay = backoffDelay(this.retryAttempt++, { ...(this.opts.retry ?? DEFAULT_METADATA_RETRY), random: Math.random });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) void this.tryIdentify();
    }, delay);
    this.retryTimer.unref();
  }
}
