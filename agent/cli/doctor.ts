/** `snooze doctor`: what this host has and whether the agent can do its job. */
import { promises as fs } from 'node:fs';
import { inert } from '../../contract/text.js';
import { AgentError } from '../../lib/client.js';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../config.js';
import { detectGpuTool } from '../metrics/gpu.js';
import { listInputSources } from '../metrics/input.js';
import { EXIT, type CliIO } from './io.js';

export interface DoctorLine {
  ok: boolean;
  /** Informational lines never fail the doctor. */
  info?: boolean;
  text: string;
}

export async function localChecks(io: CliIO, configPath: string): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  // Socket
  try {
    const st = await fs.lstat(io.socketPath);
    if (!st.isSocket()) lines.push({ ok: false, text: `socket ${io.socketPath} exists but is not a socket` });
    else {
      const mode = (st.mode & 0o777).toString(8);
      try {
        const s = await io.request(io.socketPath, 'STATUS', {}, { timeoutMs: 3000 });
        lines.push({ ok: true, text: `agent answers on ${io.socketPath} (mode ${mode}; ${s.mode} mode, state ${s.state}, version ${s.version})` });
        for (const src of s.input_unavailable ?? []) lines.push({ ok: true, info: true, text: unavailableSourceLine(src) });
      } catch (err) {
        lines.push({ ok: false, text: `socket ${io.socketPath} (mode ${mode}) does not answer: ${(err as Error).message}` });
      }
    }
  } catch {
    lines.push({ ok: false, text: `no socket at ${io.socketPath}: the agent is not running (start it: snoozed, or systemctl start snoozed)` });
  }
  // Config
  try {
    const { fromFile } = await loadConfig(configPath);
    lines.push({ ok: true, text: fromFile ? `config ${configPath} is valid` : `config ${configPath} not found: defaults in use` });
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
  return lines;
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
  io.out(bad ? `\n${bad} problem(s) found.` : '\nAll checks passed.');
  return bad ? EXIT.ERROR : EXIT.OK;
}

export function doctorConfigPath(io: CliIO, flag: string | undefined): string {
  return flag ?? io.env.CLOUDSNOOZE_CONFIG ?? DEFAULT_CONFIG_PATH;
}

export { AgentError };
