/**
 * `snooze fleet ...`: what CloudSnooze did across a fleet, from the instance tags.
 * This file only routes: flags are read (fleet-args.ts), the region is settled, and one
 * subcommand runs with one Fleet client that is always destroyed; each subcommand lives in
 * its own file. Returns the exit code: EXIT.OK, EXIT.ERROR for an API or runtime failure,
 * EXIT.USAGE for a bad flag, file or tag (README, "snooze fleet").
 */
import { inert } from '../../contract/text.js';
import { Fleet, FleetError, errorText } from '../aws/fleet.js';
import { BUILTIN_PRICES, PriceFileError, readPriceFile, type PriceTable } from '../aws/prices.js';
import { FLEET_USAGE, fleetFlags, OPTIONS, type FleetCommand, type Flags } from './fleet-args.js';
import { friendly } from './fleet-format.js';
import type { FleetCliInternals, FleetIo } from './fleet-io.js';
import { list } from './fleet-list.js';
import { runMulti } from './fleet-multi.js';
import { runFleetPolicy } from './fleet-policy.js';
import { regionFromMetadata } from './fleet-region.js';
import { restart } from './fleet-restart.js';
import { savings } from './fleet-savings.js';
import { watch } from './fleet-watch.js';
import { EXIT, UsageError } from './io.js';

export { FLEET_USAGE } from './fleet-args.js';
export type { FleetCliInternals, FleetIo } from './fleet-io.js';

export async function runFleet(args: string[], io: FleetIo, internals: FleetCliInternals = {}): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd ? io.out : io.err)(FLEET_USAGE);
    return cmd ? EXIT.OK : EXIT.USAGE;
  }
  // Its own module (settings pinned by tags), with its own flags.
  if (cmd === 'policy') return runFleetPolicy(rest, io, internals);
  if (!Object.hasOwn(OPTIONS, cmd)) {
    io.err(`snooze fleet: unknown command "${inert(cmd)}" (list, watch, restart, savings, policy)`);
    return EXIT.USAGE;
  }
  let flags: Flags;
  let prices: PriceTable | undefined;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(FLEET_USAGE);
      return EXIT.OK;
    }
    flags = fleetFlags(cmd as FleetCommand, rest);
    if (flags.prices) {
      flags.pricesFile = readPriceFile(flags.prices);
      prices = { ...BUILTIN_PRICES, ...flags.pricesFile };
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof PriceFileError) {
      io.err(`snooze fleet ${cmd}: ${inert(err.message)}`);
      return EXIT.USAGE;
    }
    throw err;
  }

  if (flags.regions) return runMulti(cmd as 'list' | 'savings', flags, io, internals, prices);

  const region = flags.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION ?? (await regionFromMetadata(io.env));
  const fleet = new Fleet({
    ...(region ? { region } : {}),
    prefix: flags.prefix,
    env: io.env,
    ...(internals.retry ? { retry: internals.retry } : {}),
    ...(prices ? { prices } : {}),
    ...(internals.now ? { now: internals.now } : {}),
  });
  const where = `prefix ${flags.prefix}${region ? `, region ${region}` : ''}`;
  try {
    switch (cmd) {
      case 'list':
        return await list(fleet, flags, io, where, internals.now);
      case 'watch':
        return await watch(fleet, flags, io);
      case 'restart':
        return await restart(fleet, flags, io);
      default:
        return await savings(fleet, flags, io, where, region, internals);
    }
  } catch (err) {
    // FleetError: the request itself is wrong (an id or tag key), as with a bad flag.
    if (err instanceof FleetError) {
      io.err(`snooze fleet ${cmd}: ${inert(err.message)}`);
      return EXIT.USAGE;
    }
    io.err(`snooze fleet ${cmd}: ${friendly(errorText(err))}`);
    return EXIT.ERROR;
  } finally {
    fleet.destroy();
  }
}
