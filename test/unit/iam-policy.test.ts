/**
 * The shipped IAM policies (docs/iam-policy.json, docs/iam-operator-policy.json): they parse,
 * equal what the code generates, every mutating statement of the instance policy is
 * self-only, and evaluated (test/fakes/iam.ts) they allow what CloudSnooze does and nothing
 * of what finding 1 showed: stopping or tagging another instance from any host.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentIamPolicy, agentTagKeys, operatorIamPolicy, partitionOf, policyAdminIamPolicy, snsPublishStatement, type IamPolicy, type IamStatement } from '../../agent/aws/iam-policy.js';
import { instanceArn, isAllowed, PRE_SELF_ONLY_AGENT_POLICY, type RequestContext } from '../fakes/iam.js';

const read = (f: string) => JSON.parse(readFileSync(new URL(`../../docs/${f}`, import.meta.url), 'utf8')) as IamPolicy;
const agentFile = read('iam-policy.json');
const operatorFile = read('iam-operator-policy.json');


const arr = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const globMatch = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(value);
/** Does this statement's Action cover `action` (wildcards such as ec2:* or ec2:Stop* included)? */
const grants = (st: IamStatement, action: string) => arr(st.Action).some((a) => globMatch(a, action));
/** Mutating: anything an instance could do to another that is not a read. */
const MUTATING = ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:TerminateInstances', 'ec2:RebootInstances', 'ec2:CreateTags', 'ec2:DeleteTags', 'ec2:ModifyInstanceAttribute'];

/** Reasons a policy is not self-only; empty when it is. */
function selfOnlyProblems(policy: IamPolicy): string[] {
  const problems: string[] = [];
  for (const st of policy.Statement as (IamStatement & { NotAction?: unknown; NotResource?: unknown })[]) {
    if (st.NotAction !== undefined || st.NotResource !== undefined) problems.push(`${st.Sid}: NotAction/NotResource grant by exclusion`);
    if (st.Effect !== 'Allow') continue;
    const mutating = MUTATING.filter((a) => grants(st, a));
    if (mutating.length === 0) continue;
    if (st.Condition?.StringEquals?.['aws:ARN'] !== '${ec2:SourceInstanceARN}') problems.push(`${st.Sid}: ${mutating.join(', ')} without the self-only condition`);
    if (arr(st.Resource).some((r) => !/^arn:aws[a-z-]*:ec2:\*:\*:instance\/\*$/.test(r))) problems.push(`${st.Sid}: resource is not limited to instances`);
  }
  return problems;
}

