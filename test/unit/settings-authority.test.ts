/**
 * Settings from the desktop and the browser when the user is not root. Desktop: the admin
 * socket is tried first; refused, the window is read-only with Unlock…, which runs
 * `pkexec <snooze> config set KEY VALUE --socket <path>` per changed key, and a cancelled
 * pkexec (126/127) changes nothing. Browser: the dashboard relay sends settings to the
 * admin socket only, and without rights answers FORBIDDEN with the read-only message.
 * All through injected request/exec functions: no sockets, no processes.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../contract/config-schema.js';
import type { Command } from '../../contract/protocol.js';
import { AgentError } from '../../lib/client.js';
import { settingsAuthority, SYSTEM_SNOOZE, type ExecResult } from '../../electron/settings-authority.js';
import { makeHandler } from '../../electron/ipc-handlers.js';
import { DASHBOARD_READ_ONLY, relayCommand, settingsAccess, type RequestFn } from '../../agent/dashboard/relay.js';

const SOCK = '/var/run/cloudsnooze.sock';
const ADMIN = '/var/run/cloudsnooze.admin.sock';
const denied = () => new AgentError(`permission denied on ${ADMIN}`, 'PERMISSION_DENIED');

/** A socket client where the admin socket refuses (a plain user) or answers (root, admin_group, own agent). */
function fakeRequest(adminAnswers: boolean) {
  const calls: Array<[string, Command, unknown]> = [];
  const request = (async (path: string, command: Command, params?: unknown) => {
    calls.push([path, command, params]);
    if (path === ADMIN && !adminAnswers) throw denied();
    if (command === 'CONFIG_SET') return { ...DEFAULT_CONFIG, ...(params as { values: object }).values };
    if (command === 'CONFIG_GET') return { ...DEFAULT_CONFIG, naptime_minutes: 45 };
    return {};
  }) as RequestFn;
  return { request, calls };
}

function desktop(adminAnswers: boolean, execCodes: number[] = []) {
  const r = fakeRequest(adminAnswers);
  const execs: Array<[string, string[]]> = [];
  const exec = async (file: string, args: string[]): Promise<ExecResult> => {
    execs.push([file, args]);
    return { code: execCodes.shift() ?? 0, stderr: '' };
  };
  const auth = settingsAuthority({ socketPath: () => SOCK, request: r.request, exec });
  return { auth, execs, calls: r.calls };
}

describe('desktop settings', () => {
  it('a user who reaches the admin socket (admin_group, own per-user agent) saves directly', async () => {
    const d = desktop(true);
    expect(await d.auth.access()).toEqual({ writable: true });
    const r = await d.auth.set({ naptime_minutes: 45 });
    expect(r).toMatchObject({ ok: true, data: { naptime_minutes: 45 } });
    expect(d.calls.at(-1)).toEqual([ADMIN, 'CONFIG_SET', { values: { naptime_minutes: 45 } }]);
    expect(d.execs).toEqual([]);
  });

  it('refused by the admin socket: read-only with Unlock…, and a plain save says so without touching the public socket', async () => {
    const d = desktop(false);
    expect(await d.auth.access()).toMatchObject({ writable: false, unlock: true, message: expect.stringMatching(/read-only/) });
    expect(await d.auth.set({ naptime_minutes: 45 })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect(d.calls.filter(([p, c]) => p === SOCK && c === 'CONFIG_SET')).toEqual([]);
  });

  it('Unlock… runs pkexec snooze config set KEY VALUE --socket PATH for each changed key, then reads the config back', async () => {
    const d = desktop(false);
    const r = await d.auth.unlock({ naptime_minutes: 45, dry_run: true, tagging_prefix: 'Team X' });
    expect(d.execs).toEqual([
      ['pkexec', [SYSTEM_SNOOZE, 'config', 'set', 'naptime_minutes', '45', '--socket', SOCK]],
      ['pkexec', [SYSTEM_SNOOZE, 'config', 'set', 'dry_run', 'true', '--socket', SOCK]],
      ['pkexec', [SYSTEM_SNOOZE, 'config', 'set', 'tagging_prefix', 'Team X', '--socket', SOCK]],
    ]);
    expect(r).toMatchObject({ ok: true, data: { naptime_minutes: 45 } });
  });

  it.each([126, 127])('a cancelled pkexec (exit %i) shows a message and changes nothing further', async (code) => {
    const d = desktop(false, [code]);
    const r = await d.auth.unlock({ naptime_minutes: 45, dry_run: true });
    expect(r).toEqual({ ok: false, error: 'Authentication was cancelled or refused; nothing was changed.', code: 'CANCELLED' });
    expect(d.execs).toHaveLength(1);
    expect(d.calls.filter(([, c]) => c === 'CONFIG_SET')).toEqual([]);
  });

  it('the unlock channel refuses file-only keys before pkexec runs', async () => {
    const d = desktop(false);
    const handler = makeHandler('app:settings-unlock', {
      request: () => Promise.reject(new Error('unused')),
      connection: () => ({ online: true }),
      origin: { rendererDir: '/app' },
      settings: d.auth,
    });
    const event = { senderFrame: { url: 'app://cloudsnooze/index.html', parent: null } } as never;
    const r = await handler(event, { history_path: '/etc/passwd' }).catch((e: Error) => ({ ok: false, error: e.message }));
    expect(r.ok).toBe(false);
    expect(d.execs).toEqual([]);
  });
});

describe('dashboard relay without admin rights', () => {
  it('sends CONFIG_SET to the admin socket only, and answers FORBIDDEN with the read-only message', async () => {
    const r = fakeRequest(false);
    const reply = await relayCommand(SOCK, 'CONFIG_SET', { values: { naptime_minutes: 0.05 } }, 1000, r.request);
    expect(reply).toEqual({ status: 200, body: { ok: false, error: DASHBOARD_READ_ONLY, code: 'FORBIDDEN' } });
    expect(r.calls.map(([p, c]) => `${p} ${c}`)).toEqual([`${ADMIN} CONFIG_SET`]);
    expect(await settingsAccess(SOCK, r.request)).toEqual({ writable: false, message: DASHBOARD_READ_ONLY, unlock: false });
  });

  it('everything else still goes to the public socket; as root the admin socket saves', async () => {
    const user = fakeRequest(false);
    expect((await relayCommand(SOCK, 'POSTPONE', { minutes: 5 }, 1000, user.request)).status).toBe(200);
    expect(user.calls[0]![0]).toBe(SOCK);
    const root = fakeRequest(true);
    expect(await relayCommand(SOCK, 'CONFIG_SET', { values: { naptime_minutes: 45 } }, 1000, root.request)).toMatchObject({
      status: 200,
      body: { ok: true, data: { naptime_minutes: 45 } },
    });
    expect(await settingsAccess(SOCK, root.request)).toEqual({ writable: true });
  });
});
