/**
 * The IAM policies CloudSnooze ships: the instance role's (docs/iam-policy.json) and the
 * fleet operator's (docs/iam-operator-policy.json). Unit tests keep both files equal to
 * these functions for the default prefix; `snooze doctor` prints them for the configured one.
 *
 * Why the instance policy looks like this (docs/security.md, "Cloud permissions"):
 * every local user can read the role's credentials from instance metadata, so whatever the
 * role may do, anyone with a shell on any CloudSnooze host may do. The role may therefore
 * stop and tag only the instance it belongs to. EC2 puts `ec2:SourceInstanceARN`, the ARN of
 * the instance the credentials were issued to, in the request context of every call signed
 * with instance-role credentials (also when they are used elsewhere: it travels with the
 * credentials). `aws:ARN` is the ARN of the resource acted on. Requiring them to be equal
 * lets one shared policy say "only yourself" for every instance, with no instance ids in it.
 * Both keys missing or different fails closed: the call is denied, never widened.
 */
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';
import { TAG_NAMES, tagKey } from '../../contract/tags.js';

export const AGENT_ACTIONS = ['ec2:CreateTags', 'ec2:StopInstances', 'ec2:DescribeTags', 'ec2:DescribeInstances'] as const;
export const OPERATOR_ACTIONS = ['ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:StartInstances', 'ec2:CreateTags'] as const;

/** The self-only condition: the instance acted on is the instance the credentials belong to. */
export const SELF_ONLY_CONDITION = { 'aws:ARN': '${ec2:SourceInstanceARN}' } as const;

export interface IamStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

/** The partition of a region's ARNs: aws, aws-cn or aws-us-gov (instance ARNs start with it). */
export function partitionOf(region: string | undefined): string {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Every tag key the agent writes: the stop tags of the integration guide, nothing else. */
export function agentTagKeys(prefix: string): string[] {
  return Object.values(TAG_NAMES).map((n) => tagKey(prefix, n));
}

/**
 * The instance role: describe (read), and stop and tag only itself. CreateTags names the
 * agent's own keys one by one rather than `<prefix>:*`: that wildcard would also let anyone
 * on the host write `<prefix>:Config:*` tags, the fleet-pinned settings the agent obeys over
 * its own config file. The `Null` check keeps `ForAllValues` from matching a request with
 * no tag keys at all (ForAllValues is true for an empty set).
 */
export function agentIamPolicy(prefix = DEFAULT_TAG_PREFIX, partition = 'aws'): IamPolicy {
  const instances = `arn:${partition}:ec2:*:*:instance/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      // Describe* has no resource-level permissions in EC2: "*" is the only resource it takes.
      { Sid: 'CloudSnoozeDescribe', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeTags'], Resource: '*' },
      // Public on-demand prices for the savings estimate (read-only; the Price List API has no
      // resources to scope). Without it the estimate uses the built-in table and says so.
      { Sid: 'CloudSnoozePrices', Effect: 'Allow', Action: 'pricing:GetProducts', Resource: '*' },
      {
        Sid: 'CloudSnoozeStopSelf',
        Effect: 'Allow',
        Action: 'ec2:StopInstances',
        Resource: instances,
        Condition: { StringEquals: { ...SELF_ONLY_CONDITION } },
      },
      {
        Sid: 'CloudSnoozeTagSelf',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: instances,
        Condition: {
          StringEquals: { ...SELF_ONLY_CONDITION },
          'ForAllValues:StringEquals': { 'aws:TagKeys': agentTagKeys(prefix) },
          Null: { 'aws:TagKeys': 'false' },
        },
      },
    ],
  };
}

/**
 * The fleet tools (`snooze fleet`, provisioners following the integration guide): read the
 * fleet; start only instances CloudSnooze stopped (`<prefix>:Status` = Stopped, as `snooze
 * fleet restart` requires without --force); set `<prefix>:Status` to Running and nothing
 * else of CloudSnooze's; add the tool's own tags (never `<prefix>:*`, never `aws:*`) to
 * instances CloudSnooze manages. No StopInstances: stopping is the agent's job.
 */
export function operatorIamPolicy(prefix = DEFAULT_TAG_PREFIX, partition = 'aws'): IamPolicy {
  const instances = `arn:${partition}:ec2:*:*:instance/*`;
  const status = tagKey(prefix, TAG_NAMES.status);
  const managed = { [`aws:ResourceTag/${status}`]: '*' };
  return {
    Version: '2012-10-17',
    Statement: [
      // DescribeRegions for `--region all`; GetProducts for `fleet savings` at today's prices.
      { Sid: 'CloudSnoozeFleetRead', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:DescribeRegions', 'pricing:GetProducts'], Resource: '*' },
      {
        Sid: 'CloudSnoozeFleetStartStopped',
        Effect: 'Allow',
        Action: 'ec2:StartInstances',
        Resource: instances,
        Condition: { StringEquals: { [`aws:ResourceTag/${status}`]: 'Stopped' } },
      },
      {
        Sid: 'CloudSnoozeFleetMarkRunning',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: instances,
        Condition: {
          StringLike: managed,
          StringEquals: { [`aws:RequestTag/${status}`]: 'Running' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [status] },
          Null: { 'aws:TagKeys': 'false' },
        },
      },
      {
        Sid: 'CloudSnoozeFleetOwnTags',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: instances,
        Condition: {
          StringLike: managed,
          'ForAllValues:StringNotLike': { 'aws:TagKeys': [`${prefix}:*`, 'aws:*'] },
          Null: { 'aws:TagKeys': 'false' },
        },
      },
    ],
  };
}

/**
 * Whoever sets fleet policy (`snooze fleet policy set`): read the fleet and write only the
 * pins, `<prefix>:Config:*` and `<prefix>:Disabled`, on any instance. Kept apart from the
 * operator policy on purpose: a pin is obeyed by the agent over its own config file (it can
 * turn CloudSnooze off for an instance), so give it to the people who own the fleet's policy,
 * not to every tool that restarts instances. Never StopInstances, never CloudSnooze's stop tags.
 */
export function policyAdminIamPolicy(prefix = DEFAULT_TAG_PREFIX, partition = 'aws'): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CloudSnoozePolicyRead', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeTags'], Resource: '*' },
      {
        Sid: 'CloudSnoozePolicyPins',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: `arn:${partition}:ec2:*:*:instance/*`,
        Condition: {
          'ForAllValues:StringLike': { 'aws:TagKeys': [tagKey(prefix, 'Config:*'), tagKey(prefix, 'Disabled')] },
          Null: { 'aws:TagKeys': 'false' },
        },
      },
    ],
  };
}

/**
 * The statement the instance role needs for SNS notices (docs/fleet.md, "Notices in
 * Slack/SNS"): Publish to the configured topic only. Not in docs/iam-policy.json, which
 * cannot know the topic: add it to the role when `notifications.sns_topic_arn` is set.
 */
export function snsPublishStatement(topicArn: string): IamStatement {
  return { Sid: 'CloudSnoozeNotify', Effect: 'Allow', Action: 'sns:Publish', Resource: topicArn };
}
