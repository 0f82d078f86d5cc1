/** Starts the real built agent (dist/agent/snoozed.js) on a temp socket for integration tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { request } from '../../lib/client.js';
import type { Command, CommandResults, HistoryEvent, ParamsIn } from '../../contract/protocol.js';
import { adminSocketPath } from '../../contract/paths.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SNOOZED = path.join(ROOT, 'dist/agent/snoozed.js');
export const SNOOZE = path.join(ROOT, 'dist/agent/snooze.js');

/** Thresholds no machine reaches, so a test host is always "idle" unless a test says otherwise. */
export const ALWAYS_IDLE = {
  cpu_threshold_percent: 100,
  memory_threshold_percent: 100,
  network_threshold_kbps: 10_000_000,
  disk_io_threshold_kbps: 10_000_000,
  gpu_threshold_percent: 100,
};

export interface AgentHandle {
  dir: string;
  socket: string;
  /** The admin channel beside `socket`: the test's user owns it, as root owns the system one. */
  adminSocket: string;
  configPath: string;
  historyPath: string;
  proc: ChildProcess;
  output: () => string;
  /** Settings go to the admin socket (the only place they change), everything else to the public one. */
  req<C extends Command>(command: C, params?: ParamsIn<C>): Promise<CommandResults[C]>;
  /** Always the public socket, as a group member would send it. */
  reqPublic<C extends Command>(command: C, params?: ParamsIn<C>): Promise<CommandResults[C]>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  config?: Record<string, unknown>;
  /** Write no config file (defaults + --socket). */
  noConfigFile?: boolean;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  dir?: string;
  /** Wait until STATUS answers (default true). */
  waitReady?: boolean;
}

export function tempDir(prefix = 'cs-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startAgent(opts: StartOptions = {}): Promise<AgentHandle> {
  if (!existsSync(SNOOZED)) throw new Error(`${SNOOZED} missing: run npm run build first`);
  const dir = opts.dir ?? tempDir();
  const socket = path.join(dir, 'agent.sock');
  const configPath = path.join(dir, 'snooze.json');
  const historyPath = path.join(dir, 'history.jsonl');
  if (!opts.noConfigFile) {
    writeFileSync(
      configPath,
      JSON.stringify({ check_interval_seconds: 1, naptime_minutes: 0.05, warning_minutes: 0.02, history_path: historyPath, gpu_monitoring_enabled: false, ...opts.config }, null, 2),
    );
  }
  const devDir = path.join(dir, 'dev');
  const proc = spawn(process.execPath, [SNOOZED, '--config', configPath, '--socket', socket, ...(opts.args ?? [])], {
    env: {
      ...process.env,
      CLOUDSNOOZE_TTY_WARNINGS: '0',
      CLOUDSNOOZE_DEV_DIR: devDir,
      CLOUDSNOOZE_DMI_DIR: path.join(dir, 'no-dmi'),
      // The host's own logind locks (a desktop session's) must not keep a test agent awake.
      CLOUDSNOOZE_INHIBIT_DIR: path.join(dir, 'no-inhibit'),
      CLOUDSNOOZE_NVIDIA_SMI: '',
      CLOUDSNOOZE_ROCM_SMI: '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  // Its output's tail may still be in the pipes at exit: wait for them to close, but not for
  // long, since a child the agent started may hold them open.
  const exited = new Promise<number | null>((resolve) => {
    proc.on('close', (code) => resolve(code));
    proc.on('exit', (code) => setTimeout(() => resolve(code), 2000).unref());
  });
  const handle: AgentHandle = {
    dir,
    socket,
    adminSocket: adminSocketPath(socket),
    configPath,
    historyPath,
    proc,
    output: () => out,
    req: (command, params) => request(command === 'CONFIG_SET' ? adminSocketPath(socket) : socket, command, params, { timeoutMs: 5000 }),
    reqPublic: (command, params) => request(socket, command, params, { timeoutMs: 5000 }),
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
    exited,
  };
  if (opts.waitReady !== false) {
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`agent exited ${proc.exitCode}: ${out}`);
      try {
        await handle.req('STATUS');
        return true;
      } catch {
        return false;
      }
    }, 15_000, 'agent did not answer STATUS');
  }
  return handle;
}

/** Polls until fn returns a truthy value; returns it. */
export async function waitFor<T>(fn: () => Promise<T | false | null | undefined> | T | false | null | undefined, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastErr = err;
      if ((err as Error).message.startsWith('agent exited')) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${(lastErr as Error).message}` : ''}`);
}

/** Runs the built CLI and collects its output. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SNOOZE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`snooze ${args.join(' ')} timed out; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    // 'close', not 'exit': at exit the pipes may still hold the output's tail.
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The agent's history events of one type, newest first, with details. */
export async function events(a: AgentHandle, type: HistoryEvent['type']): Promise<HistoryEvent[]> {
  return (await a.req('HISTORY', { type, limit: 100, details: true })).events;
}

/** Waits until the agent has recorded at least one event of this type; its events, newest first. */
export const waitEvent = (a: AgentHandle, type: HistoryEvent['type'], ms = 30_000): Promise<HistoryEvent[]> =>
  waitFor(async () => {
    const e = await events(a, type);
    return e.length > 0 ? e : null;
  }, ms, `${type} event; agent output:\n${a.output()}`);
