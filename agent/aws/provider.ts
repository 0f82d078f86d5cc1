/**
 * The EC2 provider: identity from IMDSv2, then tag and stop through the EC2 API.
 * Nothing here throws into the daemon: every failure becomes a StopOutcome, a
 * health() field or a log line, so the agent keeps monitoring.
 */
import type { Config } from '../../contract/config-schema.js';
import type { AgentMode, InstanceInfo } from '../../contract/protocol.js';
import type { CloudProvider, ProviderHealth, StartNote, StopOutcome, StopRequest } from '../provider.js';
import { TAG_NAMES, tagKey } from '../../contract/tags.js';
import { Ec2 } from './ec2.js';
import { ImdsClient, imdsDisabled, type ImdsIdentity } from './imds.js';
import { AwsCallError, backoffDelay, classifyAwsError, type AwsFailure, type RetryOptions } from './retry.js';
import { clearStopMarker, readStopMarker, writeStopMarker } from './stop-marker.js';
import { rfc3339Seconds } from '../../contract/protocol.js';

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

export interface AwsProviderOptions {
  mode: Extract<AgentMode, 'aws' | 'dry_run'>;
  config: Pick<Config, 'aws_region'>;
  env?: NodeJS.ProcessEnv;
  log?: Log;
  imds?: ImdsClient;
  /** EC2 call retries (tests shorten the delays). */
  retry?: RetryOptions;
  /** Background metadata retries while monitor-only. */
  metadataRetry?: { baseDelayMs: number; maxDelayMs: number };
  /** Injected EC2 client factory (tests); default: the SDK client in `region`. */
  ec2Factory?: (region: string) => Ec2;
  /**
   * Where to note "about to stop this instance". When set, the start-up restart check
   * uses the EC2 API only if the note is there (or tags in metadata say Stopped), so an
   * agent that never stopped its host does not load the SDK at start.
   */
  stopMarkerPath?: string;
}

const DEFAULT_METADATA_RETRY = { baseDelayMs: 2_000, maxDelayMs: 5 * 60_000 };

export function failureOf(err: unknown): AwsFailure {
  return err instanceof AwsCallError ? err.failure : classifyAwsError(err);
}

const describe = (f: AwsFailure) => `${f.code}: ${f.message}`;

/** EC2 refuses Hibernate=true for instances launched without hibernation configured. */
export function hibernationUnsupported(f: AwsFailure): boolean {
  if (f.code === 'UnsupportedHibernationConfiguration' || f.code === 'UnsupportedOperation') return true;
  return f.class === 'client' && f.code !== 'UnauthorizedOperation' && /hibernat/i.test(f.message);
}

export class AwsProvider implements CloudProvider {
  readonly mode: 'aws' | 'dry_run';
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Log;
  private readonly imds: ImdsClient;
  private readonly metadataRetry: { baseDelayMs: number; maxDelayMs: number };
  private identity: ImdsIdentity | null = null;
  private identifying: Promise<ImdsIdentity | null> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryAttempt = 0;
  private monitorOnly: string | null = null;
  private lastError: string | null = null;
  private closed = false;
  private readonly clients = new Map<string, Ec2>();

  constructor(private readonly opts: AwsProviderOptions) {
    this.mode = opts.mode;
    this.env = opts.env ?? process.env;
    this.log = opts.log ?? (() => undefined);
    this.imds = opts.imds ?? new ImdsClient({ env: this.env });
    this.metadataRetry = opts.metadataRetry ?? DEFAULT_METADATA_RETRY;
  }

  health(): ProviderHealth {
    return { monitorOnly: this.monitorOnly, lastError: this.lastError };
  }

  async identify(): Promise<InstanceInfo> {
    const id = this.identity ?? (await this.tryIdentify());
    return {
      id: id?.id ?? null,
      type: id?.type ?? null,
      region: this.regionFor(id) ?? null,
      source: 'ec2',
    };
  }

  async stop(req: StopRequest): Promise<StopOutcome> {
    const ident = this.identity ?? (await this.tryIdentify());
    if (!ident) {
      return { kind: 'failed', error: this.monitorOnly ?? 'instance identity unknown (metadata unavailable)', code: 'MetadataUnavailable' };
    }
    const region = this.regionFor(ident)!;
    const ec2 = this.ec2(region);
    if (this.mode === 'dry_run') return this.dryRunStop(ec2, ident.id, req);
    const marker = this.opts.stopMarkerPath;
    if (marker) {
      // Written before the stop: once StopInstances is accepted the host may shut down at any moment.
      await writeStopMarker(marker, { instance_id: ident.id, at: rfc3339Seconds(Date.now()) }).catch((err: Error) =>
        this.log('warn', `cannot write ${marker} (${err.message}): the restart after this stop may not be marked`),
      );
    }
    const outcome = await this.tagAndStop(ec2, ident.id, req);
    if (outcome.kind !== 'stopped' && marker) await clearStopMarker(marker).catch(() => undefined);
    return outcome;
  }

