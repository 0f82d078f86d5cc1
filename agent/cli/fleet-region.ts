/**
 * The last place a fleet command looks for its region: this instance's own, from instance
 * metadata, and only on EC2 (off EC2, the metadata address is never contacted).
 */
import { isEc2Host } from '../aws/detect.js';
import { ImdsClient } from '../aws/imds.js';

export async function regionFromMetadata(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!isEc2Host(env)) return undefined;
  try {
    return await new ImdsClient({ env }).get('meta-data/placement/region');
  } catch {
    return undefined;
  }
}
