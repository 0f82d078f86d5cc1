/** `snooze history`: the agent's events as text, CSV or JSON, oldest first. */
import { inertJson } from '../../contract/text.js';
import { HISTORY_LIMIT_DEFAULT, HISTORY_LIMIT_MAX, HISTORY_TYPES, type HistoryType } from '../../contract/protocol.js';
import { USAGE } from '../../contract/messages.js';
import { parseFlags } from './args.js';
import { parseSince } from './duration.js';
import { renderHistoryCsv, renderHistoryText } from './format.js';
import { EXIT, UsageError, type CliIO } from './io.js';

export async function history(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, {
    limit: { type: 'string' },
    since: { type: 'string' },
    type: { type: 'string' },
    format: { type: 'string' },
    // As status --json and config list --json: the flag people try first.
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
  });
  const limit = values.limit === undefined ? HISTORY_LIMIT_DEFAULT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_LIMIT_MAX) throw new UsageError(USAGE.limit(values.limit ?? ''));
  if ([values.format !== undefined, values.json, values.csv].filter(Boolean).length > 1) throw new UsageError(USAGE.formatTwice);
  const format = values.json ? 'json' : values.csv ? 'csv' : (values.format ?? 'text');
  if (!['text', 'json', 'csv'].includes(format)) throw new UsageError(USAGE.format(format));
  let since: string | undefined;
  if (values.since !== undefined) {
    since = parseSince(values.since) ?? undefined;
    if (!since) throw new UsageError(USAGE.since(values.since));
  }
  if (values.type !== undefined && !(HISTORY_TYPES as readonly string[]).includes(values.type)) {
    throw new UsageError(`--type must be one of ${HISTORY_TYPES.join(', ')}`);
  }
  const r = await io.request(io.socketPath, 'HISTORY', { limit, since, type: values.type as HistoryType | undefined, details: format !== 'text' });
  const events = [...r.events].reverse(); // oldest first reads naturally in a terminal and a spreadsheet
  if (format === 'json') io.out(inertJson(JSON.stringify(events, null, 2)));
  else if (format === 'csv') io.out(renderHistoryCsv(events));
  else io.out(renderHistoryText(events));
  return EXIT.OK;
}
