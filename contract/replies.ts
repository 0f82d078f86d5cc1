/**
 * What comes back on the socket: the reply envelope with its error codes, and the frames a
 * subscriber receives. Apart from the commands because a client reads these the same way
 * whatever it asked.
 */
import * as z from 'zod/mini';
import './zod-locale.js';
import type { HistoryEvent } from './history-event.js';
import type { Status } from './status.js';

export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'INVALID_PARAMS',
  'INVALID_CONFIG',
  'TOO_LARGE',
  'BUSY',
  'TIMEOUT',
  'INTERNAL',
  /** The channel lacks the authority: CONFIG_SET on the public socket, a member releasing root's hold. */
  'FORBIDDEN',
  /** CONFIG_SET of a key an instance tag pins (`<prefix>:Config:<key>`): change the tag instead. */
  'PINNED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type SuccessReply<T> = { success: true; data: T };
/**
 * A refusal. `fields`: for CONFIG_SET, one plain-words message per config key at fault
 * (dotted for nested keys, e.g. `logging.log_level`), so a form can put each on its field;
 * `error` still says it all in one sentence for clients that show one line.
 */
export const errorReplySchema = z.object({
  success: z.literal(false),
  error: z.string(),
  code: z.enum(ERROR_CODES),
  fields: z.optional(z.record(z.string(), z.string())),
});
export type ErrorReply = z.infer<typeof errorReplySchema>;
export type Reply<T> = SuccessReply<T> | ErrorReply;

/** Whether a client (desktop app, dashboard bridge) currently reaches the agent. */
export type ConnectionState = { online: true } | { online: false; error: string };

/** Frames sent after `SUBSCRIBE`'s reply, one JSON object per line, until the client closes. */
export type Frame = { frame: 'status'; data: Status } | { frame: 'event'; data: HistoryEvent };
