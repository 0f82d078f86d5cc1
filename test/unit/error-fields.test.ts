/**
 * A refused CONFIG_SET's per-key messages (`fields`) reach the settings form on both
 * paths: through the browser dashboard's relay and through the desktop app's IPC. The
 * one-sentence `error` travels beside them for clients that show one line.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { relayCommand, type RequestFn } from '../../agent/dashboard/relay.js';
import { errorReplySchema, type Command } from '../../contract/protocol.js';
import { makeHandler, type IpcDeps } from '../../electron/ipc-handlers.js';
import { APP_INDEX_URL } from '../../electron/app-scheme.js';
import { AgentError } from '../../lib/client.js';

const FIELDS = {
  check_interval_seconds: 'Check interval must be a whole number of seconds (you entered 1.5)',
  'logging.log_level': 'Log level must be one of debug, info, warn, error',
};
const refused = () => new AgentError('2 settings were refused: check interval, log level', 'INVALID_CONFIG', FIELDS);

describe('per-field errors on the wire', () => {
  it('the error reply schema takes fields, and leaves them optional', () => {
    expect(errorReplySchema.safeParse({ success: false, error: 'x', code: 'INVALID_CONFIG', fields: FIELDS }).success).toBe(true);
    expect(errorReplySchema.safeParse({ success: false, error: 'x', code: 'BAD_REQUEST' }).success).toBe(true);
    expect(errorReplySchema.safeParse({ success: false, error: 'x', code: 'INVALID_CONFIG', fields: { a: 1 } }).success).toBe(false);
  });

  it('the dashboard relay hands fields to the browser beside the message', async () => {
    const req = (async () => {
      throw refused();
    }) as RequestFn;
    const r = await relayCommand('/run/cs.sock', 'CONFIG_SET', { values: { check_interval_seconds: 1.5 } }, 1000, req);
    expect(r).toEqual({ status: 200, body: { ok: false, error: '2 settings were refused: check interval, log level', code: 'INVALID_CONFIG', fields: FIELDS } });
    const plain = (async () => {
      throw new AgentError('naptime must be at least 3 seconds', 'INVALID_CONFIG');
    }) as RequestFn;
    expect((await relayCommand('/run/cs.sock', 'CONFIG_SET', { values: {} }, 1000, plain)).body).toEqual({
      ok: false,
      error: 'naptime must be at least 3 seconds',
      code: 'INVALID_CONFIG',
    });
  });

  it('the desktop IPC hands fields to the renderer beside the message', async () => {
    // The renderer is served from app://cloudsnooze/index.html (electron/app-protocol.ts).
    const d: IpcDeps = {
      origin: { rendererDir: path.resolve('/opt/CloudSnooze/resources/app.asar/dist/renderer') },
      connection: () => ({ online: true }),
      request: (async (_c: Command) => {
        throw refused();
      }) as IpcDeps['request'],
    };
    const own = { senderFrame: { url: APP_INDEX_URL, parent: null } };
    await expect(makeHandler('agent:config-set', d)(own, { check_interval_seconds: 30 })).resolves.toEqual({
      ok: false,
      error: '2 settings were refused: check interval, log level',
      code: 'INVALID_CONFIG',
      fields: FIELDS,
    });
    // Refused before it reaches the agent (the IPC's own check): still one message per key.
    const r = await makeHandler('agent:config-set', d)(own, { check_interval_seconds: 1.5, cpu_threshold_percent: 150 });
    expect(r).toMatchObject({ ok: false, code: 'INVALID_PARAMS' });
    if (r.ok) return;
    expect(Object.keys(r.fields ?? {}).sort()).toEqual(['check_interval_seconds', 'cpu_threshold_percent']);
    expect(r.fields?.cpu_threshold_percent).toBe('CPU threshold must be at most 100 % (you entered 150)');
  });
});
