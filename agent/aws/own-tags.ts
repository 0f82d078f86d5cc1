/**
 * This instance's own tags, for settings pinned by tags (agent/fleet-pins.ts): from
 * instance metadata when the instance allows tags there (no SDK, no API call), else with
 * one DescribeTags (in a cloud-task child, kind `read_tags`).
 */
import type { Ec2Calls } from './cloud-task.js';
import type { ImdsClient } from './imds.js';

/** EC2 allows 50 tags per resource; a reply with more is not EC2's, and is cut. */
export const MAX_OWN_TAGS = 50;

/** EC2's rule for tag keys when tags are allowed in instance metadata. */
const METADATA_TAG_KEY = /^[A-Za-z0-9+\-=._:@,]+$/;

/** Which tags the agent reads: its prefix's and `Name` (for notices). */
export function ownTagKeyFilter(prefix: string): string[] {
  return [`${prefix}:*`, 'Name'];
}

function wanted(prefix: string, key: string): boolean {
  return key === 'Name' || key.startsWith(`${prefix}:`);
}

/**
 * From `meta-data/tags/instance` (the list of keys, then each value we want); null when
 * the instance does not allow tags in metadata (404, EC2's default). Throws ImdsError.
 */
export async function tagsFromMetadata(imds: ImdsClient, prefix: string): Promise<Map<string, string> | null> {
  const list = await imds.getOptional('meta-data/tags/instance');
  if (list === null) return null;
  const out = new Map<string, string>();
  const keys = list.split('\n').map((k) => k.trim()).filter((k) => k && wanted(prefix, k)).slice(0, MAX_OWN_TAGS);
  for (const key of keys) {
    // Only what EC2 allows in a key shown in metadata (letters, digits, + - = . , _ : @): a
    // "/" would leave the tag's path, "?" or "#" end it and read another tag's value.
    if (!METADATA_TAG_KEY.test(key)) continue;
    const v = await imds.getOptional(`meta-data/tags/instance/${encodeURI(key)}`);
    if (v !== null) out.set(key, v);
  }
  return out;
}

/** DescribeTags of one instance, every page; throws AwsCallError. */
export async function readOwnTags(ec2: Ec2Calls, instanceId: string, keys: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await ec2.describeTags({
      Filters: [
        { Name: 'resource-id', Values: [instanceId] },
        { Name: 'key', Values: keys },
      ],
      ...(token ? { NextToken: token } : {}),
    });
    for (const t of r.Tags ?? []) if (t.Key !== undefined && Object.keys(out).length < MAX_OWN_TAGS) out[t.Key] = t.Value ?? '';
    token = r.NextToken || undefined;
  } while (token && ++pages < 5);
  return out;
}
