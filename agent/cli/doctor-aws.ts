/**
 * `snooze doctor` on EC2: can the agent see its metadata, who is it, where do its
 * credentials come from, and may it tag, stop and describe (proven with DryRun, so
 * nothing changes). Missing permissions come with the minimal IAM policy. Then which
 * policy the role has: DryRun calls the self-only policy must refuse (another instance,
 * a key outside the agent's own) tell it apart from an account-wide one (doctor-reach.ts).
 */
import type { Config } from '../../contract/config-schema.js';
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';
import { detectEc2 } from '../aws/detect.js';
import { Ec2 } from '../aws/ec2.js';
import { agentIamPolicy, partitionOf, type IamPolicy } from '../aws/iam-policy.js';
import { ImdsClient, imdsDisabled, type ImdsIdentity } from '../aws/imds.js';
import { dryRunVerdict, failureOf } from '../aws/errors.js';
import type { RetryOptions } from '../aws/retry.js';
import { TAG_NAMES, tagKey } from '../../contract/tags.js';
import type { DoctorLine } from './doctor.js';
import { checkReach, type Reach } from './doctor-reach.js';

export interface AwsDoctorOptions {
  env?: NodeJS.ProcessEnv;
  config?: Partial<Pick<Config, 'aws_region' | 'tagging_prefix'>>;
  imds?: ImdsClient;
  /** Injected EC2 client (tests); default: the SDK client in the instance's region. */
  ec2?: Ec2;
  retry?: RetryOptions;
}

export interface AwsDoctorResult {
  lines: DoctorLine[];
  /** IAM actions the DryRun checks showed as denied, e.g. "ec2:StopInstances". */
  missing: string[];
  /** The minimal policy for the agent (docs/iam-policy.json for the default prefix). */
  policy: IamPolicy;
  /** What the role may do beyond this instance: self-only, beyond (too broad), or unknown (not checked). */
  reach: Reach;
}

const SOURCE_NAMES: [RegExp, (env: NodeJS.ProcessEnv) => string][] = [
  [/^CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN$|^CREDENTIALS_STS_ASSUME_ROLE_WEB_ID$/, () => 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)'],
  [/^CREDENTIALS_ENV_VARS$/, () => 'environment variables (AWS_ACCESS_KEY_ID)'],
  [/^CREDENTIALS_IMDS$/, () => 'instance profile (instance metadata)'],
  [/^CREDENTIALS_HTTP$/, () => 'container credentials endpoint'],
  [/^CREDENTIALS_PROFILE_SSO|^CREDENTIALS_SSO/, (env) => `SSO (profile "${env.AWS_PROFILE ?? 'default'}")`],
  [/^CREDENTIALS_PROFILE_PROCESS$|^CREDENTIALS_PROCESS$/, (env) => `credential_process (profile "${env.AWS_PROFILE ?? 'default'}")`],
  [/^CREDENTIALS_PROFILE/, (env) => `shared config profile "${env.AWS_PROFILE ?? 'default'}"`],
];

/** Names the provider that produced credentials, from the SDK's `$source` markers. */
export function describeCredentialSource(markers: string[], env: NodeJS.ProcessEnv): string {
  for (const [re, name] of SOURCE_NAMES) if (markers.some((m) => re.test(m))) return name(env);
  return markers.length ? markers.join(', ') : 'the default credential chain';
}

