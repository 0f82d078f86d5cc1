import { beforeEach, describe, expect, it, vi } from 'vitest';
import { API_INVOKE_METHODS, API_PUSH_METHODS, type CloudSnoozeApi } from '../../contract/ipc.js';

// The real preload file runs against a mocked 'electron': what it exposes is what the page gets.
const bridge = vi.hoisted(() => {
  const exposed: Record<string, unknown> = {};
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  return { exposed, invoked, listeners };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (bridge.exposed[key] = api) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      bridge.invoked.push(args);
      return { ok: true, data: null };
    },
    on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => {
      if (!bridge.listeners.has(channel)) bridge.listeners.set(channel, new Set());
      bridge.listeners.get(channel)!.add(l);
    },
    removeListener: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => void bridge.listeners.get(channel)?.delete(l),
    send: () => {
      throw new Error('the preload must not use send');
    },
  },
}));

const emit = (channel: string, payload: unknown) => {
  const fakeEvent = { sender: { secret: 'ipcRenderer internals' }, ports: [] };
  for (const l of bridge.listeners.get(channel) ?? []) l(fakeEvent, payload);
};

describe('preload', () => {
  let api: CloudSnoozeApi;
  beforeEach(async () => {
    await import('../../electron/preload.js');
    api = bridge.exposed.cloudsnooze as CloudSnoozeApi;
    bridge.invoked.length = 0;
  });

  it('exposes exactly the contract methods as window.cloudsnooze, frozen', () => {
    expect(Object.keys(bridge.exposed)).toEqual(['cloudsnooze']);
    expect(Object.keys(api).sort()).toEqual([...Object.keys(API_INVOKE_METHODS), ...Object.keys(API_PUSH_METHODS)].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    expect('send' in api || 'invoke' in api || 'on' in api).toBe(false);
  });

  it('each method invokes its own channel with one payload (or none)', async () => {
    await api.getStatus();
    await api.getConfig();
    await api.setConfig({ naptime_minutes: 45 });
    await api.getHistory({ limit: 5 });
    await api.getSamples(600);
    await api.postpone(30);
    await api.stayAwake();
    await api.stayAwake(60, 'render');
    await api.release();
    await api.getConnection();
    expect(bridge.invoked).toEqual([
      ['agent:status'],
      ['agent:config-get'],
      ['agent:config-set', { naptime_minutes: 45 }],
      ['agent:history', { limit: 5 }],
      ['agent:samples', { seconds: 600 }],
      ['agent:postpone', { minutes: 30 }],
      ['agent:stay-awake', {}],
      ['agent:stay-awake', { minutes: 60, reason: 'render' }],
      ['agent:release'],
      ['app:connection'],
    ]);
  });

  it('callbacks get the payload only, never the Electron event, and unsubscribe works', () => {
    for (const [method, channel] of Object.entries(API_PUSH_METHODS)) {
      const got: unknown[][] = [];
      const off = (api[method as keyof typeof API_PUSH_METHODS] as (cb: (...a: unknown[]) => void) => () => void)((...args) => got.push(args));
      emit(channel, { hello: channel });
      expect(got, method).toEqual([[{ hello: channel }]]);
      off();
      emit(channel, 'after');
      expect(got, method).toHaveLength(1);
      expect(bridge.listeners.get(channel)?.size ?? 0).toBe(0);
    }
  });
});
