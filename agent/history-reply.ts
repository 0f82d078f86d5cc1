/**
 * HISTORY replies. The guide's Go client reads a reply once into a 4 KiB buffer, so the
 * default reply (no details, the default limit) is trimmed, oldest events last, until it
 * fits, and says so with `truncated`. A caller that asks for more (details, a bigger
 * limit) is a newer client that reads the whole line.
 */
import { GO_CLIENT_READ_BYTES, type CommandResults, type Params } from '../contract/protocol.js';
import type { History } from './history.js';

/** The guide's default limit; asking for more than this opts out of the 4 KiB trim. */
const GUIDE_DEFAULT_LIMIT = 10;

export function historyReply(history: History, p: Params<'HISTORY'>): CommandResults['HISTORY'] {
  const events = history.query(p);
  if (p.details || p.limit > GUIDE_DEFAULT_LIMIT) return { events, truncated: false };
  let truncated = false;
  // Measured with the envelope: {"success":true,"data":{"events":[...],"truncated":true}}\n
  while (events.length > 0 && Buffer.byteLength(JSON.stringify({ success: true, data: { events, truncated: true } })) + 1 > GO_CLIENT_READ_BYTES) {
    events.pop();
    truncated = true;
  }
  return { events, truncated };
}
