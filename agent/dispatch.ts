/**
 * One request frame in, one reply line out: envelope and params validated against the
 * protocol's schemas, the change budget applied, then the command's handler called.
 * Never throws: every failure is an error reply.
 */
import type { ZodMiniType } from 'zod/mini';
import { configErrorOf, describeZodError, ConfigError } from '../contract/config-schema.js';
import type { Frame as RequestFrame } from './json-framer.js';
import type { LogFn } from './log.js';
import { commandParams, requestEnvelope, type Command, type CommandResults, type ErrorCode, type Params } from '../contract/protocol.js';
import type { TokenBucket } from './rate-limit.js';
import { MESSAGES } from '../contract/messages.js';

export interface Connection {
  readonly id: number;
  /** Accepted on a privileged listener (root / admin): its own connection budget, no change budget. */
  readonly privileged: boolean;
  /** Turns this connection into a frame stream (SUBSCRIBE); throws RequestError when no subscriber slot is left. */
  subscribe(): void;
}

export type Handler<C extends Command> = (params: Params<C>, conn: Connection) => Promise<CommandResults[C]> | CommandResults[C];
export type HandlerTable = { [C in Command]: Handler<C> };

/**
 * A handler throws this for a clean error reply. `fields`: one plain-words message per
 * config key at fault (PINNED, a file-only key), so a settings form marks that field.
 */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

/** What a connection queues: a framed request, or "the client closed mid-object". */
export type Incoming = RequestFrame | { kind: 'truncated' };
export type Dispatch = (f: Incoming, conn: Connection) => Promise<string>;

/**
 * Commands that write history: a client may cause only so many. Holds and settings have
 * separate budgets, so a burst of settings never makes a postpone wait.
 */
export interface ChangeBudgets {
  holds: TokenBucket;
  settings: TokenBucket;
}
const BUDGET_OF: Partial<Record<Command, keyof ChangeBudgets>> = { POSTPONE: 'holds', STAY_AWAKE: 'holds', RELEASE: 'holds', CONFIG_SET: 'settings' };
const BUDGET_WORDS: Record<keyof ChangeBudgets, string> = { holds: 'holds and releases', settings: 'settings changes' };

/** What CONFIG_SET on the public socket answers: settings belong to root (docs/security.md). */
export const SETTINGS_NEED_ROOT = 'Changing settings needs root: run `sudo snooze config set KEY VALUE` (or ask for admin_group); nothing changed';
/** Commands only the admin channel (a privileged listener) may run. */
const ADMIN_ONLY = new Set<Command>(['CONFIG_SET']);
/** Forms of a command only the admin channel may use: the refusal, or null when allowed. */
const ADMIN_ONLY_FORMS: { [C in Command]?: (p: Params<C>) => string | null } = {
  RELEASE: (p) => (p.pid === undefined ? null : MESSAGES.releasePidNeedsRoot(p.pid)),
};

const knownCommands = new Set<string>(Object.keys(commandParams));

/** What `{}` parses to for each command that takes no required params: the common case skips zod. */
const EMPTY_PARAMS = new Map<string, unknown>(
  Object.entries(commandParams).flatMap(([cmd, schema]) => {
    const r = (schema as ZodMiniType).safeParse({});
    return r.success ? [[cmd, r.data] as const] : [];
  }),
);

function isEmptyObject(v: unknown): boolean {
  if (v === undefined) return true;
  for (const _k in v as object) return false;
  return true;
}

export function errorLine(error: string, code: ErrorCode, fields?: Record<string, string>): string {
  return `${JSON.stringify(fields ? { success: false, error, code, fields } : { success: false, error, code })}\n`;
}

/** What a person asked for, in their words, for refusals that name the request. */
const COMMAND_WORDS: Record<Command, string> = {
  STATUS: 'Status',
  CONFIG_GET: 'Reading the settings',
  CONFIG_SET: 'The settings change',
  HISTORY: 'History',
  POSTPONE: 'Postpone',
  STAY_AWAKE: 'Stay awake',
  RELEASE: 'Release',
  SUBSCRIBE: 'Watching',
  SAMPLES: 'Graphs',
  INPUT_ACTIVITY: 'The input report',
};

