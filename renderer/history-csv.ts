/**
 * History as CSV for a spreadsheet: times stay UTC RFC 3339 as the agent recorded them
 * (machines read this), every text cell goes through csvField (inert, no formulas,
 * quoted per RFC 4180). Pure.
 */
import { csvField, csvNumber } from '../contract/text.js';
import type { HistoryEvent } from '../contract/protocol.js';

export const HISTORY_CSV_HEADER = 'id,time_utc,type,message,by';

export function historyCsv(events: readonly HistoryEvent[]): string {
  const rows = events.map((e) => [csvNumber(e.id), csvField(e.time), csvField(e.type), csvField(e.message), csvField(e.by ?? '')].join(','));
  // CRLF: RFC 4180's line end, which every spreadsheet reads.
  return [HISTORY_CSV_HEADER, ...rows].join('\r\n') + '\r\n';
}

/** "cloudsnooze-history-20260301-1205.csv" (local time of the export, for the user's downloads folder). */
export function historyCsvName(now: number, type: string | null): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
  return `cloudsnooze-history${type ? `-${type}` : ''}-${stamp}.csv`;
}