export async function awsDoctor(opts: AwsDoctorOptions = {}): Promise<AwsDoctorResult> {
  const env = opts.env ?? process.env;
  const prefix = opts.config?.tagging_prefix || DEFAULT_TAG_PREFIX;
  let policy = agentIamPolicy(prefix);
  const lines: DoctorLine[] = [];
  const missing: string[] = [];
  let reach: Reach = 'unknown';
  const ok = (text: string) => lines.push({ ok: true, text });
  const bad = (text: string) => lines.push({ ok: false, text });

  const det = detectEc2(env);
  if (!det.ec2 && !opts.imds) {
    bad(`not an EC2 host (no EC2 signature in ${det.dmiDir}): the agent runs in local mode and makes no cloud calls`);
    return { lines, missing, policy, reach };
  }
  if (det.ec2) ok(`EC2 host (${det.evidence})`);

  // 1. Metadata and identity.
  const imds = opts.imds ?? new ImdsClient({ env });
  let identity: ImdsIdentity | null = null;
  if (imdsDisabled(env)) {
    bad('instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true): the agent can only monitor');
  } else {
    try {
      identity = await imds.identity();
      ok(`instance metadata (IMDSv2) reachable at ${imds.endpoint}`);
      const regionNote = opts.config?.aws_region ? ` (API calls go to ${opts.config.aws_region} from aws_region)` : '';
      ok(`identity: ${identity.id}, ${identity.type}, region ${identity.region}${regionNote}`);
      const profile = await imds.getOptional('meta-data/iam/info').catch(() => null);
      if (profile) {
        const arn = safeJson(profile)?.InstanceProfileArn;
        ok(`instance profile: ${typeof arn === 'string' ? arn : 'attached'}`);
      } else {
        lines.push({ ok: true, text: 'instance profile: none attached (credentials must come from elsewhere)' });
      }
    } catch (err) {
      bad(`instance metadata unreachable at ${imds.endpoint}: ${err instanceof Error ? err.message : String(err)} — the agent stays monitor-only until it answers`);
    }
  }

  const region = opts.config?.aws_region || identity?.region;
  if (!region) {
    bad('no region: set aws_region in the config or make instance metadata reachable; permission checks skipped');
    return { lines, missing, policy, reach };
  }
  policy = agentIamPolicy(prefix, partitionOf(region));
  const ec2 = opts.ec2 ?? new Ec2({ region, env, retry: { maxAttempts: 3, ...opts.retry } });
  let fromInstanceRole = false;

  try {
    // 2. Credentials.
    try {
      const creds = await ec2.credentials();
      fromInstanceRole = creds.source.some((m) => /IMDS/.test(m));
      ok(`credentials: ${describeCredentialSource(creds.source, env)} (access key ${maskKey(creds.accessKeyId)})`);
    } catch (err) {
      bad(`credentials: none found by the default chain (${err instanceof Error ? err.message : String(err)}); attach an instance profile with the policy below`);
      return { lines, missing, policy, reach };
    }

    // 3. Permissions, proven with DryRun: nothing is tagged or stopped.
    const self = identity?.id;
    const checks: [string, (() => Promise<unknown>) | null][] = [
      ['ec2:CreateTags', self ? () => ec2.createTags({ Resources: [self], Tags: [{ Key: tagKey(prefix, TAG_NAMES.status), Value: 'Running' }], DryRun: true }) : null],
      ['ec2:StopInstances', self ? () => ec2.stopInstances({ InstanceIds: [self], DryRun: true }) : null],
      ['ec2:DescribeTags', () => ec2.describeTags({ DryRun: true, ...(self ? { Filters: [{ Name: 'resource-id', Values: [self] }] } : {}) })],
      ['ec2:DescribeInstances', () => ec2.describeInstances({ DryRun: true, ...(self ? { InstanceIds: [self] } : {}) })],
    ];
    for (const [action, call] of checks) {
      if (!call) {
        bad(`${action}: not checked (instance id unknown)`);
        continue;
      }
      try {
        await call();
        bad(`${action}: the endpoint ignored DryRun, permission not proven`);
      } catch (err) {
        const f = failureOf(err);
        const verdict = dryRunVerdict(f);
        if (verdict === 'allowed') ok(`${action}: allowed (DryRun)`);
        else if (verdict === 'denied') {
          missing.push(action);
          bad(`${action}: DENIED — the agent ${action === 'ec2:StopInstances' ? 'cannot stop this instance' : action === 'ec2:CreateTags' ? 'cannot write its tags' : 'cannot read tags and state'}`);
        } else bad(`${action}: could not be checked (${f.code}: ${f.message})`);
      }
    }
    if (missing.length > 0 && !fromInstanceRole) {
      lines.push({ ok: true, info: true, text: "the self-only policy (docs/iam-policy.json) admits only the instance profile's credentials: other credentials carry no ec2:SourceInstanceARN" });
    }

    // 4. Which policy: may the role act beyond this instance?
    if (self) {
      const r = await checkReach({ ec2, self, prefix, region });
      reach = r.reach;
      lines.push(...r.lines);
    } else lines.push({ ok: true, info: true, text: 'policy reach: not checked (instance id unknown)' });
  } finally {
    if (!opts.ec2) ec2.destroy();
  }

  if (missing.length > 0) {
    bad(`missing permission${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: attach this minimal IAM policy to the instance role (also in docs/iam-policy.json):`);
  }
  return { lines, missing, policy, reach };
}

function maskKey(k: string): string {
  return k.length > 8 ? `${k.slice(0, 4)}…${k.slice(-4)}` : '****';
}

function safeJson(s: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
