/**
 * `snooze fleet list` in one region: the instances CloudSnooze stopped, as a table for
 * people or a JSON array for scripts. (Several regions: fleet-multi.ts.)
 */
import { inert, inertJson } from '../../contract/text.js';
import type { Fleet } from '../aws/fleet.js';
import type { Flags } from './fleet-args.js';
import { formatHours, instanceJson, table, usd } from './fleet-format.js';
import type { FleetIo } from './fleet-io.js';
import { EXIT } from './io.js';

export async function list(fleet: Fleet, flags: Flags, io: FleetIo, where: string): Promise<number> {
  const stopped = await fleet.list();
  if (flags.json) {
    io.out(inertJson(JSON.stringify(stopped.map(instanceJson), null, 2)));
    return EXIT.OK;
  }
  if (stopped.length === 0) {
    io.out(`no instances stopped by CloudSnooze (${where})`);
    return EXIT.OK;
  }
  const rows = stopped.map((s) => [
    s.id,
    s.type ?? '-',
    s.state ?? 'gone',
    s.stoppedAt ?? '-',
    s.stoppedHours === null ? '-' : formatHours(s.stoppedHours),
    s.estimatedSavings === null ? '-' : usd(s.estimatedSavings),
    s.reason ?? '-',
  ]);
  // Tag values are whatever anyone with CreateTags wrote (EC2 accepts any character): each
  // cell is made inert and kept on its row.
  io.out(table(['INSTANCE', 'TYPE', 'STATE', 'STOPPED AT', 'STOPPED FOR', 'EST. SAVINGS', 'REASON'], rows.map((r) => r.map((c) => inert(c)))));
  io.out(`${stopped.length} instance${stopped.length === 1 ? '' : 's'} stopped by CloudSnooze (${where})`);
  return EXIT.OK;
}
