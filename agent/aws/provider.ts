/**
 * The EC2 provider: identity from IMDSv2 (identity.ts), then the stop (stop.ts), its dry
 * run (dry-run.ts) and restart marking at start (restart-mark.ts) as cloud tasks. The
 * agent runs those tasks in a short-lived child (child-tasks.ts), so the AWS SDK never
 * stays in its memory; without a runner given they run in this process (tests, tools).
 * Nothing here throws into the daemon: every failure becomes a StopOutcome, a health()
 * field or a log line, so the agent keeps monitoring.
 */
import type { Config } from '../../contract/config-schema.js';
import type { AgentMode, InstanceInfo } from '../../contract/protocol.js';
import { rfc3339Seconds } from '../../contract/protocol.js';
import type { CloudProvider, ProviderHealth, StartNote, StopOutcome, StopRequest, TagRead } from '../provider.js';
import type { CloudTasks } from './cloud-task.js';
import type { Ec2 } from './ec2.js';
import { AwsCallError, describeFailure, errorText, failureOf } from './errors.js';
import { InstanceIdentity, type Log } from './identity.js';
import { ImdsClient } from './imds.js';
import { ownTagKeyFilter, tagsFromMetadata } from './own-tags.js';
import { restartCheckNeeded } from './restart-mark.js';
import { TAG_NAMES, tagKey } from '../../contract/tags.js';
import type { RetryOptions } from './retry.js';
import { clearStopMarker, writeStopMarker } from './stop-marker.js';

export type { Log } from './identity.js';

export interface AwsProviderOptions {
  mode: Extract<AgentMode, 'aws' | 'dry_run'>;
  config: Pick<Config, 'aws_region'>;
  env?: NodeJS.ProcessEnv;
  log?: Log;
  imds?: ImdsClient;
  /** EC2 call retries (tests shorten the delays). In-process tasks only. */
  retry?: RetryOptions;
  /** Background metadata retries while monitor-only. */
  metadataRetry?: { baseDelayMs: number; maxDelayMs: number };
  /** Injected EC2 client factory (tests); default: the SDK client in `region`. In-process tasks only. */
  ec2Factory?: (region: string) => Ec2;
  /**
   * Where the EC2 tasks run (the agent: a child per task, child-tasks.ts). Default: in this
   * process, the SDK loaded on the first task.
   */
  tasks?: CloudTasks;
  /**
   * Where to note "about to stop this instance". When set, the start-up restart check
   * uses the EC2 API only if the note is there (or tags in metadata say Stopped), so an
   * agent that never stopped its host does not load the SDK at start.
   */
  stopMarkerPath?: string;
  /**
   * The Price List API cache (price-cache.ts). When set and this instance type's price is
   * missing or older than a week, the start-up restart task (already a child with the SDK
   * and credentials) refreshes it; the agent itself only reads the file.
   */
  priceCachePath?: string;
}

export class AwsProvider implements CloudProvider {
  readonly mode: 'aws' | 'dry_run';
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Log;
  private readonly imds: ImdsClient;
  private readonly identity: InstanceIdentity;
  private lastError: string | null = null;
  private taskRunner: Promise<CloudTasks> | null = null;
  /** This instance's tags at the last read (readTags), for the restart check at start. */
  private ownTags: { prefix: string; tags: ReadonlyMap<string, string> } | null = null;

  constructor(private readonly opts: AwsProviderOptions) {
    this.mode = opts.mode;
    this.env = opts.env ?? process.env;
    this.log = opts.log ?? (() => undefined);
    this.imds = opts.imds ?? new ImdsClient({ env: this.env });
    this.identity = new InstanceIdentity({
      imds: this.imds,
      env: this.env,
      log: this.log,
      configRegion: () => opts.config.aws_region,
      ...(opts.metadataRetry ? { retry: opts.metadataRetry } : {}),
    });
  }

  health(): ProviderHealth {
    return { monitorOnly: this.identity.monitorOnly, lastError: this.lastError };
  }

  identify(): Promise<InstanceInfo> {
    return this.identity.info();
  }

  async stop(req: StopRequest): Promise<StopOutcome> {
    const ident = await this.identity.get();
    if (!ident) {
      return { kind: 'failed', error: this.identity.monitorOnly ?? 'instance identity unknown (metadata unavailable)', code: 'MetadataUnavailable' };
    }
    const on = { region: this.identity.regionFor(ident)!, instanceId: ident.id, tags: req.tags, hibernate: req.hibernate };
    const hooks = { log: this.log, ...(req.stillWanted ? { stillWanted: req.stillWanted } : {}) };
    if (this.mode === 'dry_run') {
      return this.runStopTask(() => this.tasks().then((t) => t.run({ kind: 'dry_run_stop', ...on }, hooks)));
    }
    const marker = this.opts.stopMarkerPath;
    if (marker) {
      // Written before the stop: once StopInstances is accepted the host may shut down at any moment.
      await writeStopMarker(marker, { instance_id: ident.id, at: rfc3339Seconds(Date.now()) }).catch((err: Error) =>
        this.log('warn', `cannot write ${marker} (${err.message}): the restart after this stop may not be marked`),
      );
    }
    const outcome = await this.runStopTask(() => this.tasks().then((t) => t.run({ kind: 'stop', ...on }, hooks)));
    if (outcome.kind !== 'stopped' && marker) await clearStopMarker(marker).catch(() => undefined);
    return outcome;
  }