export function createDispatch(handlers: HandlerTable, log: LogFn, budgets: ChangeBudgets): Dispatch {
  return async (f, conn) => {
    if (f.kind === 'truncated') return errorLine('the request ended before its JSON object was complete', 'BAD_REQUEST');
    if (f.kind === 'garbage') return errorLine('request is not JSON: send one object like {"command": "STATUS", "params": {}}', 'BAD_REQUEST');
    if (f.kind === 'too_deep') return errorLine('request is nested too deeply', 'BAD_REQUEST');
    let raw: unknown;
    try {
      raw = JSON.parse(f.text);
    } catch (err) {
      return errorLine(`request is not valid JSON: ${(err as Error).message}`, 'BAD_REQUEST');
    }
    const env = requestEnvelope.safeParse(raw, { reportInput: true });
    if (!env.success) return errorLine(`bad request: ${describeZodError(env.error)}`, 'BAD_REQUEST');
    const command = env.data.command;
    if (!knownCommands.has(command)) {
      return errorLine(`unknown command "${command.slice(0, 64)}"; known: ${[...knownCommands].join(', ')}`, 'UNKNOWN_COMMAND');
    }
    const cmd = command as Command;
    // Before params and budgets: a member is told the rule, not the value's problems, and spends nothing.
    if (ADMIN_ONLY.has(cmd) && !conn.privileged) return errorLine(SETTINGS_NEED_ROOT, 'FORBIDDEN');
    let parsed: unknown;
    if (isEmptyObject(env.data.params) && EMPTY_PARAMS.has(cmd)) parsed = EMPTY_PARAMS.get(cmd);
    else {
      const params = (commandParams[cmd] as ZodMiniType).safeParse(env.data.params ?? {}, { reportInput: true });
      if (!params.success) {
        // CONFIG_SET errors name the config key (as in snooze.json) and carry one message per field.
        if (cmd === 'CONFIG_SET') {
          const e = configErrorOf(params.error.issues, 1);
          return errorLine(e.message, 'INVALID_PARAMS', e.fields);
        }
        // Other commands: the control's name and unit ("Postpone time must be at most ..."), no wire names.
        return errorLine(describeZodError(params.error, '', 0, cmd), 'INVALID_PARAMS');
      }
      parsed = params.data;
    }
    // As for CONFIG_SET above: refused before the budget, so a refusal spends nothing.
    const adminForm = conn.privileged ? null : (ADMIN_ONLY_FORMS[cmd] as ((p: unknown) => string | null) | undefined)?.(parsed);
    if (adminForm) return errorLine(adminForm, 'FORBIDDEN');
    // Root's channel is not limited: root can flood its own history anyway, and must never be locked out.
    const kind = conn.privileged ? undefined : BUDGET_OF[cmd];
    if (kind && !budgets[kind].take()) {
      const b = budgets[kind];
      const secs = Math.max(1, Math.ceil(b.retryAfterMs() / 1000));
      return errorLine(
        `${COMMAND_WORDS[cmd]} refused: too many ${BUDGET_WORDS[kind]} on this socket (at most ${b.burst} at once, then ${b.perMinute} a minute, to keep the history bounded); try again in ${secs} s`,
        'BUSY',
      );
    }
    try {
      const handler = handlers[cmd] as Handler<Command>;
      const data = await handler(parsed as never, conn);
      return `${JSON.stringify({ success: true, data })}\n`;
    } catch (err) {
      if (err instanceof RequestError) return errorLine(err.message, err.code, err.fields);
      if (err instanceof ConfigError) return errorLine(err.message, 'INVALID_CONFIG', err.fields);
      log('error', `socket: ${cmd} failed: ${(err as Error).stack ?? String(err)}`);
      return errorLine(`${COMMAND_WORDS[cmd]} failed inside the agent: ${(err as Error).message}`, 'INTERNAL');
    }
  };
}
