/**
 * `snooze fleet restart`: the only fleet command that starts instances, so what it refused
 * and what it could not tag are each told on their own line, and either is exit 1.
 */
import { inert, inertJson } from '../../contract/text.js';
import type { Fleet } from '../aws/fleet.js';
import type { Flags } from './fleet-args.js';
import { friendly } from './fleet-format.js';
import type { FleetIo } from './fleet-io.js';
import { EXIT } from './io.js';

export async function restart(fleet: Fleet, flags: Flags, io: FleetIo): Promise<number> {
  const r = await fleet.restart(flags.positional, { tags: flags.tags, force: flags.force });
  if (flags.json) io.out(inertJson(JSON.stringify(r)));
  if (r.refused.length > 0) {
    for (const x of r.refused) io.err(`snooze fleet restart: refused ${inert(x.id)}: ${inert(x.reason)}`);
    io.err('snooze fleet restart: nothing was started');
    return EXIT.ERROR;
  }
  if (!flags.json) io.out(`started ${inert(r.started.join(', '))}`);
  if (r.taggingError) {
    io.err(`snooze fleet restart: started, but the tags could not be written: ${friendly(r.taggingError)}`);
    return EXIT.ERROR;
  }
  return EXIT.OK;
}
