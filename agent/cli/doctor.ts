/** `snooze doctor`: what this host has and whether the agent can do its job. */
import { promises as fs } from 'node:fs';
import { inert } from '../../contract/text.js';
import type { Status } from '../../contract/protocol.js';
import { AgentError } from '../../lib/client.js';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config.js';
import { detectGpuTool } from '../metrics/gpu.js';
import { listInputSources } from '../metrics/input.js';
import { EXIT, type CliIO } from './io.js';
import { plural } from '../../contract/time-format.js';

export interface DoctorLine {
  ok: boolean;
  /** Informational lines never fail the doctor. */
  info?: boolean;
  text: string;
}

/**
 * The socket, then the config file: the one the running agent says it loaded (STATUS
 * names it), else --config / $CLOUDSNOOZE_CONFIG / the default. `agent` says whether an
 * agent answered, so the caller can use the documented exit code when none runs.
 */
export async function localChecks(
  io: CliIO,
  pickConfig: (status: Status | null) => string,
): Promise<{ lines: DoctorLine[]; configPath: string; agent: 'answers' | 'absent' | 'silent' }> {
  const lines: DoctorLine[] = [];
  let status: Status | null = null;
  let agent: 'answers' | 'absent' | 'silent' = 'absent';
  // Socket
  try {
    const st = await fs.lstat(io.socketPath);
    if (!st.isSocket()) lines.push({ ok: false, text: `socket ${io.socketPath} exists but is not a socket` });
    else {
      const mode = (st.mode & 0o777).toString(8);
      try {
        status = await io.request(io.socketPath, 'STATUS', {}, { timeoutMs: 3000 });
        agent = 'answers';
        const dry = status.dry_run_flag ? ', started with --dry-run' : '';
        lines.push({ ok: true, text: `agent answers on ${io.socketPath} (mode ${mode}; ${status.mode} mode${dry}, state ${status.state}, version ${status.version})` });
        for (const src of status.input_unavailable ?? []) lines.push({ ok: true, info: true, text: unavailableSourceLine(src) });
      } catch (err) {
        agent = 'silent';
        lines.push({ ok: false, text: `socket ${io.socketPath} (mode ${mode}) does not answer: ${(err as Error).message}` });
      }
    }
  } catch {
    lines.push({ ok: false, text: `no socket at ${io.socketPath}: the agent is not running (start it: snoozed, or systemctl start snoozed)` });
  }
  // Config: the agent's own file when it answered, so the check is about what is in force.
  const configPath = pickConfig(status);
  const whose = status?.config_path === configPath ? ' (the file the running agent loaded)' : '';
  // --config names another file than the agent's: its checks say nothing about what is in force.
  const other = status?.config_path && status.config_path !== configPath ? status.config_path : null;
  try {
    const { fromFile, exposed } = await loadConfig(configPath);
    // A missing file is not a problem (defaults are in use) and not a pass either: information.
    // `config set` writes the agent's file, so it creates this one only when that is this one.
    const missing = other ? 'does not exist' : 'does not exist: defaults are in use (config set creates it)';
    lines.push(fromFile ? { ok: true, text: `config ${configPath}${whose} is valid` } : { ok: true, info: true, text: `config ${configPath} ${missing}` });
    if (other) lines.push({ ok: true, info: true, text: `the running agent loaded ${other}, not ${configPath}: it uses this file only if started with --config ${configPath}` });
    if (exposed) lines.push({ ok: false, text: exposed });
  } catch (err) {
    lines.push({ ok: false, text: err instanceof ConfigError ? err.message : `config: ${(err as Error).message}` });
  }
  // Input sources
  const sources = listInputSources({ devRoot: io.env.CLOUDSNOOZE_DEV_DIR ?? '/dev', env: io.env });
  lines.push({
    ok: true,
    info: true,
    text: sources.length
      ? `input sources: ${sources.join(', ')} (plus desktop reports when the tray app runs)`
      : 'input sources: none on this host (input is reported unavailable and does not block idling)',
  });
  // GPU
  const gpu = detectGpuTool(io.env);
  lines.push({ ok: true, info: true, text: gpu.tool ? `GPU tool: ${gpu.tool} at ${gpu.path}` : 'GPU tool: none found (nvidia-smi, rocm-smi): GPU not monitored' });
  return { lines, configPath, agent };
}

/** A reporter (the tray app) said its source cannot measure idle time here. */
export function unavailableSourceLine(source: string): string {
  return source === 'desktop'
    ? 'input source desktop: unavailable (this display always reports 0 s idle, e.g. Xvnc or DCV without MIT-SCREEN-SAVER); desktop input is not counted, terminals still are'
    : `input source ${source}: unavailable (its reporter cannot measure idle time here); not counted`;
}

export function printDoctor(io: CliIO, lines: DoctorLine[]): number {
  // Lines quote instance metadata, AWS error messages and file contents: one inert line each.
  for (const l of lines) io.out(`${l.info ? 'ℹ' : l.ok ? '✓' : '✗'} ${inert(l.text)}`);
  const bad = lines.filter((l) => !l.ok).length;
  io.out(bad ? `\n${plural(bad, 'problem')} found.` : '\nAll checks passed.');
  return bad ? EXIT.ERROR : EXIT.OK;
}

export function doctorConfigPath(io: CliIO, flag: string | undefined, status: Status | null = null): string {
  return flag ?? status?.config_path ?? io.env.CLOUDSNOOZE_CONFIG ?? DEFAULT_CONFIG_PATH;
}

export { AgentError };
