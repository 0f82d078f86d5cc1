/**
 * Well-known names every part agrees on: the guide's socket path and tag prefix, the
 * system config file, and where a desktop app's per-user agent listens. Pure: callers
 * pass the environment and home folder, so the renderer can import this too.
 */

/** The integration guide's socket path: external tools hard-code it. */
export const DEFAULT_SOCKET_PATH = '/var/run/cloudsnooze.sock';
/** The integration guide's tag prefix (`CloudSnooze:Status` …). */
export const DEFAULT_TAG_PREFIX = 'CloudSnooze';
export const DEFAULT_CONFIG_PATH = '/etc/cloudsnooze/snooze.json';
/** sun_path holds 108 bytes; the config schema keeps a margin. */
export const MAX_SOCKET_PATH = 100;

/**
 * The root-only admin channel beside a public socket: `/var/run/cloudsnooze.sock` gives
 * `/var/run/cloudsnooze.admin.sock`. Derived, never configured, so `snooze config set
 * --socket P` finds the admin socket of the agent on P with no second flag. A path that
 * would not fit sun_path keeps its folder and gets a shortened name there instead.
 */
export function adminSocketPath(socketPath: string): string {
  const derived = socketPath.endsWith('.sock') ? `${socketPath.slice(0, -'.sock'.length)}.admin.sock` : `${socketPath}.admin`;
  if (derived.length <= MAX_SOCKET_PATH) return derived;
  const slash = socketPath.lastIndexOf('/');
  return `${socketPath.slice(0, slash + 1)}admin.sock`.slice(0, MAX_SOCKET_PATH);
}

export interface UserEnv {
  XDG_RUNTIME_DIR?: string | undefined;
}

/**
 * The socket of an agent the desktop app starts for one user: in the runtime folder when
 * the session has one, else under ~/.cache (a folder only that user can enter).
 */
export function userSocketPath(env: UserEnv, home: string): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime ? joinPath(runtime, 'cloudsnooze.sock') : joinPath(home, '.cache', 'cloudsnooze', 'agent.sock');
}

function joinPath(...parts: string[]): string {
  return parts.map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, ''))).join('/');
}
