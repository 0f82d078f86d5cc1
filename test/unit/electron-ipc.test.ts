import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { AgentError } from '../../lib/client.js';
import type { Command } from '../../contract/protocol.js';
import { INVOKE_CHANNELS, type InvokeChannel } from '../../contract/ipc.js';
import { ForbiddenSenderError, makeHandler, PAYLOAD_SCHEMAS, registerIpcHandlers, type IpcDeps } from '../../electron/ipc-handlers.js';
import { status } from '../helpers/status-fixtures.js';

const rendererDir = path.resolve('/opt/CloudSnooze/resources/app.asar/dist/renderer');
const ownUrl = 'app://cloudsnooze/index.html';
const own = { senderFrame: { url: `${ownUrl}#/settings`, parent: null } };

function deps(over: Partial<IpcDeps> = {}) {
  const calls: { command: Command; params: unknown }[] = [];
  const d: IpcDeps = {
    origin: { rendererDir },
    connection: () => ({ online: true }),
    request: (async (command: Command, params?: unknown) => {
      calls.push({ command, params });
      if (command === 'HISTORY') return { events: [], truncated: false };
      if (command === 'CONFIG_SET') return { naptime_minutes: 45 };
      return status();
    }) as IpcDeps['request'],
    ...over,
  };
  return { d, calls };
}

describe('IPC sender check', () => {
  const foreign = [
    { senderFrame: { url: 'https://evil.example/index.html', parent: null } },
    { senderFrame: { url: 'file:///tmp/other/index.html', parent: null } },
    { senderFrame: { url: `${ownUrl}`, parent: { url: ownUrl } } }, // a subframe of our page
    { senderFrame: { url: 'devtools://devtools/bundled/inspector.html', parent: null } },
    { senderFrame: { url: `file://${rendererDir}/index.html`, parent: null } }, // the same files over file:// are not our page
    { senderFrame: { url: 'app://other/index.html', parent: null } },
    { senderFrame: { url: 'app://cloudsnooze/evil.html', parent: null } },
    { senderFrame: null },
    {},
  ];

  it('every channel refuses a foreign frame before touching the agent', async () => {
    for (const channel of INVOKE_CHANNELS) {
      for (const ev of foreign) {
        const { d, calls } = deps();
        await expect(makeHandler(channel, d)(ev as never, undefined), `${channel} ${JSON.stringify(ev)}`).rejects.toBeInstanceOf(ForbiddenSenderError);
        expect(calls).toEqual([]);
      }
    }
  });

  it('accepts our own page, with any hash or query', async () => {
    const { d, calls } = deps();
    await expect(makeHandler('agent:status', d)(own)).resolves.toMatchObject({ ok: true });
    await expect(makeHandler('agent:status', d)({ senderFrame: { url: `${ownUrl}?view=history`, parent: null } })).resolves.toMatchObject({ ok: true });
    expect(calls).toHaveLength(2);
  });

  it('in development the dev server origin is ours, other origins are not', async () => {
    const { d } = deps({ origin: { rendererDir, devServerUrl: 'http://localhost:5173/' } });
    await expect(makeHandler('agent:status', d)({ senderFrame: { url: 'http://localhost:5173/#x', parent: null } })).resolves.toMatchObject({ ok: true });
    await expect(makeHandler('agent:status', d)({ senderFrame: { url: 'http://localhost:5174/', parent: null } })).rejects.toThrow(/refused/);
    await expect(makeHandler('agent:status', d)({ senderFrame: { url: ownUrl, parent: null } })).rejects.toThrow(/refused/);
  });
});

