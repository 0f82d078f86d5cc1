/**
 * The least the agent needs: describe (to mark restarts and for doctor), tag and stop
 * instances. CreateTags is limited to the agent's own tag prefix. docs/iam-policy.json
 * is this policy for the default prefix (a test keeps the two equal).
 */
import { DEFAULT_TAG_PREFIX } from '../../contract/paths.js';

export const AGENT_ACTIONS = ['ec2:CreateTags', 'ec2:StopInstances', 'ec2:DescribeTags', 'ec2:DescribeInstances'] as const;

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Allow';
    Action: string | string[];
    Resource: string;
    Condition?: Record<string, Record<string, string[]>>;
  }[];
}

export function agentIamPolicy(prefix = DEFAULT_TAG_PREFIX): IamPolicy {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'CloudSnoozeDescribe', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeTags'], Resource: '*' },
      { Sid: 'CloudSnoozeStop', Effect: 'Allow', Action: 'ec2:StopInstances', Resource: 'arn:aws:ec2:*:*:instance/*' },
      {
        Sid: 'CloudSnoozeTag',
        Effect: 'Allow',
        Action: 'ec2:CreateTags',
        Resource: 'arn:aws:ec2:*:*:instance/*',
        Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': [`${prefix}:*`] } },
      },
    ],
  };
}
