/**
 * The text of `snooze --help`: the one page an operator reads first, kept out of main.ts so
 * a change of wording is reviewed apart from a change of behaviour.
 */
import { adminSocketPath, DEFAULT_SOCKET_PATH } from '../../contract/paths.js';

export const HELP = `Usage: snooze [--socket PATH] COMMAND [options]

Commands:
  status [--json] [--watch]            current state, metrics and countdown
  config list [--json]                 every setting and its source (default, file, tag)
  config get KEY                       one setting
  config set KEY VALUE                 change a setting (root or admin_group: uses the admin socket)
  history [--limit N] [--since 24h|TIME] [--type TYPE] [--format text|json|csv]
  postpone DURATION                    push the stop out (e.g. 30, 90m, 2h; bare numbers are minutes)
  stay-awake [--for 2h] [--reason TEXT]  never stop until released (or for a while)
  stay-awake --while PID [--reason TEXT] never stop while process PID runs
  run [--reason TEXT] -- CMD [ARGS...] run CMD, keeping the instance awake until it ends;
                                       exits with CMD's exit code
  release                              drop postpone / stay-awake (not run / --while holds:
                                       those end with their process)
  release --pid PID                    end the run / --while hold on PID; the process keeps
                                       running (root or admin_group: uses the admin socket)
  doctor [--config FILE]               check socket, config, input sources, GPU tool, EC2
  dashboard [--port N] [--no-open]     serve the dashboard on 127.0.0.1 for a browser
  fleet list|watch|restart|savings     tools for instances CloudSnooze stopped (see snooze fleet --help)
  version                              print the version

Exit codes: 0 ok, 1 error, 2 usage, 3 agent not running, 4 value refused, 5 permission denied,
  6 settings need root (config set by a user who is not root or in admin_group).
Socket: --socket, else $CLOUDSNOOZE_SOCKET, else ${DEFAULT_SOCKET_PATH} (or the desktop app's per-user socket).
  config set uses the admin socket beside it (${adminSocketPath(DEFAULT_SOCKET_PATH)}).
`;
