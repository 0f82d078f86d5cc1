/**
 * `snooze fleet list` in one region: the instances CloudSnooze stopped, as a table for
 * people or a JSON array for scripts, printed a page (up to 1000 instances) at a time and
 * waiting for stdout between pages, so memory holds one page whatever the fleet's size
 * (fleet-output.ts). (Several regions: fleet-multi.ts.)
 */
import { inert } from '../../contract/text.js';
import type { Fleet } from '../aws/fleet.js';
import type { Flags } from './fleet-args.js';
import { formatHours, instanceJson, usd } from './fleet-format.js';
import type { FleetIo } from './fleet-io.js';
import { JsonArrayStream, TableStream } from './fleet-output.js';
import { EXIT } from './io.js';

const HEAD = ['INSTANCE', 'TYPE', 'STATE', 'STOPPED AT', 'STOPPED FOR', 'EST. SAVINGS', 'REASON'];

/** `clock`: the time each page's stopped hours are counted to (tests fix it). */
export async function list(fleet: Fleet, flags: Flags, io: FleetIo, where: string, clock: () => number = Date.now): Promise<number> {
  const json = flags.json ? new JsonArrayStream(io.out) : null;
  const table = new TableStream(HEAD, io.out);
  for await (const page of fleet.pages({ onlyStopped: true })) {
    const now = clock();
    const stopped = page.map((inst) => fleet.priced(inst, now));
    if (json) json.write(stopped.map(instanceJson));
    else {
      // Tag values are whatever anyone with CreateTags wrote (EC2 accepts any character):
      // each cell is made inert and kept on its row.
      table.write(
        stopped.map((s) =>
          [s.id, s.type ?? '-', s.state ?? 'gone', s.stoppedAt ?? '-', s.stoppedHours === null ? '-' : formatHours(s.stoppedHours), s.estimatedSavings === null ? '-' : usd(s.estimatedSavings), s.reason ?? '-'].map((c) => inert(c)),
        ),
      );
    }
    // The next page waits for a slow reader: memory holds a page, not the fleet's output.
    await io.drain?.();
  }
  if (json) json.end();
  else if (table.rows === 0) io.out(`no instances stopped by CloudSnooze (${where})`);
  else io.out(`${table.rows} instance${table.rows === 1 ? '' : 's'} stopped by CloudSnooze (${where})`);
  return EXIT.OK;
}
