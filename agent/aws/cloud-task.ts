/**
 * The EC2 work of the agent as plain-data tasks: tag then stop, the DryRun proof, and
 * restart marking. A task names everything it needs (region, instance, tags), so it
 * runs the same in this process (tests, `in-process-tasks.ts`) or in a short-lived
 * child (`snoozed --cloud-task`, `child-tasks.ts`) that loads the AWS SDK and exits,
 * leaving the long-lived agent's memory as it was.
 */
import type { StartNote, StopOutcome } from '../provider.js';
import type { Ec2 } from './ec2.js';
import type { Log } from './identity.js';
import { dryRunStop } from './dry-run.js';
import { markRestart } from './restart-mark.js';
import { tagAndStop } from './stop.js';
import { readOwnTags } from './own-tags.js';

/** The EC2 calls the tasks make (the SDK-backed `Ec2`, or a stand-in in tests). */
export type Ec2Calls = Pick<Ec2, 'createTags' | 'stopInstances' | 'describeTags'>;

interface OnInstance {
  region: string;
  instanceId: string;
}

export type CloudTask =
  /** CreateTags (when `tags` is not empty), ask `stillWanted`, then StopInstances (Hibernate when asked). */
  | (OnInstance & { kind: 'stop'; tags: Record<string, string>; hibernate: boolean })
  /** The same calls with DryRun=true: which permissions are there, nothing changes. */
  | (OnInstance & { kind: 'dry_run_stop'; tags: Record<string, string>; hibernate: boolean })
  /** DescribeTags; when `<prefix>:Status` is Stopped, CreateTags Status=Running. */
  | (OnInstance & { kind: 'mark_restart'; prefix: string; tags?: Record<string, string>; prices?: { file: string; instanceType: string } })
  /** DescribeTags of this instance: the `keys` given (EC2 filter values, `*` wildcards allowed). */
  | (OnInstance & { kind: 'read_tags'; keys: string[] })
  /** SNS Publish of one notice (region: the topic's own). */
  | (OnInstance & { kind: 'sns_publish'; topicArn: string; message: string; subject?: string });

export type CloudTaskKind = CloudTask['kind'];

/** What a stop (or its dry run) gives: the outcome, and the cloud error STATUS shows (undefined: unchanged). */
export interface StopTaskResult {
  outcome: StopOutcome;
  lastError?: string | null;
}

export interface CloudTaskResults {
  stop: StopTaskResult;
  dry_run_stop: StopTaskResult;
  mark_restart: StartNote | null;
  read_tags: Record<string, string>;
  sns_publish: { messageId: string | null };
}

export interface TaskHooks {
  log: Log;
  /** Asked right before StopInstances: false when a hold or activity arrived meanwhile. */
  stillWanted?: () => boolean | Promise<boolean>;
}

/** Runs tasks somewhere. A failed EC2 call rejects with AwsCallError (mark_restart); stop outcomes are values. */
export interface CloudTasks {
  run<K extends CloudTaskKind>(task: Extract<CloudTask, { kind: K }>, hooks: TaskHooks): Promise<CloudTaskResults[K]>;
  close(): void;
}

export async function runCloudTask<K extends CloudTaskKind>(
  task: Extract<CloudTask, { kind: K }>,
  ec2: Ec2Calls,
  hooks: TaskHooks,
): Promise<CloudTaskResults[K]> {
  const t = task as CloudTask;
  switch (t.kind) {
    case 'stop':
      return (await tagAndStop(ec2, t.instanceId, t, hooks)) as CloudTaskResults[K];
    case 'dry_run_stop':
      return (await dryRunStop(ec2, t.instanceId, t)) as CloudTaskResults[K];
    case 'mark_restart':
      return (await markRestart(ec2, t.prefix, t.instanceId, t.tags)) as CloudTaskResults[K];
    case 'read_tags':
      return (await readOwnTags(ec2, t.instanceId, t.keys)) as CloudTaskResults[K];
    case 'sns_publish': {
      // Loaded only for this task: the EC2 tasks never carry the SNS client.
      const { publishSns } = await import('./sns.js');
      return (await publishSns({ topicArn: t.topicArn, message: t.message, ...(t.subject ? { subject: t.subject } : {}) })) as CloudTaskResults[K];
    }
    default:
      throw new Error(`unknown cloud task ${JSON.stringify((t as { kind?: unknown }).kind)}`);
  }
}
