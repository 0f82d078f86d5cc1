/**
 * Where the desktop app finds an agent: the system socket first, else a per-user
 * agent it starts itself with its own socket, config and history (XDG base dirs).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SOCKET_PATH, MAX_SOCKET_PATH, userSocketPath } from '../contract/paths.js';
import { electronNodeFlags } from '../contract/agent-launch.js';
import { writeFileAtomic } from '../lib/fs-atomic.js';

export interface AgentPaths {
  systemSocket: string;
  userSocket: string;
  userConfig: string;
  userHistory: string;
  /** dist/agent/snoozed.js in development; resources/agent/snoozed.js in a packaged app. */
  bundledAgent: string;
  /**
   * Start the bundled agent with --dry-run: always from a checkout (`npm start` on an EC2
   * dev box must not stop it), and when CLOUDSNOOZE_AGENT_DRY_RUN=1 (the smoke test of a
   * packaged app).
   */
  dryRun: boolean;
}

/** Set by scripts/start.mjs and the smoke test; a packaged app started by a user leaves it unset. */
export const DRY_RUN_ENV = 'CLOUDSNOOZE_AGENT_DRY_RUN';

export interface PathInputs {
  env: NodeJS.ProcessEnv;
  home: string;
  isPackaged: boolean;
  resourcesPath: string;
  /** Folder holding package.json and dist/ in development. */
  appRoot: string;
}

export { MAX_SOCKET_PATH };

export function agentPaths(i: PathInputs): AgentPaths {
  const { env, home } = i;
  const userSocket = userSocketPath(env, home);
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const stateHome = env.XDG_STATE_HOME || path.join(home, '.local', 'state');
  return {
    systemSocket: env.CLOUDSNOOZE_SOCKET || DEFAULT_SOCKET_PATH,
    userSocket,
    userConfig: path.join(configHome, 'cloudsnooze', 'snooze.json'),
    userHistory: path.join(stateHome, 'cloudsnooze', 'history.jsonl'),
    bundledAgent: i.isPackaged ? path.join(i.resourcesPath, 'agent', 'snoozed.js') : path.join(i.appRoot, 'dist', 'agent', 'snoozed.js'),
    dryRun: !i.isPackaged || env[DRY_RUN_ENV] === '1',
  };
}

/**
 * Makes the per-user config point the agent at per-user paths: creates it when missing,
 * and adds socket_path/history_path when absent (the defaults are system paths a user
 * cannot write). Everything else the user set is kept.
 */
export async function ensureUserConfig(p: AgentPaths): Promise<void> {
  if (Buffer.byteLength(p.userSocket) > MAX_SOCKET_PATH) {
    throw new Error(`the per-user socket path ${p.userSocket} is longer than ${MAX_SOCKET_PATH} bytes; set XDG_RUNTIME_DIR to a shorter folder`);
  }
  await fs.mkdir(path.dirname(p.userSocket), { recursive: true, mode: 0o700 });
  await fs.mkdir(path.dirname(p.userHistory), { recursive: true, mode: 0o700 });
  let current: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(p.userConfig, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) current = parsed as Record<string, unknown>;
    else throw new Error('not a JSON object');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A broken file is the user's to fix; the agent reports exactly what is wrong with it.
    if (code !== 'ENOENT') return;
  }
  const next = { ...current };
  if (typeof next.socket_path !== 'string') next.socket_path = p.userSocket;
  if (typeof next.history_path !== 'string') next.history_path = p.userHistory;
  if (next.socket_path === current.socket_path && next.history_path === current.history_path) return;
  await writeFileAtomic(p.userConfig, `${JSON.stringify(next, null, 2)}\n`, 0o600);
}

/**
 * The whole command line after Electron's binary (run with ELECTRON_RUN_AS_NODE=1): the
 * agent's node flags that Electron accepts in Node mode (contract/agent-launch.ts), then the agent.
 */
export function agentSpawnArgs(p: AgentPaths): string[] {
  return [...electronNodeFlags(), ...bundledAgentArgs(p)];
}

/** Arguments for the bundled agent; --socket wins over whatever the config says. */
export function bundledAgentArgs(p: AgentPaths): string[] {
  return [p.bundledAgent, '--config', p.userConfig, '--socket', p.userSocket, ...(p.dryRun ? ['--dry-run'] : [])];
}
