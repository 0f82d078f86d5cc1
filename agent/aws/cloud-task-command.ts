/**
 * How the agent starts its cloud-task child: the same runtime, flags and script, with
 * `--cloud-task` (see child-tasks.ts). Kept apart so the agent's entry can name the flag
 * without loading the runner.
 */

/** The flag that makes `snoozed` run one task instead of the agent. */
export const CLOUD_TASK_FLAG = '--cloud-task';

export interface CloudTaskCommand {
  /** The program and arguments before the task: [node, ...flags, snoozed.js, --cloud-task]. */
  command: string;
  args: string[];
}

/** This process's own command line, debugger flags left out (the child must not take the debug port). */
export function selfCommand(): CloudTaskCommand {
  const flags = process.execArgv.filter((a) => !/^--(inspect|debug)/.test(a));
  return { command: process.execPath, args: [...flags, process.argv[1] ?? '', CLOUD_TASK_FLAG] };
}
