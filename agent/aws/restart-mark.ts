/**
 * Restart marking: an instance CloudSnooze stopped carries `<prefix>:Status` = Stopped;
 * once it runs again the agent sets it back to Running (stop tags kept) so pollers see
 * the truth. Whether that needs the EC2 API at all is answered first without the SDK:
 * from the tags in instance metadata when enabled, else from the stop marker file.
 */
import { TAG_NAMES, tagKey } from '../../contract/tags.js';
import type { StartNote } from '../provider.js';
import type { Ec2Calls } from './cloud-task.js';
import type { ImdsClient } from './imds.js';
import { clearStopMarker, readStopMarker } from './stop-marker.js';

/**
 * Whether the EC2 API must be asked. False (and a stale marker cleared) when metadata
 * tags show a status other than Stopped, when no stop was recorded on this host, or when
 * the marker came from another instance (carried over in an image).
 */
export async function restartCheckNeeded(imds: ImdsClient, prefix: string, instanceId: string, markerPath: string | undefined): Promise<boolean> {
  const statusKey = tagKey(prefix, TAG_NAMES.status);
  // Tags in instance metadata (when enabled) answer without loading the SDK at start.
  const fromMetadata = await statusFromMetadataTags(imds, statusKey);
  if (fromMetadata !== undefined && fromMetadata !== 'Stopped') {
    if (markerPath) await clearStopMarker(markerPath);
    return false;
  }
  if (markerPath && fromMetadata === undefined) {
    const marker = await readStopMarker(markerPath);
    // No stop recorded on this host: its Status tag cannot say Stopped (only a stop writes it).
    if (!marker) return false;
    if (marker.instance_id !== null && marker.instance_id !== instanceId) {
      await clearStopMarker(markerPath);
      return false;
    }
  }
  return true;
}

/** DescribeTags; when `<prefix>:Status` is Stopped, CreateTags Status=Running. Throws on API errors. */
export async function markRestart(ec2: Ec2Calls, prefix: string, instanceId: string, known?: Record<string, string>): Promise<StartNote | null> {
  const statusKey = tagKey(prefix, TAG_NAMES.status);
  const tsKey = tagKey(prefix, TAG_NAMES.stopTimestamp);
  const reasonKey = tagKey(prefix, TAG_NAMES.stopReason);
  // `known`: this instance's tags as the agent read them a moment ago (settings pinned by tags), no second DescribeTags.
  const tags = known
    ? new Map(Object.entries(known))
    : new Map(
        ((await ec2.describeTags({ Filters: [{ Name: 'resource-id', Values: [instanceId] }, { Name: 'key', Values: [statusKey, tsKey, reasonKey] }] })).Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']),
      );
  if (tags.get(statusKey) !== 'Stopped') return null;
  // Also in dry_run: the tag would otherwise tell pollers a running instance is stopped.
  await ec2.createTags({ Resources: [instanceId], Tags: [{ Key: statusKey, Value: 'Running' }] });
  const stoppedAt = tags.get(tsKey);
  return {
    type: 'restart_marked',
    message: `Instance was started again after CloudSnooze stopped it${stoppedAt ? ` at ${stoppedAt}` : ''}: ${statusKey} set to Running (stop tags kept)`,
    details: {
      instance_id: instanceId,
      tag: statusKey,
      previous_value: 'Stopped',
      value: 'Running',
      ...(stoppedAt ? { stop_timestamp: stoppedAt } : {}),
      ...(tags.has(reasonKey) ? { stop_reason: tags.get(reasonKey) } : {}),
    },
  };
}

/**
 * `<prefix>:Status` from instance metadata tags: undefined when that feature is off
 * (404, the EC2 default) or the key cannot be expressed there; null when the tag is absent.
 */
async function statusFromMetadataTags(imds: ImdsClient, statusKey: string): Promise<string | null | undefined> {
  if (/[\s/]/.test(statusKey)) return undefined;
  try {
    const keys = await imds.getOptional('meta-data/tags/instance');
    if (keys === null) return undefined;
    if (!keys.split('\n').includes(statusKey)) return null;
    return await imds.getOptional(`meta-data/tags/instance/${statusKey}`);
  } catch {
    return undefined;
  }
}
