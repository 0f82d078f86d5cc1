/**
 * The main side of the IPC contract: every invoke channel gets a handler that checks
 * the sender frame, validates the payload with zod (the agent's own schemas where the
 * shapes match), then asks the agent. Errors cross as Result values.
 */
import * as z from 'zod/mini';
import { AgentError } from '../lib/client.js';
import { configPatchSchema, RESTART_KEYS } from '../contract/config-schema.js';
import { commandParams, type Command, type CommandResults, type ParamsIn } from '../contract/protocol.js';
import { describeZodError } from '../contract/config-schema.js';
import { INVOKE_CHANNELS, type ConnectionState, type InvokeChannel, type InvokeChannels, type Result } from '../contract/ipc.js';
import { isAllowedSender, type IpcSenderLike, type RendererOrigin } from './security.js';
import type { SettingsAuthority } from './settings-authority.js';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface IpcDeps {
  request<C extends Command>(command: C, params?: ParamsIn<C>): Promise<CommandResults[C]>;
  connection(): ConnectionState;
  origin: RendererOrigin;
  log?: (msg: string) => void;
  /** Settings go through the admin socket (or pkexec); without it, CONFIG_SET goes to `request` as before. */
  settings?: SettingsAuthority;
}

const none = z.undefined();

/**
 * The settings the dashboard may change: not the socket or history location, which name
 * files a root agent creates, so a compromised renderer cannot move them.
 */
export const desktopConfigPatchSchema = z.omit(
  configPatchSchema,
  Object.fromEntries(RESTART_KEYS.map((k) => [k, true])) as { [K in (typeof RESTART_KEYS)[number]]: true },
);

/** Payload schema of each channel: the compile-time mapped type means a channel cannot be left out. */
export const PAYLOAD_SCHEMAS: { [K in InvokeChannel]: z.ZodMiniType } = {
  'agent:status': none,
  'agent:config-get': none,
  'agent:config-set': desktopConfigPatchSchema,
  // The renderer never asks for history details: they may hold paths and request ids.
  'agent:history': z.omit(commandParams.HISTORY, { details: true }),
  'agent:samples': commandParams.SAMPLES,
  'agent:postpone': commandParams.POSTPONE,
  'agent:stay-awake': commandParams.STAY_AWAKE,
  'agent:release': none,
  'app:connection': none,
  'app:settings-access': none,
  // The same keys as a save: pkexec never receives a file-only key from the renderer.
  'app:settings-unlock': desktopConfigPatchSchema,
};

type Handler<K extends InvokeChannel> = (payload: InvokeChannels[K]['payload'], deps: IpcDeps) => Promise<InvokeChannels[K]['result']>;

async function asResult<T>(p: Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, data: await p };
  } catch (err) {
    if (err instanceof AgentError) return { ok: false, error: err.message, code: err.code, ...(err.fields ? { fields: err.fields } : {}) };
    return { ok: false, error: (err as Error).message, code: 'INTERNAL' };
  }
}

const HANDLERS: { [K in InvokeChannel]: Handler<K> } = {
  'agent:status': (_p, d) => asResult(d.request('STATUS')),
  'agent:config-get': (_p, d) => asResult(d.request('CONFIG_GET')),
  'agent:config-set': (p, d) => (d.settings ? d.settings.set(p) : asResult(d.request('CONFIG_SET', { values: p }))),
  'agent:history': (p, d) => asResult(d.request('HISTORY', p).then(({ events }) => ({ events }))),
  'agent:samples': (p, d) => asResult(d.request('SAMPLES', p)),
  'agent:postpone': (p, d) => asResult(d.request('POSTPONE', p)),
  'agent:stay-awake': (p, d) => asResult(d.request('STAY_AWAKE', p)),
  'agent:release': (_p, d) => asResult(d.request('RELEASE')),
  'app:connection': (_p, d) => Promise.resolve(d.connection()),
  'app:settings-access': (_p, d) =>
    d.settings ? d.settings.access() : Promise.resolve({ writable: false, message: 'Settings are read-only here.', unlock: false } as const),
  'app:settings-unlock': (p, d) =>
    d.settings ? d.settings.unlock(p) : Promise.resolve({ ok: false, error: 'Unlock is not available here.', code: 'NOT_ALLOWED' } as const),
};

export class ForbiddenSenderError extends Error {
  constructor(channel: string, url: string | undefined) {
    super(`IPC ${channel} refused: sent from ${url ?? 'an unknown frame'}, not the CloudSnooze dashboard`);
    this.name = 'ForbiddenSenderError';
  }
}

/** The function ipcMain.handle runs for one channel; exported so tests call it with crafted events. */
export function makeHandler<K extends InvokeChannel>(channel: K, deps: IpcDeps) {
  return async (event: IpcSenderLike, ...args: unknown[]): Promise<InvokeChannels[K]['result']> => {
    if (!isAllowedSender(event, deps.origin)) {
      deps.log?.(`refused IPC ${channel} from ${event.senderFrame?.url ?? 'unknown frame'}`);
      throw new ForbiddenSenderError(channel, event.senderFrame?.url);
    }
    if (args.length > 1) return invalid(channel, `${channel} takes at most one argument`);
    // reportInput: describeZodError quotes the offending value ("got 150").
    const parsed = PAYLOAD_SCHEMAS[channel].safeParse(args[0], { reportInput: true });
    if (!parsed.success) return invalid(channel, describeZodError(parsed.error), SETTINGS_CHANNELS.has(channel) ? issueFields(parsed.error) : undefined);
    // Forward what the renderer sent, not the parse with defaults filled in: the agent applies its own.
    return HANDLERS[channel](args[0] as InvokeChannels[K]['payload'], deps);
  };
}

/** Channels that carry a settings patch: their refusals name each key, so the form can mark each field. */
const SETTINGS_CHANNELS = new Set<InvokeChannel>(['agent:config-set', 'app:settings-unlock']);

/** One message per config key (dotted for nested keys), as the agent's CONFIG_SET refusal carries them. */
function issueFields(err: z.core.$ZodError): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = issue.path.map(String).join('.');
    if (!key || fields[key]) continue;
    fields[key] = describeZodError(new z.core.$ZodError([issue]));
  }
  return Object.keys(fields).length ? fields : undefined;
}

function invalid<K extends InvokeChannel>(channel: K, message: string, fields?: Record<string, string>): Promise<InvokeChannels[K]['result']> {
  const error = `invalid ${channel} payload: ${message || 'unexpected value'}`;
  // These answer a state, not a Result: a bad call to them is a programming error.
  if (channel === 'app:connection' || channel === 'app:settings-access') return Promise.reject(new Error(error));
  const r: Result<never> = { ok: false, error, code: 'INVALID_PARAMS', ...(fields ? { fields } : {}) };
  return Promise.resolve(r as InvokeChannels[K]['result']);
}

export function registerIpcHandlers(ipcMain: IpcMainLike, deps: IpcDeps): () => void {
  for (const channel of INVOKE_CHANNELS) ipcMain.handle(channel, makeHandler(channel, deps));
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}
