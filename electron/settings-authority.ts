/**
 * Settings from the desktop: only the agent's admin socket changes them (docs/security.md,
 * "Socket authority"). A per-user agent's admin socket belongs to the user, so its owner
 * saves directly; with the system agent, a user in admin_group does too. Anyone else sees
 * settings read-only and may unlock one save the desktop's way: `pkexec snooze config set
 * KEY VALUE --socket PATH` per changed key, so polkit asks for root and the CLI's own rules
 * (validation, the admin socket) apply unchanged. The app never holds root itself.
 */
import { execFile } from 'node:child_process';
import type { Config, ConfigPatch } from '../contract/config-schema.js';
import type { Result, SettingsAccess } from '../contract/ipc.js';
import { adminSocketPath } from '../contract/paths.js';
import type { Command, CommandResults, ParamsIn } from '../contract/protocol.js';
import { AgentError } from '../lib/client.js';

/** pkexec's own exits: 126 = the user dismissed the dialog or failed to authenticate, 127 = not authorised / not found. */
export const PKEXEC_CANCELLED = [126, 127];
/** Where the packages install the CLI; pkexec needs an absolute path and clears the environment. */
export const SYSTEM_SNOOZE = '/usr/bin/snooze';

export interface ExecResult {
  code: number;
  stderr: string;
}

export interface SettingsAuthorityDeps {
  /** The public socket of the agent in use, or null while none is. */
  socketPath(): string | null;
  request<C extends Command>(socketPath: string, command: C, params?: ParamsIn<C>): Promise<CommandResults[C]>;
  /** Runs a program without a shell (injected: tests check the argv, the app uses execFile). */
  exec(file: string, args: string[]): Promise<ExecResult>;
  snoozeBinary?: string;
}

export interface SettingsAuthority {
  access(): Promise<SettingsAccess>;
  set(patch: ConfigPatch): Promise<Result<Config>>;
  unlock(patch: ConfigPatch): Promise<Result<Config>>;
}

const READ_ONLY = 'Settings are read-only: only root (or members of admin_group) can change them.';
const NO_AGENT: Result<never> = { ok: false, error: 'not connected to an agent', code: 'NOT_RUNNING' };

/** A value as `snooze config set` reads it: strings bare, everything else as JSON. */
export function cliValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function settingsAuthority(d: SettingsAuthorityDeps): SettingsAuthority {
  const denied = (err: unknown) => err instanceof AgentError && (err.code === 'PERMISSION_DENIED' || err.code === 'FORBIDDEN');
  return {
    async access() {
      const sock = d.socketPath();
      if (!sock) return { writable: false, message: 'Not connected to an agent.', unlock: false };
      try {
        // Reaching the admin socket is the whole test: mode, owner, group and ACLs all apply.
        await d.request(adminSocketPath(sock), 'STATUS');
        return { writable: true };
      } catch (err) {
        return { writable: false, message: `${READ_ONLY}${denied(err) ? '' : ` (${(err as Error).message})`}`, unlock: true };
      }
    },
    async set(patch) {
      const sock = d.socketPath();
      if (!sock) return NO_AGENT;
      try {
        return { ok: true, data: await d.request(adminSocketPath(sock), 'CONFIG_SET', { values: patch }) };
      } catch (err) {
        if (denied(err)) return { ok: false, error: `${READ_ONLY} Use Unlock… to authenticate.`, code: 'FORBIDDEN' };
        if (err instanceof AgentError) return { ok: false, error: err.message, code: err.code };
        return { ok: false, error: (err as Error).message, code: 'INTERNAL' };
      }
    },
    async unlock(patch) {
      const sock = d.socketPath();
      if (!sock) return NO_AGENT;
      // One key at a time, stopping at the first failure: the CLI sets one key per call.
      for (const [key, value] of Object.entries(patch)) {
        const r = await d.exec('pkexec', [d.snoozeBinary ?? SYSTEM_SNOOZE, 'config', 'set', key, cliValue(value), '--socket', sock]);
        if (PKEXEC_CANCELLED.includes(r.code)) {
          return { ok: false, error: 'Authentication was cancelled or refused; nothing was changed.', code: 'CANCELLED' };
        }
        if (r.code !== 0) {
          const why = r.stderr.trim().replace(/^snooze: /, '') || `snooze config set exited ${r.code}`;
          return { ok: false, error: why, code: r.code === 4 ? 'INVALID_CONFIG' : 'INTERNAL' };
        }
      }
      try {
        return { ok: true, data: await d.request(sock, 'CONFIG_GET') };
      } catch (err) {
        return { ok: false, error: (err as Error).message, code: 'NOT_RUNNING' };
      }
    },
  };
}

/** No shell: every argument reaches pkexec as typed, whatever the value holds. */
export function execNoShell(file: string, args: string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 5 * 60_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      resolve({ code, stderr: String(stderr) });
    });
  });
}