describe('IPC payload check', () => {
  const bad: [InvokeChannel, unknown][] = [
    ['agent:postpone', { minutes: 0 }],
    ['agent:postpone', { minutes: -5 }],
    ['agent:postpone', { minutes: 8 * 24 * 60 }],
    ['agent:postpone', { minutes: '30' }],
    ['agent:postpone', { minutes: 30, extra: 1 }],
    ['agent:postpone', undefined],
    ['agent:stay-awake', { minutes: 0 }],
    ['agent:stay-awake', { reason: 'x'.repeat(201) }],
    ['agent:samples', { seconds: 0 }],
    ['agent:samples', { seconds: 3601 }],
    ['agent:samples', { seconds: 1.5 }],
    ['agent:history', { limit: 0 }],
    ['agent:history', { limit: 5, details: true }],
    ['agent:history', { type: 'nope' }],
    ['agent:history', { since: 'yesterday' }],
    ['agent:config-set', { cpu_threshold_percent: 150 }],
    ['agent:config-set', { naptime_minutes: 'soon' }],
    ['agent:config-set', { no_such_key: 1 }],
    ['agent:config-set', null],
    // Files the root agent creates: config file only, never from the renderer.
    ['agent:config-set', { socket_path: '/tmp/evil.sock' }],
    ['agent:config-set', { socket_group: 'users' }],
    ['agent:config-set', { history_path: '/etc/cron.d/x', naptime_minutes: 40 }],
    ['agent:status', { anything: true }],
    ['agent:release', 'now'],
  ];

  it('bad payloads answer INVALID_PARAMS and never reach the agent', async () => {
    for (const [channel, payload] of bad) {
      const { d, calls } = deps();
      const r = await makeHandler(channel, d)(own, payload);
      expect(r, `${channel} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, code: 'INVALID_PARAMS' });
      expect((r as { error: string }).error).toMatch(new RegExp(`^invalid ${channel} payload: `));
      expect(calls).toEqual([]);
    }
  });

  it('the error names the field', async () => {
    const { d } = deps();
    const r = await makeHandler('agent:config-set', d)(own, { cpu_threshold_percent: 150 });
    expect(r).toEqual({
      ok: false,
      code: 'INVALID_PARAMS',
      error: 'invalid agent:config-set payload: CPU threshold must be at most 100 % (you entered 150)',
      // The settings form puts it on its field, as it does the agent's own refusals.
      fields: { cpu_threshold_percent: 'CPU threshold must be at most 100 % (you entered 150)' },
    });
  });

  it('more than one argument is refused', async () => {
    const { d, calls } = deps();
    expect(await makeHandler('agent:postpone', d)(own, { minutes: 30 }, 'extra')).toMatchObject({ ok: false, code: 'INVALID_PARAMS' });
    await expect(makeHandler('app:connection', d)(own, 1)).rejects.toThrow(/invalid app:connection payload/);
    expect(calls).toEqual([]);
  });

  it('good payloads become the right agent command', async () => {
    const cases: [InvokeChannel, unknown, Command, unknown][] = [
      ['agent:status', undefined, 'STATUS', undefined],
      ['agent:config-get', undefined, 'CONFIG_GET', undefined],
      ['agent:config-set', { naptime_minutes: 45 }, 'CONFIG_SET', { values: { naptime_minutes: 45 } }],
      ['agent:history', { limit: 20, type: 'stop' }, 'HISTORY', { limit: 20, type: 'stop' }],
      ['agent:history', {}, 'HISTORY', {}],
      ['agent:samples', { seconds: 600 }, 'SAMPLES', { seconds: 600 }],
      ['agent:postpone', { minutes: 30 }, 'POSTPONE', { minutes: 30 }],
      ['agent:stay-awake', {}, 'STAY_AWAKE', {}],
      ['agent:stay-awake', { minutes: 60, reason: 'demo' }, 'STAY_AWAKE', { minutes: 60, reason: 'demo' }],
      ['agent:release', undefined, 'RELEASE', undefined],
    ];
    for (const [channel, payload, command, params] of cases) {
      const { d, calls } = deps();
      const r = await makeHandler(channel, d)(own, payload);
      expect(r, channel).toMatchObject({ ok: true });
      expect(calls, channel).toEqual([{ command, params }]);
    }
  });

  it('history drops the agent-only "truncated" flag; app:connection answers the connection state', async () => {
    const { d } = deps({ connection: () => ({ online: false, error: 'gone' }) });
    expect(await makeHandler('agent:history', d)(own, {})).toEqual({ ok: true, data: { events: [] } });
    expect(await makeHandler('app:connection', d)(own)).toEqual({ online: false, error: 'gone' });
  });

  it('agent errors come back as Result values with the agent code', async () => {
    const { d } = deps({
      request: (async () => {
        throw new AgentError('cpu_threshold_percent must be at most 100', 'INVALID_CONFIG');
      }) as IpcDeps['request'],
    });
    expect(await makeHandler('agent:config-set', d)(own, { cpu_threshold_percent: 50 })).toEqual({
      ok: false,
      error: 'cpu_threshold_percent must be at most 100',
      code: 'INVALID_CONFIG',
    });
  });

  it('registerIpcHandlers handles exactly the contract channels and removes them again', () => {
    const handled: string[] = [];
    const removed: string[] = [];
    const off = registerIpcHandlers({ handle: (c) => void handled.push(c), removeHandler: (c) => void removed.push(c) }, deps().d);
    expect(handled.sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(Object.keys(PAYLOAD_SCHEMAS).sort()).toEqual([...INVOKE_CHANNELS].sort());
    off();
    expect(removed.sort()).toEqual([...INVOKE_CHANNELS].sort());
  });
});
