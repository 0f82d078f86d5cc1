/**
 * The machines' timestamp, written one way by every part that stamps something a program
 * reads back: history events, instance tags (the integration guide's format), STATUS's
 * times. Times for people go through time-format.ts instead.
 */

/** RFC 3339 in UTC without a fraction: `2023-04-19T14:23:45Z` (the tag format too). */
export function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