  /** Tags said Stopped but the instance keeps running (cancelled or failed stop): say so to pollers. */
  private async unmarkStopped(ec2: Ec2, id: string, req: StopRequest): Promise<void> {
    const statusKey = Object.keys(req.tags).find((k) => k.endsWith(':Status'));
    if (!statusKey) return;
    await ec2
      .createTags({ Resources: [id], Tags: [{ Key: statusKey, Value: 'Running' }] })
      .catch((err: unknown) => this.log('warn', `could not set ${statusKey} back to Running on ${id}: ${describe(failureOf(err))}`));
  }

  private async tagAndStop(ec2: Ec2, id: string, req: StopRequest): Promise<StopOutcome> {
    let taggingError: string | undefined;
    const tags = Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value }));
    if (tags.length > 0) {
      try {
        await ec2.createTags({ Resources: [id], Tags: tags });
      } catch (err) {
        // The stop is what saves money: record the tagging failure and stop anyway.
        taggingError = describe(failureOf(err));
        this.log('warn', `CreateTags on ${id} failed (${taggingError}); stopping anyway`);
      }
    }

    // Tagging can take a while (retries under throttling): a hold may have arrived meanwhile.
    if (req.stillWanted && !req.stillWanted()) {
      if (!taggingError) await this.unmarkStopped(ec2, id, req);
      return { kind: 'cancelled', note: 'a hold or activity arrived while tagging; the instance was not stopped' };
    }

    let note: string | undefined;
    let requestId: string | undefined;
    try {
      requestId = (await ec2.stopInstances({ InstanceIds: [id], ...(req.hibernate ? { Hibernate: true } : {}) })).$metadata.requestId;
    } catch (err) {
      const f = failureOf(err);
      if (!(req.hibernate && hibernationUnsupported(f))) {
        if (!taggingError) await this.unmarkStopped(ec2, id, req);
        return this.failed('StopInstances', id, f);
      }
      note = `hibernation is not available on this instance (${f.code}); stopped instead`;
      this.log('warn', note);
      try {
        requestId = (await ec2.stopInstances({ InstanceIds: [id] })).$metadata.requestId;
      } catch (err2) {
        if (!taggingError) await this.unmarkStopped(ec2, id, req);
        return this.failed('StopInstances', id, failureOf(err2));
      }
    }
    this.lastError = taggingError ? `tags were not written: ${taggingError}` : null;
    this.log('info', `StopInstances ${id} accepted (request ${requestId ?? 'unknown'})`);
    return {
      kind: 'stopped',
      ...(requestId ? { requestId } : {}),
      ...(taggingError ? { taggingError } : {}),
      ...(note ? { note } : {}),
    };
  }

  async onAgentStart(prefix: string): Promise<StartNote | null> {
    try {
      const ident = this.identity ?? (await this.tryIdentify());
      if (!ident) return null;
      const statusKey = tagKey(prefix, TAG_NAMES.status);
      const markerPath = this.opts.stopMarkerPath;
      // Tags in instance metadata (when enabled) answer without loading the SDK at start.
      const fromMetadata = await this.statusFromMetadataTags(statusKey);
      if (fromMetadata !== undefined && fromMetadata !== 'Stopped') {
        if (markerPath) await clearStopMarker(markerPath);
        return null;
      }
      if (markerPath && fromMetadata === undefined) {
        const marker = await readStopMarker(markerPath);
        // No stop recorded on this host: its Status tag cannot say Stopped (only a stop writes it).
        if (!marker) return null;
        if (marker.instance_id !== null && marker.instance_id !== ident.id) {
          // Carried over in an image from another instance.
          await clearStopMarker(markerPath);
          return null;
        }
      }
      const note = await this.markRestart(prefix, ident);
      if (markerPath) await clearStopMarker(markerPath);
      return note;
    } catch (err) {
      const f = failureOf(err);
      this.lastError = `could not check the ${prefix}:Status tag at start: ${describe(f)}`;
      this.log('warn', this.lastError);
      return null;
    }
  }

  /** DescribeTags; when `<prefix>:Status` is Stopped, CreateTags Status=Running. Throws on API errors. */
  private async markRestart(prefix: string, ident: ImdsIdentity): Promise<StartNote | null> {
    const statusKey = tagKey(prefix, TAG_NAMES.status);
    const ec2 = this.ec2(this.regionFor(ident)!);
    const tsKey = tagKey(prefix, TAG_NAMES.stopTimestamp);
    const reasonKey = tagKey(prefix, TAG_NAMES.stopReason);
    const out = await ec2.describeTags({
      Filters: [
        { Name: 'resource-id', Values: [ident.id] },
        { Name: 'key', Values: [statusKey, tsKey, reasonKey] },
      ],
    });
    const tags = new Map((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    if (tags.get(statusKey) !== 'Stopped') return null;
    // Also in dry_run: the tag would otherwise tell pollers a running instance is stopped.
    await ec2.createTags({ Resources: [ident.id], Tags: [{ Key: statusKey, Value: 'Running' }] });
    const stoppedAt = tags.get(tsKey);
    return {
      type: 'restart_marked',
      message: `Instance was started again after CloudSnooze stopped it${stoppedAt ? ` at ${stoppedAt}` : ''}: ${statusKey} set to Running (stop tags kept)`,
      details: {
        instance_id: ident.id,
        tag: statusKey,
        previous_value: 'Stopped',
        value: 'Running',
        ...(stoppedAt ? { stop_timestamp: stoppedAt } : {}),
        ...(tags.has(reasonKey) ? { stop_reason: tags.get(reasonKey) } : {}),
      },
    };
  }

  /**
   * `<prefix>:Status` from instance metadata tags: undefined when that feature is off
   * (404, the EC2 default) or the key cannot be expressed there; null when the tag is absent.
   */
  private async statusFromMetadataTags(statusKey: string): Promise<string | null | undefined> {
    if (/[\s/]/.test(statusKey)) return undefined;
    try {
      const keys = await this.imds.getOptional('meta-data/tags/instance');
      if (keys === null) return undefined;
      if (!keys.split('\n').includes(statusKey)) return null;
      return await this.imds.getOptional(`meta-data/tags/instance/${statusKey}`);
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }

  // -------------------------------------------------------------------------

  private regionFor(id: ImdsIdentity | null): string | undefined {
    return this.opts.config.aws_region || id?.region || undefined;
  }

  private ec2(region: string): Ec2 {
    let c = this.clients.get(region);
    if (!c) {
      c = this.opts.ec2Factory?.(region) ?? new Ec2({ region, env: this.env, ...(this.opts.retry ? { retry: this.opts.retry } : {}) });
      this.clients.set(region, c);
    }
    return c;
  }

  private failed(action: string, id: string, f: AwsFailure): StopOutcome {
    const error = `${action} on ${id} failed: ${describe(f)}`;
    this.lastError = error;
    this.log('error', error);
    return { kind: 'failed', error, code: f.code };
  }

  private async dryRunStop(ec2: Ec2, id: string, req: StopRequest): Promise<StopOutcome> {
    const proven: string[] = [];
    const permissionErrors: string[] = [];
    const problems: string[] = [];
    const check = async (action: string, call: () => Promise<unknown>): Promise<AwsFailure | null> => {
      try {
        await call();
        // DryRun should never succeed; if an endpoint ignores it, say so rather than claim a proof.
        problems.push(`${action}: the endpoint ignored DryRun`);
        return null;
      } catch (err) {
        const f = failureOf(err);
        if (f.code === 'DryRunOperation') proven.push(`ec2:${action}`);
        else if (f.code === 'UnauthorizedOperation') permissionErrors.push(`ec2:${action}`);
        else return f;
        return null;
      }
    };
    const tags = Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value }));
    if (tags.length > 0) {
      const f = await check('CreateTags', () => ec2.createTags({ Resources: [id], Tags: tags, DryRun: true }));
      if (f) problems.push(`CreateTags: ${describe(f)}`);
    }
    let f = await check('StopInstances', () => ec2.stopInstances({ InstanceIds: [id], DryRun: true, ...(req.hibernate ? { Hibernate: true } : {}) }));
    if (f && req.hibernate && hibernationUnsupported(f)) {
      problems.push(`hibernation is not available on this instance (${f.code}); a plain stop would be used`);
      f = await check('StopInstances', () => ec2.stopInstances({ InstanceIds: [id], DryRun: true }));
    }
    if (f) problems.push(`StopInstances: ${describe(f)}`);

    const parts = ['dry run: nothing was stopped'];
    if (proven.length) parts.push(`permission proven for ${proven.join(', ')}`);
    if (permissionErrors.length) parts.push(`missing permission ${permissionErrors.join(', ')}`);
    parts.push(...problems);
    this.lastError = permissionErrors.length ? `missing permission ${permissionErrors.join(', ')}` : problems.length ? problems.join('; ') : null;
    return { kind: 'dry_run', note: parts.join('; '), ...(permissionErrors.length ? { permissionErrors } : {}) };
  }

  private tryIdentify(): Promise<ImdsIdentity | null> {
    this.identifying ??= (async () => {
      try {
        if (imdsDisabled(this.env)) throw new Error('AWS_EC2_METADATA_DISABLED is set');
        const id = await this.imds.identity();
        const recovered = this.monitorOnly !== null;
        this.identity = id;
        this.monitorOnly = null;
        this.retryAttempt = 0;
        if (recovered) this.log('info', `instance metadata reachable again: ${id.id} (${id.type}, ${id.region})`);
        return id;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (this.monitorOnly === null) this.log('warn', `instance metadata unavailable (${msg}); monitoring only until it answers`);
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
    const delay = backoffDelay(this.retryAttempt++, { ...this.metadataRetry, random: Math.random });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) void this.tryIdentify();
    }, delay);
    this.retryTimer.unref();
  }
}
