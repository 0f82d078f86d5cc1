/**
 * `snooze fleet watch`: the one fleet command that runs until stopped, so it owns the
 * process's Ctrl-C when no caller hands it a signal.
 */
import { inert, inertJson } from '../../contract/text.js';
import type { Fleet } from '../aws/fleet.js';
import type { Flags } from './fleet-args.js';
import { friendly, instanceJson } from './fleet-format.js';
import type { FleetIo } from './fleet-io.js';
import { EXIT } from './io.js';

export async function watch(fleet: Fleet, flags: Flags, io: FleetIo): Promise<number> {
  // Without a caller's signal, Ctrl-C (or SIGTERM) ends the watch cleanly.
  const own = io.signal ? null : new AbortController();
  const onSignal = () => own?.abort();
  if (own) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  const signal = io.signal ?? own!.signal;
  try {
    if (!flags.json) io.err(`watching for CloudSnooze stops every ${flags.interval} s (Ctrl-C to stop)`);
    await fleet.watch({
      intervalMs: flags.interval * 1000,
      signal,
      includeExisting: flags.existing,
      onEvent: (e) => {
        if (flags.json) io.out(inertJson(JSON.stringify({ event: 'stop', ...instanceJson(e) })));
        else io.out(inert(`${e.stoppedAt ?? '-'}  ${e.id} (${e.type ?? '?'}) stopped by CloudSnooze: ${e.reason ?? 'no reason tag'}`));
      },
      onError: (msg, retryIn) => io.err(`snooze fleet watch: ${friendly(msg)}; next try in ${Math.round(retryIn / 1000)} s`),
    });
    return EXIT.OK;
  } finally {
    if (own) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
