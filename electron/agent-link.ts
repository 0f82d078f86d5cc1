/**
 * The app's one link to an agent: a system agent when one answers, else the bundled one
 * run under a supervisor on the app's own binary; whatever the agent pushes goes to the
 * tray, the warning notifier and the dashboard. Here so the composition root does not
 * also have to know how an agent is found, started, restarted and explained when it fails.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { ConnectionState } from '../contract/ipc.js';
import type { HistoryEvent, Status } from '../contract/protocol.js';
import { AgentConnection } from './agent-connection.js';
import { agentSpawnArgs, ensureUserConfig, type AgentPaths } from './agent-paths.js';
import type { DashboardWindow } from './dashboard-window.js';
import { explainConnectionError, groupFacts } from './permission-advice.js';
import { AgentSupervisor } from './supervisor.js';
import type { TrayController } from './tray.js';
import type { WarningNotifier } from './warning-notifier.js';

export interface AgentLinkDeps {
  env: NodeJS.ProcessEnv;
  /** The app's own binary, which runs the bundled agent as plain Node. */
  execPath: string;
  paths: AgentPaths;
  log(msg: string): void;
  tray: Pick<TrayController, 'update'>;
  notifier: Pick<WarningNotifier, 'onStatus' | 'onEvent'>;
  dashboard: Pick<DashboardWindow, 'send'>;
}

export interface AgentLink {
  connection: AgentConnection;
  /** Finds or starts the agent; a failure is logged and shown in the tray. */
  start(): void;
  /** The tray's "Restart agent": clears the shown failure and tries again. */
  restart(): void;
}

function userName(env: NodeJS.ProcessEnv): string {
  try {
    return os.userInfo().username;
  } catch {
    return env.USER || env.LOGNAME || '$USER';
  }
}

export function linkAgent(d: AgentLinkDeps): AgentLink {
  const { env, paths, log, tray, notifier, dashboard } = d;
  const supervisor = new AgentSupervisor({
    command: d.execPath,
    // The same node flags as every other launcher (contract/agent-launch.ts), less any Electron refuses in Node mode.
    args: agentSpawnArgs(paths),
    // The app's own binary runs the agent as plain Node: no second runtime to ship.
    env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
    spawn: (cmd, args, so) => spawn(cmd, args, { env: so.env, stdio: ['ignore', 'ignore', 'pipe'] }),
    onState: (s) => {
      if (s.state === 'failed') {
        log(s.error);
        tray.update({ agentFailure: s.error });
        // The subscription only says "not running"; the dashboard should say why.
        dashboard.send('push:connection', { online: false, error: s.error });
      } else if (s.state === 'running') tray.update({ agentFailure: null });
      else if (s.state === 'restarting') log(`bundled agent stopped (${s.lastExit}); restarting in ${s.inMs} ms`);
    },
  });

  const connection = new AgentConnection({
    systemSocket: paths.systemSocket,
    userSocket: paths.userSocket,
    bundled: {
      start: async () => {
        await ensureUserConfig(paths);
        supervisor.start();
      },
      stop: () => supervisor.stop(),
    },
    onStatus: (s: Status) => {
      tray.update({ status: s });
      notifier.onStatus(s);
      dashboard.send('push:status', s);
    },
    onEvent: (ev: HistoryEvent) => {
      notifier.onEvent(ev);
      dashboard.send('push:event', ev);
    },
    onConnection: (raw: ConnectionState) => {
      // "Permission denied" alone leaves the user stuck: say which command, and that a new login is needed.
      const c: ConnectionState = raw.online ? raw : { online: false, error: explainConnectionError(raw.error, () => groupFacts(userName(env))) };
      // An agent that answers again (system agent back, manual restart) ends the failure.
      tray.update(c.online ? { connection: c, agentFailure: null } : { connection: c });
      dashboard.send('push:connection', c);
    },
    onSource: (source) => log(`a ${source} agent answers on ${paths.systemSocket}: using it and stopping the bundled agent`),
  });

  let startFailed = false;
  const start = (): void => {
    startFailed = false;
    connection.start().then(
      (source) => log(`using the ${source} agent on ${connection.socketPath}`),
      (err: Error) => {
        startFailed = true;
        log(`could not start the agent: ${err.message}`);
        // The connection already pushed the offline state with this reason.
        tray.update({ agentFailure: err.message });
      },
    );
  };

  return {
    connection,
    start,
    restart: () => {
      tray.update({ agentFailure: null });
      // A start that failed before the supervisor ran has nothing to restart: look again.
      if (startFailed) return start();
      supervisor.start();
    },
  };
}
