/**
 * The two levels of authority, without sockets: where the admin socket lives
 * (adminSocketPath), who a request is recorded as (requesterOf), that CONFIG_SET is refused
 * on a public connection before anything is parsed or spent, and that the file-only keys
 * include admin_group.
 */
import { describe, expect, it } from 'vitest';
import { adminSocketPath, DEFAULT_SOCKET_PATH, MAX_SOCKET_PATH } from '../../contract/paths.js';
import { RESTART_KEYS, DEFAULT_CONFIG } from '../../contract/config-schema.js';
import { requesterOf } from '../../agent/socket-handlers.js';
import { createDispatch, type HandlerTable } from '../../agent/dispatch.js';
import { TokenBucket } from '../../agent/rate-limit.js';

describe('adminSocketPath', () => {
  it('puts .admin before .sock, so the guide path gives /var/run/cloudsnooze.admin.sock', () => {
    expect(adminSocketPath(DEFAULT_SOCKET_PATH)).toBe('/var/run/cloudsnooze.admin.sock');
    expect(adminSocketPath('/run/user/1000/cloudsnooze.sock')).toBe('/run/user/1000/cloudsnooze.admin.sock');
    expect(adminSocketPath('/tmp/x/agent.sock')).toBe('/tmp/x/agent.admin.sock');
  });

  it('appends .admin to any other name', () => {
    expect(adminSocketPath('/tmp/agent')).toBe('/tmp/agent.admin');
    expect(adminSocketPath('/tmp/agent.socket')).toBe('/tmp/agent.socket.admin');
  });

  it('never exceeds MAX_SOCKET_PATH and never equals the public path', () => {
    const long = `/tmp/${'d'.repeat(MAX_SOCKET_PATH - 16)}/a.sock`;
    expect(long.length).toBeLessThanOrEqual(MAX_SOCKET_PATH);
    const admin = adminSocketPath(long);
    expect(admin.length).toBeLessThanOrEqual(MAX_SOCKET_PATH);
    expect(admin).not.toBe(long);
    expect(admin.startsWith(long.slice(0, long.lastIndexOf('/') + 1))).toBe(true);
  });
});

describe('requesterOf', () => {
  it('names root on the admin channel of a root agent, the channel otherwise, and a member on the public socket', () => {
    expect(requesterOf({ privileged: true }, true)).toBe('root');
    expect(requesterOf({ privileged: true }, false)).toBe('admin channel');
    expect(requesterOf({ privileged: false }, true)).toBe('socket group member');
  });
});

/** A dispatch whose handlers only record that they were reached, with budgets of one. */
function dispatchFixture() {
  const calls: string[] = [];
  const handlers = new Proxy({}, { get: (_t, cmd: string) => () => (calls.push(cmd), {}) }) as HandlerTable;
  const budgets = { holds: new TokenBucket(1, 1), settings: new TokenBucket(1, 1) };
  const dispatch = createDispatch(handlers, () => undefined, budgets);
  const frame = (o: unknown) => ({ kind: 'json' as const, text: JSON.stringify(o) });
  const conn = (privileged: boolean) => ({ id: 1, privileged, subscribe: () => undefined });
  return { calls, budgets, dispatch, frame, conn };
}

describe('CONFIG_SET on the public socket', () => {
  const { calls, budgets, dispatch, frame, conn } = dispatchFixture();

  it('is refused with FORBIDDEN and a sentence naming sudo, before params or budgets', async () => {
    for (let i = 0; i < 3; i++) {
      const reply = JSON.parse(await dispatch(frame({ command: 'CONFIG_SET', params: { values: { naptime_minutes: 'bad' } } }) as never, conn(false)));
      expect(reply).toMatchObject({ success: false, code: 'FORBIDDEN' });
      expect(reply.error).toMatch(/Changing settings needs root: run `sudo snooze config set/);
    }
    expect(calls).toEqual([]);
    expect(budgets.settings.take()).toBe(true);
  });

  it('reaches the handler on the admin channel', async () => {
    const reply = JSON.parse(await dispatch(frame({ command: 'CONFIG_SET', params: { values: { naptime_minutes: 10 } } }) as never, conn(true)));
    expect(reply.success).toBe(true);
    expect(calls).toEqual(['CONFIG_SET']);
  });
});

describe('RELEASE with a pid on the public socket', () => {
  const { calls, dispatch, frame, conn } = dispatchFixture();

  it('is refused with FORBIDDEN before the budget, so the member still has its release', async () => {
    for (let i = 0; i < 3; i++) {
      const reply = JSON.parse(await dispatch(frame({ command: 'RELEASE', params: { pid: 4242 } }) as never, conn(false)));
      expect(reply).toMatchObject({ success: false, code: 'FORBIDDEN', error: 'Ending the process hold on pid 4242 needs root: run `sudo snooze release --pid 4242`; nothing changed' });
    }
    expect(calls).toEqual([]);
    const plain = JSON.parse(await dispatch(frame({ command: 'RELEASE', params: {} }) as never, conn(false)));
    expect(plain.success).toBe(true);
    expect(calls).toEqual(['RELEASE']);
  });

  it('reaches the handler on the admin channel', async () => {
    const reply = JSON.parse(await dispatch(frame({ command: 'RELEASE', params: { pid: 4242 } }) as never, conn(true)));
    expect(reply.success).toBe(true);
  });
});

describe('admin_group', () => {
  it('defaults to none and is file-only, like socket_path', () => {
    expect(DEFAULT_CONFIG.admin_group).toBe('');
    expect(RESTART_KEYS).toContain('admin_group');
  });
});
