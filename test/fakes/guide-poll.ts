/**
 * The integration guide's Python polling example, transcribed call for call with the
 * real SDK: per instance, DescribeTags for `<prefix>:Status`, and when it is Stopped
 * a second DescribeTags for `<prefix>:*`. Used to prove the guide's pollers see our
 * stops, and as the per-instance baseline in the fleet bench.
 */
import { DescribeTagsCommand, EC2Client } from '@aws-sdk/client-ec2';

export interface GuideStatus {
  status: 'stopped' | 'running';
  timestamp?: string;
  reason?: string;
  metrics?: { cpu?: string; memory?: string };
}

export async function checkCloudSnoozeStatus(ec2: EC2Client, instanceId: string, tagPrefix = 'CloudSnooze'): Promise<GuideStatus> {
  const response = await ec2.send(
    new DescribeTagsCommand({
      Filters: [
        { Name: 'resource-id', Values: [instanceId] },
        { Name: 'key', Values: [`${tagPrefix}:Status`] },
      ],
    }),
  );
  const first = response.Tags?.[0];
  if (first && first.Value === 'Stopped') {
    const all = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'resource-id', Values: [instanceId] },
          { Name: 'key', Values: [`${tagPrefix}:*`] },
        ],
      }),
    );
    const tagDict = Object.fromEntries((all.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    return {
      status: 'stopped',
      timestamp: tagDict[`${tagPrefix}:StopTimestamp`],
      reason: tagDict[`${tagPrefix}:StopReason`],
      metrics: { cpu: tagDict[`${tagPrefix}:CPUPercent`], memory: tagDict[`${tagPrefix}:MemoryPercent`] },
    };
  }
  return { status: 'running' };
}

/** One pass of the guide's `monitor_instances` loop: the instances it reports stopped. */
export async function guidePollOnce(ec2: EC2Client, instances: string[], tagPrefix = 'CloudSnooze'): Promise<Map<string, GuideStatus>> {
  const stopped = new Map<string, GuideStatus>();
  for (const id of instances) {
    const s = await checkCloudSnoozeStatus(ec2, id, tagPrefix);
    if (s.status === 'stopped') stopped.set(id, s);
  }
  return stopped;
}
