/**
 * The stop: one CreateTags with the guide's tags, then StopInstances (Hibernate when
 * asked, a plain stop when the instance cannot hibernate). A hold that arrives while
 * tagging cancels before StopInstances and sets `<prefix>:Status` back to Running.
 * Every failure becomes an outcome; nothing here throws.
 */
import type { StopOutcome } from '../provider.js';
import type { Ec2Calls, StopTaskResult, TaskHooks } from './cloud-task.js';
import { describeFailure, failureOf, hibernationUnsupported, type AwsFailure } from './errors.js';

export interface StopTaskRequest {
  /** Exactly the tags to write; empty when tagging is off. */
  tags: Record<string, string>;
  hibernate: boolean;
}

export async function tagAndStop(ec2: Ec2Calls, id: string, req: StopTaskRequest, hooks: TaskHooks): Promise<StopTaskResult> {
  const { log } = hooks;
  let taggingError: string | undefined;
  const tags = Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value }));
  if (tags.length > 0) {
    try {
      await ec2.createTags({ Resources: [id], Tags: tags });
    } catch (err) {
      // The stop is what saves money: record the tagging failure and stop anyway.
      taggingError = describeFailure(failureOf(err));
      log('warn', `CreateTags on ${id} failed (${taggingError}); stopping anyway`);
    }
  }

  // Tagging can take a while (retries under throttling): a hold may have arrived meanwhile.
  if (hooks.stillWanted && !(await hooks.stillWanted())) {
    if (!taggingError) await unmarkStopped(ec2, id, req, hooks);
    return { outcome: { kind: 'cancelled', note: 'a hold or activity arrived while tagging; the instance was not stopped' } };
  }

  let note: string | undefined;
  let requestId: string | undefined;
  try {
    requestId = (await ec2.stopInstances({ InstanceIds: [id], ...(req.hibernate ? { Hibernate: true } : {}) })).$metadata.requestId;
  } catch (err) {
    const f = failureOf(err);
    if (!(req.hibernate && hibernationUnsupported(f))) {
      if (!taggingError) await unmarkStopped(ec2, id, req, hooks);
      return failed('StopInstances', id, f, hooks);
    }
    note = `hibernation is not available on this instance (${f.code}); stopped instead`;
    log('warn', note);
    try {
      requestId = (await ec2.stopInstances({ InstanceIds: [id] })).$metadata.requestId;
    } catch (err2) {
      if (!taggingError) await unmarkStopped(ec2, id, req, hooks);
      return failed('StopInstances', id, failureOf(err2), hooks);
    }
  }
  log('info', `StopInstances ${id} accepted (request ${requestId ?? 'unknown'})`);
  const outcome: StopOutcome = {
    kind: 'stopped',
    ...(requestId ? { requestId } : {}),
    ...(taggingError ? { taggingError } : {}),
    ...(note ? { note } : {}),
  };
  return { outcome, lastError: taggingError ? `tags were not written: ${taggingError}` : null };
}

/** Tags said Stopped but the instance keeps running (cancelled or failed stop): say so to pollers. */
async function unmarkStopped(ec2: Ec2Calls, id: string, req: StopTaskRequest, hooks: TaskHooks): Promise<void> {
  const statusKey = Object.keys(req.tags).find((k) => k.endsWith(':Status'));
  if (!statusKey) return;
  await ec2
    .createTags({ Resources: [id], Tags: [{ Key: statusKey, Value: 'Running' }] })
    .catch((err: unknown) => hooks.log('warn', `could not set ${statusKey} back to Running on ${id}: ${describeFailure(failureOf(err))}`));
}

function failed(action: string, id: string, f: AwsFailure, hooks: TaskHooks): StopTaskResult {
  const error = `${action} on ${id} failed: ${describeFailure(f)}`;
  hooks.log('error', error);
  return { outcome: { kind: 'failed', error, code: f.code }, lastError: error };
}
