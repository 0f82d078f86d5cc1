/**
 * The dry run on EC2: the stop's own calls with DryRun=true, which EC2 answers with
 * DryRunOperation (allowed) or UnauthorizedOperation (denied) and changes nothing.
 * The outcome says which permissions are proven and which are missing.
 */
import type { Ec2Calls, StopTaskResult } from './cloud-task.js';
import { describeFailure, dryRunVerdict, failureOf, hibernationUnsupported, type AwsFailure } from './errors.js';
import type { StopTaskRequest } from './stop.js';

export async function dryRunStop(ec2: Ec2Calls, id: string, req: StopTaskRequest): Promise<StopTaskResult> {
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
      const verdict = dryRunVerdict(f);
      if (verdict === 'allowed') proven.push(`ec2:${action}`);
      else if (verdict === 'denied') permissionErrors.push(`ec2:${action}`);
      else return f;
      return null;
    }
  };
  const tags = Object.entries(req.tags).map(([Key, Value]) => ({ Key, Value }));
  if (tags.length > 0) {
    const f = await check('CreateTags', () => ec2.createTags({ Resources: [id], Tags: tags, DryRun: true }));
    if (f) problems.push(`CreateTags: ${describeFailure(f)}`);
  }
  let f = await check('StopInstances', () => ec2.stopInstances({ InstanceIds: [id], DryRun: true, ...(req.hibernate ? { Hibernate: true } : {}) }));
  if (f && req.hibernate && hibernationUnsupported(f)) {
    problems.push(`hibernation is not available on this instance (${f.code}); a plain stop would be used`);
    f = await check('StopInstances', () => ec2.stopInstances({ InstanceIds: [id], DryRun: true }));
  }
  if (f) problems.push(`StopInstances: ${describeFailure(f)}`);

  const parts = ['dry run: nothing was stopped'];
  if (proven.length) parts.push(`permission proven for ${proven.join(', ')}`);
  if (permissionErrors.length) parts.push(`missing permission ${permissionErrors.join(', ')}`);
  parts.push(...problems);
  const lastError = permissionErrors.length ? `missing permission ${permissionErrors.join(', ')}` : problems.length ? problems.join('; ') : null;
  return { outcome: { kind: 'dry_run', note: parts.join('; '), ...(permissionErrors.length ? { permissionErrors } : {}) }, lastError };
}
