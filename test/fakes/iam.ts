/**
 * A small IAM policy evaluator for the fake EC2: enough of the policy language to run the
 * shipped policies (docs/iam-policy.json, docs/iam-operator-policy.json) against real SDK
 * calls, so tests see what a self-only role can and cannot do. It follows the documented
 * rules: explicit Deny wins, then any matching Allow; conditions AND across operators and
 * keys, OR across a key's values (NOR for negated operators); a key missing from the
 * request fails positive operators and passes negated ones; ForAllValues is true for an
 * empty set, ForAnyValue false; an unresolvable ${variable} matches nothing. An operator it
 * does not know throws, so a policy can never pass here by being misunderstood.
 */
import type { IamPolicy } from '../../agent/aws/iam-policy.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** Request context: condition keys (lower-cased lookup, as IAM keys are case-insensitive). */
export type RequestContext = Record<string, string | string[] | undefined>;

export interface AuthRequest {
  action: string;
  resource: string;
  context: RequestContext;
}

const arr = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(value);
}

function lookup(ctx: RequestContext, key: string): string | string[] | undefined {
  const want = key.toLowerCase();
  for (const [k, v] of Object.entries(ctx)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** Replaces ${key} with its single value; null when a variable cannot be resolved. */
function substitute(s: string, ctx: RequestContext): string | null {
  let unresolved = false;
  const out = s.replace(/\$\{([^}]+)\}/g, (_m, key: string) => {
    const v = lookup(ctx, key);
    if (typeof v !== 'string') {
      unresolved = true;
      return '';
    }
    return v;
  });
  return unresolved ? null : out;
}

type Matcher = (value: string, pattern: string) => boolean;
const BASE: Record<string, { match: Matcher; negated: boolean }> = {
  StringEquals: { match: (v, p) => v === p, negated: false },
  StringNotEquals: { match: (v, p) => v === p, negated: true },
  StringEqualsIgnoreCase: { match: (v, p) => v.toLowerCase() === p.toLowerCase(), negated: false },
  StringLike: { match: (v, p) => glob(p, v), negated: false },
  StringNotLike: { match: (v, p) => glob(p, v), negated: true },
  ArnEquals: { match: (v, p) => v === p, negated: false },
  ArnLike: { match: (v, p) => glob(p, v), negated: false },
  ArnNotEquals: { match: (v, p) => v === p, negated: true },
  ArnNotLike: { match: (v, p) => glob(p, v), negated: true },
};

function conditionHolds(operator: string, key: string, policyValues: string[], ctx: RequestContext): boolean {
  if (operator === 'Null') {
    const absent = lookup(ctx, key) === undefined;
    return policyValues.some((v) => (v === 'true') === absent);
  }
  let op = operator;
  let set: 'all' | 'any' | null = null;
  if (op.startsWith('ForAllValues:')) [set, op] = ['all', op.slice('ForAllValues:'.length)];
  else if (op.startsWith('ForAnyValue:')) [set, op] = ['any', op.slice('ForAnyValue:'.length)];
  const ifExists = op.endsWith('IfExists');
  if (ifExists) op = op.slice(0, -'IfExists'.length);
  const base = BASE[op];
  if (!base) throw new Error(`fake IAM: condition operator ${operator} is not modelled`);

  const raw = lookup(ctx, key);
  if (raw === undefined) {
    if (ifExists) return true;
    if (set === 'all') return true;
    if (set === 'any') return false;
    return base.negated;
  }
  const patterns = policyValues.map((p) => substitute(p, ctx));
  const one = (value: string): boolean => {
    const hit = patterns.some((p) => p !== null && base.match(value, p));
    return base.negated ? !hit : hit;
  };
  const values = arr(raw);
  if (set === 'all') return values.every(one);
  if (set === 'any') return values.some(one);
  return values.length > 0 && one(values[0]!);
}

function statementApplies(st: PolicyStatement, req: AuthRequest): boolean {
  if (!arr(st.Action).some((a) => glob(a, req.action, true))) return false;
  const resourceHit = arr(st.Resource).some((r) => {
    const p = substitute(r, req.context);
    return p !== null && glob(p, req.resource);
  });
  if (!resourceHit) return false;
  for (const [operator, keys] of Object.entries(st.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) if (!conditionHolds(operator, key, arr(values), req.context)) return false;
  }
  return true;
}

/** Whether the policy lets this request through. */
export function isAllowed(policy: PolicyDocument, req: AuthRequest): boolean {
  const matching = policy.Statement.filter((st) => statementApplies(st, req));
  if (matching.some((st) => st.Effect === 'Deny')) return false;
  return matching.some((st) => st.Effect === 'Allow');
}

export const FAKE_ACCOUNT = '123456789012';

export function instanceArn(region: string, id: string): string {
  return `arn:aws:ec2:${region}:${FAKE_ACCOUNT}:instance/${id}`;
}

/** The resources and context of one EC2 Query API call, as IAM sees them. */
export function ec2Requests(
  action: string,
  params: Record<string, string>,
  opts: { region: string; sourceInstanceId: string | null; tagsOf: (id: string) => Map<string, string> | undefined },
): AuthRequest[] {
  const list = (name: string): string[] => {
    const out: string[] = [];
    for (let i = 1; params[`${name}.${i}`] !== undefined; i++) out.push(params[`${name}.${i}`]!);
    return out;
  };
  const base: RequestContext = {
    'aws:RequestedRegion': opts.region,
    'ec2:Region': opts.region,
    ...(opts.sourceInstanceId ? { 'ec2:SourceInstanceARN': instanceArn(opts.region, opts.sourceInstanceId) } : {}),
  };
  const requestTags: RequestContext = {};
  const keys: string[] = [];
  for (let i = 1; params[`Tag.${i}.Key`] !== undefined; i++) {
    keys.push(params[`Tag.${i}.Key`]!);
    requestTags[`aws:RequestTag/${params[`Tag.${i}.Key`]!}`] = params[`Tag.${i}.Value`] ?? '';
  }
  if (keys.length) requestTags['aws:TagKeys'] = keys;
  const ids = action === 'CreateTags' || action === 'DeleteTags' ? list('ResourceId') : action.startsWith('Describe') ? [] : list('InstanceId');
  if (ids.length === 0) return [{ action: `ec2:${action}`, resource: '*', context: { ...base, ...requestTags } }];
  return ids.map((id) => {
    const arn = instanceArn(opts.region, id);
    const resourceTags: RequestContext = {};
    for (const [k, v] of opts.tagsOf(id) ?? new Map<string, string>()) {
      resourceTags[`aws:ResourceTag/${k}`] = v;
      resourceTags[`ec2:ResourceTag/${k}`] = v;
    }
    return { action: `ec2:${action}`, resource: arn, context: { ...base, ...requestTags, ...resourceTags, 'aws:ARN': arn } };
  });
}

/** The instance policy as shipped before issue 8: StopInstances and CloudSnooze:* tags on every instance. */
export const PRE_SELF_ONLY_AGENT_POLICY: IamPolicy = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'CloudSnoozeDescribe', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeTags'], Resource: '*' },
    { Sid: 'CloudSnoozeStop', Effect: 'Allow', Action: 'ec2:StopInstances', Resource: 'arn:aws:ec2:*:*:instance/*' },
    { Sid: 'CloudSnoozeTag', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: 'arn:aws:ec2:*:*:instance/*', Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['CloudSnooze:*'] } } },
  ],
};
