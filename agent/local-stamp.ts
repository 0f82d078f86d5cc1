/**
 * The agent's local times in messages: contract/messages.ts's localStamp with the zone
 * written as its offset ("UTC", "GMT+1"), never through Intl, whose first call maps about
 * 7 MB of ICU data into the agent for good. The CLI and the app keep the zone's short name.
 */
import { localStamp, offsetZoneName } from '../contract/time-format.js';

export function agentStamp(t: number | string, now: number, opts: { seconds?: boolean } = {}): string {
  return localStamp(t, now, { ...opts, zone: offsetZoneName });
}