describe('docs/iam-policy.json (the instance role)', () => {
  it('parses, and is agentIamPolicy() for the default prefix', () => {
    expect(agentFile.Version).toBe('2012-10-17');
    expect(agentFile).toEqual(agentIamPolicy());
    const actions = agentFile.Statement.flatMap((s) => arr(s.Action)).sort();
    expect(actions).toEqual(['ec2:CreateTags', 'ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:StopInstances', 'pricing:GetProducts']);
  });

  it('every mutating statement carries the self-only condition; none grants StopInstances without it', () => {
    expect(selfOnlyProblems(agentFile)).toEqual([]);
    const stops = agentFile.Statement.filter((s) => grants(s, 'ec2:StopInstances'));
    expect(stops.length).toBeGreaterThan(0);
    for (const s of stops) expect(s.Condition?.StringEquals).toEqual({ 'aws:ARN': '${ec2:SourceInstanceARN}' });
    // The checker can fail: the policy shipped before, and one with ec2:* on "*", are caught.
    expect(selfOnlyProblems(PRE_SELF_ONLY_AGENT_POLICY)).toEqual([
      'CloudSnoozeStop: ec2:StopInstances without the self-only condition',
      'CloudSnoozeTag: ec2:CreateTags without the self-only condition',
    ]);
    expect(selfOnlyProblems({ Version: '2012-10-17', Statement: [{ Sid: 'All', Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] })).toHaveLength(2);
  });

  it("CreateTags names exactly the agent's own keys: no wildcard, no <prefix>:Config:* pins, never an empty key set", () => {
    const tag = agentFile.Statement.find((s) => grants(s, 'ec2:CreateTags'))!;
    const keys = tag.Condition!['ForAllValues:StringEquals']!['aws:TagKeys'];
    expect(keys).toEqual(agentTagKeys('CloudSnooze'));
    expect(arr(keys!).every((k) => /^CloudSnooze:[A-Za-z]+$/.test(k) && !k.includes('Config'))).toBe(true);
    expect(tag.Condition!.Null).toEqual({ 'aws:TagKeys': 'false' });
    expect(JSON.stringify(agentIamPolicy('Acme'))).toContain('"Acme:StopReason"');
    expect(JSON.stringify(agentIamPolicy('CloudSnooze', partitionOf('cn-north-1')))).toContain('arn:aws-cn:ec2:*:*:instance/*');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
  });

  describe('evaluated', () => {
    const SELF = 'i-0123456789abcdef0';
    const OTHER = 'i-0fedcba9876543210';
    const req = (action: string, target: string | null, extra: RequestContext = {}, source: string | null = SELF) => ({
      action,
      resource: target ? instanceArn('us-east-1', target) : '*',
      context: { ...(target ? { 'aws:ARN': instanceArn('us-east-1', target) } : {}), ...(source ? { 'ec2:SourceInstanceARN': instanceArn('us-east-1', source) } : {}), ...extra },
    });
    const tags = (...keys: string[]) => ({ 'aws:TagKeys': keys, ...Object.fromEntries(keys.map((k) => [`aws:RequestTag/${k}`, 'x'])) });

    it('lets the instance stop and tag itself, and read', () => {
      expect(isAllowed(agentFile, req('ec2:StopInstances', SELF))).toBe(true);
      expect(isAllowed(agentFile, req('ec2:CreateTags', SELF, tags('CloudSnooze:Status', 'CloudSnooze:StopTimestamp', 'CloudSnooze:StopReason', 'CloudSnooze:CPUPercent')))).toBe(true);
      expect(isAllowed(agentFile, req('ec2:DescribeTags', null))).toBe(true);
    });

    it('refuses another instance, config pins, foreign keys, and credentials that are not the instance role', () => {
      expect(isAllowed(agentFile, req('ec2:StopInstances', OTHER))).toBe(false);
      expect(isAllowed(agentFile, req('ec2:CreateTags', OTHER, tags('CloudSnooze:Status')))).toBe(false);
      expect(isAllowed(agentFile, req('ec2:CreateTags', SELF, tags('CloudSnooze:Config:dry_run')))).toBe(false);
      expect(isAllowed(agentFile, req('ec2:CreateTags', SELF, tags('CloudSnooze:Status', 'Owner')))).toBe(false);
      expect(isAllowed(agentFile, req('ec2:CreateTags', SELF, {}))).toBe(false);
      // Access keys (no ec2:SourceInstanceARN): the self-only statements never match.
      expect(isAllowed(agentFile, req('ec2:StopInstances', SELF, {}, null))).toBe(false);
      expect(isAllowed(agentFile, req('ec2:TerminateInstances', SELF))).toBe(false);
    });

    it('the old policy let any host stop and tag every instance (finding 1)', () => {
      expect(isAllowed(PRE_SELF_ONLY_AGENT_POLICY, req('ec2:StopInstances', OTHER))).toBe(true);
      expect(isAllowed(PRE_SELF_ONLY_AGENT_POLICY, req('ec2:CreateTags', OTHER, tags('CloudSnooze:Config:dry_run')))).toBe(true);
    });
  });
});

describe('docs/iam-operator-policy.json (fleet tools)', () => {
  const STOPPED = 'i-0aaaaaaaaaaaaaaa1';
  const FOREIGN = 'i-0bbbbbbbbbbbbbbb2';
  const statusOf: Record<string, string | undefined> = { [STOPPED]: 'Stopped', [FOREIGN]: undefined };
  const req = (action: string, target: string | null, keys: Record<string, string> = {}) => ({
    action,
    resource: target ? instanceArn('us-east-1', target) : '*',
    context: {
      ...(target ? { 'aws:ARN': instanceArn('us-east-1', target) } : {}),
      ...(target && statusOf[target] ? { 'aws:ResourceTag/CloudSnooze:Status': statusOf[target] } : {}),
      ...(Object.keys(keys).length ? { 'aws:TagKeys': Object.keys(keys) } : {}),
      ...Object.fromEntries(Object.entries(keys).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    },
  });

  it('parses, is operatorIamPolicy(), and never stops or terminates', () => {
    expect(operatorFile).toEqual(operatorIamPolicy());
    for (const a of ['ec2:StopInstances', 'ec2:TerminateInstances', 'ec2:DeleteTags']) expect(operatorFile.Statement.some((s) => grants(s, a)), a).toBe(false);
    for (const s of operatorFile.Statement) if (s.Resource !== '*') expect(s.Condition, s.Sid).toBeDefined();
  });

  it('reads the fleet, starts what CloudSnooze stopped, marks it Running and adds its own tags', () => {
    expect(isAllowed(operatorFile, req('ec2:DescribeInstances', null))).toBe(true);
    expect(isAllowed(operatorFile, req('ec2:StartInstances', STOPPED))).toBe(true);
    expect(isAllowed(operatorFile, req('ec2:CreateTags', STOPPED, { 'CloudSnooze:Status': 'Running' }))).toBe(true);
    expect(isAllowed(operatorFile, req('ec2:CreateTags', STOPPED, { 'Provisioner:RestartedBy': 'ci-42' }))).toBe(true);
  });

  it("cannot start other instances, forge CloudSnooze's stop tags or pins, or tag unmanaged instances", () => {
    expect(isAllowed(operatorFile, req('ec2:StartInstances', FOREIGN))).toBe(false);
    expect(isAllowed(operatorFile, req('ec2:StopInstances', STOPPED))).toBe(false);
    expect(isAllowed(operatorFile, req('ec2:CreateTags', STOPPED, { 'CloudSnooze:Status': 'Stopped' }))).toBe(false);
    expect(isAllowed(operatorFile, req('ec2:CreateTags', STOPPED, { 'CloudSnooze:StopReason': 'forged' }))).toBe(false);
    expect(isAllowed(operatorFile, req('ec2:CreateTags', STOPPED, { 'CloudSnooze:Config:naptime_minutes': '1' }))).toBe(false);
    expect(isAllowed(operatorFile, req('ec2:CreateTags', STOPPED, { 'CloudSnooze:Status': 'Running', 'CloudSnooze:StopReason': 'x' }))).toBe(false);
    expect(isAllowed(operatorFile, req('ec2:CreateTags', FOREIGN, { Owner: 'me' }))).toBe(false);
  });
});

describe('the fake IAM evaluator follows the documented rules it relies on', () => {
  const doc = (Condition: IamStatement['Condition'], Effect: 'Allow' | 'Deny' = 'Allow'): IamPolicy => ({ Version: '2012-10-17', Statement: [{ Sid: 'S', Effect, Action: 'ec2:CreateTags', Resource: '*', Condition }] });
  const r = (context: RequestContext) => ({ action: 'ec2:CreateTags', resource: 'arn:aws:ec2:us-east-1:1:instance/i-1', context });

  it('missing keys, unresolved variables, set operators, Null, Deny and unknown operators', () => {
    expect(isAllowed(doc({ StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } }), r({ 'aws:ARN': 'x' }))).toBe(false); // variable unresolved
    expect(isAllowed(doc({ StringEquals: { 'aws:ARN': '${ec2:SourceInstanceARN}' } }), r({ 'aws:ARN': 'x', 'ec2:SourceInstanceARN': 'x' }))).toBe(true);
    expect(isAllowed(doc({ StringNotEquals: { 'aws:ResourceTag/A': 'b' } }), r({}))).toBe(true); // negated: missing key passes
    expect(isAllowed(doc({ 'ForAllValues:StringLike': { 'aws:TagKeys': ['A:*'] } }), r({}))).toBe(true); // empty set: true (why the policies add Null)
    expect(isAllowed(doc({ Null: { 'aws:TagKeys': 'false' } }), r({}))).toBe(false);
    expect(isAllowed(doc({ 'ForAnyValue:StringLike': { 'aws:TagKeys': ['A:*'] } }), r({ 'aws:TagKeys': ['B', 'A:x'] }))).toBe(true);
    expect(isAllowed(doc({ 'ForAllValues:StringNotLike': { 'aws:TagKeys': ['A:*', 'aws:*'] } }), r({ 'aws:TagKeys': ['B', 'A:x'] }))).toBe(false);
    expect(isAllowed({ Version: '2012-10-17', Statement: [...doc(undefined).Statement, ...doc(undefined, 'Deny').Statement] }, r({}))).toBe(false);
    expect(() => isAllowed(doc({ NumericLessThan: { 'ec2:RoleDelivery': '2.0' } }), r({}))).toThrow(/not modelled/);
  });
});

describe('docs/iam-policy-admin.json (whoever sets fleet policy with tags)', () => {
  const adminFile = read('iam-policy-admin.json');
  const tagReq = (keys: Record<string, string>) => ({
    action: 'ec2:CreateTags',
    resource: instanceArn('us-east-1', 'i-0123456789abcdef0'),
    // A request with no tags has no aws:TagKeys at all, as in IAM.
    context: { ...(Object.keys(keys).length ? { 'aws:TagKeys': Object.keys(keys) } : {}), ...Object.fromEntries(Object.entries(keys).map(([k, v]) => [`aws:RequestTag/${k}`, v])) },
  });

  it('parses, is policyAdminIamPolicy(), writes pins and the Disabled tag on any instance, and nothing else', () => {
    expect(adminFile).toEqual(policyAdminIamPolicy());
    expect(isAllowed(adminFile, { action: 'ec2:DescribeInstances', resource: '*', context: {} })).toBe(true);
    expect(isAllowed(adminFile, tagReq({ 'CloudSnooze:Config:naptime_minutes': '45' }))).toBe(true);
    expect(isAllowed(adminFile, tagReq({ 'CloudSnooze:Disabled': 'true' }))).toBe(true);
    expect(isAllowed(adminFile, tagReq({ 'CloudSnooze:Status': 'Stopped' }))).toBe(false);
    expect(isAllowed(adminFile, tagReq({ 'CloudSnooze:Config:naptime_minutes': '45', Owner: 'x' }))).toBe(false);
    expect(isAllowed(adminFile, tagReq({}))).toBe(false);
    for (const a of ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:TerminateInstances', 'ec2:DeleteTags']) expect(adminFile.Statement.some((s) => grants(s, a)), a).toBe(false);
  });

  it('the SNS statement names the one topic', () => {
    expect(snsPublishStatement('arn:aws:sns:us-east-1:123456789012:ops')).toEqual({ Sid: 'CloudSnoozeNotify', Effect: 'Allow', Action: 'sns:Publish', Resource: 'arn:aws:sns:us-east-1:123456789012:ops' });
  });
});