  /** A task runner that fails (a child that died, a timeout) is a failed stop, like an EC2 error. */
  private async runStopTask(run: () => Promise<{ outcome: StopOutcome; lastError?: string | null }>): Promise<StopOutcome> {
    try {
      const r = await run();
      if (r.lastError !== undefined) this.lastError = r.lastError;
      return r.outcome;
    } catch (err) {
      const error = errorText(err);
      this.lastError = error;
      this.log('error', error);
      return { kind: 'failed', error, code: err instanceof AwsCallError ? err.failure.code : 'CloudTaskFailed' };
    }
  }

  async onAgentStart(prefix: string): Promise<StartNote | null> {
    try {
      const ident = await this.identity.get();
      if (!ident) return null;
      const markerPath = this.opts.stopMarkerPath;
      // The tags read at start for settings pinned by tags answer this too (no second DescribeTags).
      const known = this.ownTags?.prefix === prefix ? this.ownTags.tags : null;
      if (known && known.get(tagKey(prefix, TAG_NAMES.status)) !== 'Stopped') {
        if (markerPath) await clearStopMarker(markerPath);
        return null;
      }
      if (!known && !(await restartCheckNeeded(this.imds, prefix, ident.id, markerPath))) return null;
      const tasks = await this.tasks();
      const region = this.identity.regionFor(ident)!;
      const prices = await this.staleprice(region, ident.type);
      const task = { kind: 'mark_restart' as const, region, instanceId: ident.id, prefix, ...(known ? { tags: Object.fromEntries(known) } : {}), ...(prices ? { prices } : {}) };
      const note = await tasks.run(task, { log: this.log });
      if (markerPath) await clearStopMarker(markerPath);
      return note;
    } catch (err) {
      this.lastError = `could not check the ${prefix}:Status tag at start: ${describeFailure(failureOf(err))}`;
      this.log('warn', this.lastError);
      return null;
    }
  }

  async readTags(prefix: string): Promise<TagRead | null> {
    const ident = await this.identity.get();
    if (!ident) return null;
    try {
      // Metadata first: no API call, no SDK, no child process.
      const fromMetadata = await tagsFromMetadata(this.imds, prefix);
      if (fromMetadata) {
        this.ownTags = { prefix, tags: fromMetadata };
        return { tags: fromMetadata, source: 'metadata' };
      }
    } catch (err) {
      this.log('warn', `could not read this instance's tags from metadata (${errorText(err)}); asking the EC2 API`);
    }
    try {
      const tasks = await this.tasks();
      const tags = await tasks.run({ kind: 'read_tags', region: this.identity.regionFor(ident)!, instanceId: ident.id, keys: ownTagKeyFilter(prefix) }, { log: this.log });
      const read = new Map(Object.entries(tags));
      this.ownTags = { prefix, tags: read };
      return { tags: read, source: 'api' };
    } catch (err) {
      this.log('warn', `could not read this instance's tags with DescribeTags: ${describeFailure(failureOf(err))}; settings pinned by tags stay as they were`);
      return null;
    }
  }

  async publishSns(topicArn: string, message: string, subject: string): Promise<void> {
    const ident = await this.identity.get();
    if (!ident) throw new Error(this.identity.monitorOnly ?? 'instance identity unknown (metadata unavailable)');
    const tasks = await this.tasks();
    await tasks.run({ kind: 'sns_publish', region: this.identity.regionFor(ident)!, instanceId: ident.id, topicArn, message, subject }, { log: this.log });
  }

  /** What the restart task should refresh in the price cache, if anything. */
  private async staleprice(region: string, type: string | null | undefined): Promise<{ file: string; instanceType: string } | null> {
    const file = this.opts.priceCachePath;
    if (!file || !type) return null;
    const { readPriceCache, cachedPrice } = await import('./price-cache.js');
    return cachedPrice(await readPriceCache(file), region, type, Date.now()) === null ? { file, instanceType: type } : null;
  }

  async close(): Promise<void> {
    this.identity.close();
    this.opts.tasks?.close();
    const runner = this.taskRunner;
    this.taskRunner = null;
    if (runner) (await runner.catch(() => null))?.close();
  }

  private tasks(): Promise<CloudTasks> {
    if (this.opts.tasks) return Promise.resolve(this.opts.tasks);
    // Loaded on the first task: an agent that never acts never loads the EC2 code.
    this.taskRunner ??= import('./in-process-tasks.js').then(
      ({ InProcessTasks }) =>
        new InProcessTasks({
          env: this.env,
          ...(this.opts.retry ? { retry: this.opts.retry } : {}),
          ...(this.opts.ec2Factory ? { ec2Factory: this.opts.ec2Factory } : {}),
        }),
    );
    return this.taskRunner;
  }
}
