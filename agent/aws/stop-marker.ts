/**
 * A small file written just before the agent stops its instance. At the next start it
 * says "this host was stopped by CloudSnooze": only then is the EC2 API (and the
 * ~50 MB SDK) needed to turn `<prefix>:Status` back to Running.
 */
import * as fs from '../../lib/fs-async.js';
import { writeFileAtomic } from '../../lib/fs-atomic.js';

export interface StopMarker {
  instance_id: string;
  /** RFC 3339. */
  at: string;
}

export async function writeStopMarker(file: string, marker: StopMarker): Promise<void> {
  // Atomic: the host may power off right after StopInstances, and a half-written marker helps nobody.
  await writeFileAtomic(file, `${JSON.stringify(marker)}\n`);
}

/** null: no marker. A marker that cannot be parsed still counts (instance id unknown): better one check too many. */
export async function readStopMarker(file: string): Promise<{ instance_id: string | null } | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : { instance_id: null };
  }
  try {
    const v = JSON.parse(text) as Partial<StopMarker>;
    return { instance_id: typeof v.instance_id === 'string' ? v.instance_id : null };
  } catch {
    return { instance_id: null };
  }
}

export async function clearStopMarker(file: string): Promise<void> {
  await fs.removeFile(file);
}
