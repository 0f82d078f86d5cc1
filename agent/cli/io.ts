/**
 * The seam between a CLI command and the world: every command gets its terminal, its
 * environment and the socket client through CliIO, so unit tests run the commands with no
 * process or agent; also the exit codes and the two refusals every command may raise.
 */
import { AgentError, type request, type subscribe } from '../../lib/client.js';
import { adminSocketPath } from '../../contract/paths.js';
import type { Command, CommandResults, ParamsIn } from '../../contract/protocol.js';
import { inert } from '../../contract/text.js';

/** What every CLI command gets, so commands are testable without a real terminal or agent. */
export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  /**
   * Resolves once stdout has taken what was written: a pipe on POSIX is asynchronous, so a
   * command that prints a large stream (fleet list) waits here instead of queueing it all.
   */
  drain?: () => Promise<void>;
  /** Unfiltered stdout, only for escape sequences the CLI emits itself (clearing the screen). */
  raw?: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolved from --socket, CLOUDSNOOZE_SOCKET, or the default paths. */
  socketPath: string;
  isTTY: boolean;
  signal?: AbortSignal;
  /** The socket client (lib/client.ts); unit tests hand in canned replies. */
  request: typeof request;
  subscribe: typeof subscribe;
}

/** Exit codes: distinct so scripts can tell "agent down" from "value refused". */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  NOT_RUNNING: 3,
  REFUSED: 4,
  PERMISSION: 5,
  /** Settings need root: the admin socket refused this user (the public socket may well answer). */
  NOT_ADMIN: 6,
} as const;

export class UsageError extends Error {}

/**
 * A well-formed value outside what the agent accepts (postpone 8d): refused before it is
 * sent, with the exit code and words the agent's own refusal would give (4), in the form
 * the user typed it.
 */
export class RefusedError extends Error {}

/** The admin socket refused this user (exit 6): the message says who may and what to run. */
export class NotAdminError extends Error {}

/**
 * A request on the admin channel beside the usual socket (settings, ending a process hold):
 * a user it refuses is told who may do `what` and the command to retry with sudo.
 */
export async function adminRequest<C extends Command>(io: CliIO, command: C, params: ParamsIn<C>, what: string, retry: string): Promise<CommandResults[C]> {
  try {
    return await io.request(adminSocketPath(io.socketPath), command, params);
  } catch (err) {
    if (err instanceof AgentError && (err.code === 'PERMISSION_DENIED' || err.code === 'FORBIDDEN')) {
      throw new NotAdminError(`only root (or members of admin_group) can ${what}; try: ${inert(retry)}`);
    }
    throw err;
  }
}
