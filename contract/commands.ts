/**
 * The requests: each command's params schema (the agent validates every request against
 * it, clients type their calls with it) and the data each one answers with. One table, so a
 * command added here without a result type, or the other way round, fails to compile.
 */
import * as z from 'zod/mini';
import './zod-locale.js';
import { configPatchSchema } from './config-schema.js';
import type { ConfigView } from './config-sources.js';
import { HISTORY_TYPES, type HistoryEvent } from './history-event.js';
import type { Sample } from './sample.js';
import {
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  MAX_PID,
  MAX_RUN_COMMAND_CHARS,
  POSTPONE_MAX_MINUTES,
  SAMPLE_RING_SECONDS,
  STAY_AWAKE_MAX_MINUTES,
  STAY_AWAKE_REASON_MAX_CHARS,
} from './socket-limits.js';
import type { HoldReply, Status } from './status.js';

const rfc3339 = z.iso.datetime({ offset: true });
const num = (...checks: z.core.$ZodCheck<number>[]) => z.number().check(...checks);
const none = () => z.strictObject({});

/** Params of each command. Unknown keys are refused so typos are reported, not ignored. */
export const commandParams = {
  STATUS: none(),
  CONFIG_GET: none(),
  CONFIG_SET: z.strictObject({ values: configPatchSchema }),
  HISTORY: z.strictObject({
    limit: z._default(num(z.int(), z.gte(1), z.lte(HISTORY_LIMIT_MAX)), HISTORY_LIMIT_DEFAULT),
    since: z.optional(rfc3339),
    type: z.optional(z.enum(HISTORY_TYPES)),
    /** Paging: only events older than this id (newest first), so new events never shift a page. */
    before_id: z.optional(num(z.int(), z.gt(0))),
    details: z._default(z.boolean(), false),
  }),
  POSTPONE: z.strictObject({ minutes: num(z.gt(0), z.lte(POSTPONE_MAX_MINUTES)) }),
  /**
   * Without `while_pid`: stay awake for `minutes` or until released. With it: while that
   * process runs (the agent watches its pid and start time; RELEASE does not end it).
   */
  STAY_AWAKE: z
    .strictObject({
      minutes: z.optional(num(z.gt(0), z.lte(STAY_AWAKE_MAX_MINUTES))),
      /** Left out: "Stay awake requested" for a plain hold, none for a process hold. */
      reason: z.optional(z.string().check(z.maxLength(STAY_AWAKE_REASON_MAX_CHARS))),
      while_pid: z.optional(num(z.int(), z.gt(0), z.lte(MAX_PID))),
      /** How the process is shown; left out, the agent reads its command line. */
      command: z.optional(z.string().check(z.maxLength(MAX_RUN_COMMAND_CHARS))),
    })
    .check(
      z.refine((p) => p.while_pid === undefined || p.minutes === undefined, {
        path: ['minutes'],
        message: 'cannot be combined with while_pid: a process hold lasts as long as its process',
      }),
      z.refine((p) => p.command === undefined || p.while_pid !== undefined, { path: ['command'], message: 'needs while_pid' }),
    ),
  /**
   * Ends postpone and stay-awake. With `pid`: ends the `snooze run` / `--while` hold on that
   * process instead (the process keeps running). Admin channel only: a member could bind a
   * hold to a process that never ends (pid 1), and root must be able to undo it.
   */
  RELEASE: z.strictObject({ pid: z.optional(num(z.int(), z.gt(0), z.lte(MAX_PID))) }),
  SUBSCRIBE: none(),
  SAMPLES: z.strictObject({ seconds: z._default(num(z.int(), z.gte(1), z.lte(SAMPLE_RING_SECONDS)), 600) }),
  INPUT_ACTIVITY: z.strictObject({
    idle_secs: num(z.gte(0), z.lte(10 * 365 * 86400)),
    source: z._default(z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be a short lowercase name such as "desktop"')), 'desktop'),
    // false: this source exists but cannot measure idle time (a display stuck at 0 s);
    // the agent drops it from the decision and lists it in input_unavailable.
    available: z.optional(z.boolean()),
  }),
} as const;

export type Command = keyof typeof commandParams;
export const COMMANDS = Object.keys(commandParams) as Command[];
export type ParamsIn<C extends Command> = z.input<(typeof commandParams)[C]>;
export type Params<C extends Command> = z.output<(typeof commandParams)[C]>;

/** What each command's `data` holds on success. */
export interface CommandResults {
  STATUS: Status;
  /** The config in force (URL and ARN redacted) and where each non-default value comes from. */
  CONFIG_GET: ConfigView;
  CONFIG_SET: ConfigView;
  HISTORY: { events: HistoryEvent[]; truncated: boolean };
  POSTPONE: HoldReply;
  STAY_AWAKE: HoldReply;
  RELEASE: HoldReply;
  SUBSCRIBE: { subscribed: true };
  SAMPLES: { samples: Sample[] };
  INPUT_ACTIVITY: { accepted: true };
}

// Compile-time check: every command has a result type and vice versa.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _everyCommandHasAResult: Exact<Command, keyof CommandResults> = true;
void _everyCommandHasAResult;

/** The envelope: `{"command": "STATUS", "params": {}}`; params may be omitted. */
export const requestEnvelope = z.object({
  command: z.string().check(z.maxLength(64)),
  params: z.optional(z.record(z.string(), z.unknown())),
});
