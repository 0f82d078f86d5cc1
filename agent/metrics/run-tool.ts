/**
 * Runs an external tool (GPU tools, xprintidle) and collects its output. node:child_process
 * is loaded on the first run: a host without those tools never pays for it.
 */
import type { ExecFileOptions } from 'node:child_process';

export interface ToolResult {
  stdout: string;
  stderr: string;
  error: (Error & { killed?: boolean; code?: unknown }) | null;
}

let childProcess: Promise<typeof import('node:child_process')> | null = null;

export async function runTool(path: string, args: readonly string[], opts: ExecFileOptions): Promise<ToolResult> {
  const { execFile } = await (childProcess ??= import('node:child_process'));
  return new Promise((resolve) => {
    execFile(path, args, { ...opts, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ error, stdout: String(stdout), stderr: String(stderr) }));
  });
}
