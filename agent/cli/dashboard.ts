/**
 * `snooze dashboard [--port N] [--no-open]`: the dashboard in a browser, for hosts
 * reached over SSH. Prints exactly one line on stdout, the URL with its single-use
 * launch token, and serves until interrupted.
 */
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { USAGE as USAGE_WORDS } from '../../contract/messages.js';
import { startDashboardServer } from '../dashboard/server.js';
import { startDetached } from '../exec.js';

/** A fixed default so an SSH tunnel (`ssh -L 8730:127.0.0.1:8730 host`) can be set up once. */
export const DEFAULT_DASHBOARD_PORT = 8730;

export interface DashboardIO {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  socketPath: string;
  /** Aborted on SIGINT/SIGTERM by the CLI; without it the command listens for the signals itself. */
  signal?: AbortSignal;
}

const USAGE = `usage: snooze dashboard [--port N] [--no-open]

Serves the dashboard on 127.0.0.1 and prints its URL. The URL works once: the page that
opens it keeps its own session (a reload is fine); another tab or browser needs a new
\`snooze dashboard\`.
  --port N    port to listen on (default ${DEFAULT_DASHBOARD_PORT}, or any free one if taken; 0 = any free port)
  --no-open   do not open a browser
From another machine: ssh -L PORT:127.0.0.1:PORT this-host, then open the printed URL there.`;

/** Where the built renderer is: CLOUDSNOOZE_RENDERER_DIR, else next to the bundle (dist/agent/snooze.js → dist/renderer). */
export function rendererCandidates(env: NodeJS.ProcessEnv, argv1: string | undefined = process.argv[1]): string[] {
  if (env.CLOUDSNOOZE_RENDERER_DIR) return [path.resolve(env.CLOUDSNOOZE_RENDERER_DIR)];
  const out: string[] = [];
  if (argv1) {
    let script = argv1;
    try {
      script = realpathSync(argv1);
    } catch {
      /* a missing script path just yields a candidate that does not exist */
    }
    out.push(path.resolve(path.dirname(script), '../renderer'));
  }
  // The bundle may put this code in a chunk (dist/agent/chunks/); from source it is agent/cli/.
  const here = path.dirname(fileURLToPath(import.meta.url));
  out.push(path.resolve(here, '../renderer'), path.resolve(here, '../../renderer'), path.resolve(here, '../../dist/renderer'));
  return [...new Set(out)];
}

function parsePort(v: string | undefined): number | null {
  if (v === undefined) return null;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new Error(USAGE_WORDS.port(v));
  return Number(v);
}

/**
 * Opens the browser through a private redirect file, so the token never appears in a
 * command line (readable by other users in `ps`).
 */
function openBrowser(url: string, env: NodeJS.ProcessEnv, err: (s: string) => void): () => void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'linux' && (env.DISPLAY || env.WAYLAND_DISPLAY) ? 'xdg-open' : null;
  if (!opener) return () => {};
  const dir = mkdtempSync(path.join(env.XDG_RUNTIME_DIR && existsSync(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : os.tmpdir(), 'cloudsnooze-'));
  const file = path.join(dir, 'open-dashboard.html');
  const safe = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  writeFileSync(file, `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${safe}"><title>CloudSnooze</title>`, {
    mode: 0o600,
  });
  startDetached(opener, [file], () => err(`snooze: could not start ${opener}; open the URL yourself`));
  return () => rmSync(dir, { recursive: true, force: true });
}

export async function runDashboard(args: string[], io: DashboardIO): Promise<number> {
  let port: number | null;
  let noOpen: boolean;
  try {
    const { values } = parseArgs({
      args,
      options: { port: { type: 'string' }, 'no-open': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    port = parsePort(values.port);
    noOpen = values['no-open'] === true;
  } catch (e) {
    io.err(`snooze dashboard: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }

  const tried = rendererCandidates(io.env);
  const rendererDir = tried.find((d) => existsSync(path.join(d, 'index.html')));
  if (!rendererDir) {
    io.err(
      `snooze dashboard: the dashboard is not built (no index.html in ${tried.join(', ')}); ` +
        'run `node scripts/build.mjs renderer` or set CLOUDSNOOZE_RENDERER_DIR',
    );
    return 1;
  }

  let server;
  try {
    try {
      server = await startDashboardServer({ socketPath: io.socketPath, rendererDir, port: port ?? DEFAULT_DASHBOARD_PORT });
    } catch (e) {
      // Only the default port falls back; a port the user asked for is a promise to keep.
      if (port !== null) throw e;
      server = await startDashboardServer({ socketPath: io.socketPath, rendererDir, port: 0 });
    }
  } catch (e) {
    io.err(`snooze dashboard: ${(e as Error).message}`);
    return 1;
  }

  io.out(server.url);
  io.err(`snooze dashboard: serving ${rendererDir} for the agent on ${io.socketPath}; Ctrl+C to stop`);
  const cleanup = noOpen ? () => {} : openBrowser(server.url, io.env, io.err);

  await new Promise<void>((resolve) => {
    if (io.signal) {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    } else {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }
  });
  cleanup();
  await server.close();
  return 0;
}
