/**
 * Builds `window.cloudsnooze` from the IPC contract's method tables: one invoke per
 * API method, one listener per push method, nothing else (no generic send). Kept
 * apart from preload.ts so the unit test runs it with a fake ipcRenderer.
 * Imports only the contract's constants: the sandboxed preload cannot load Node modules.
 */
import {
  API_INVOKE_METHODS,
  API_PUSH_METHODS,
  type CloudSnoozeApi,
  type InvokeChannels,
  type PushChannels,
} from '../contract/ipc.js';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type InvokeMethod = keyof typeof API_INVOKE_METHODS;
type PushMethod = keyof typeof API_PUSH_METHODS;

/** How each method's arguments become its channel's single payload. */
const TO_PAYLOAD: {
  [M in InvokeMethod]: (...args: Parameters<CloudSnoozeApi[M]>) => InvokeChannels[(typeof API_INVOKE_METHODS)[M]]['payload'];
} = {
  getStatus: () => undefined,
  getConfig: () => undefined,
  setConfig: (values) => values,
  getHistory: (query) => query,
  getSamples: (seconds) => ({ seconds }),
  postpone: (minutes) => ({ minutes }),
  stayAwake: (minutes, reason) => ({ ...(minutes !== undefined ? { minutes } : {}), ...(reason !== undefined ? { reason } : {}) }),
  release: () => undefined,
  getConnection: () => undefined,
  getSettingsAccess: () => undefined,
  unlockSettings: (values) => values,
};

export function buildApi(ipc: IpcRendererLike): CloudSnoozeApi {
  const api: Record<string, unknown> = {};
  for (const method of Object.keys(API_INVOKE_METHODS) as InvokeMethod[]) {
    const channel = API_INVOKE_METHODS[method];
    const toPayload = TO_PAYLOAD[method] as (...args: unknown[]) => unknown;
    api[method] = (...args: unknown[]) => {
      const payload = toPayload(...args);
      // No payload → no argument, so the main side's "no payload" schema sees undefined.
      return payload === undefined ? ipc.invoke(channel) : ipc.invoke(channel, payload);
    };
  }
  for (const method of Object.keys(API_PUSH_METHODS) as PushMethod[]) {
    const channel = API_PUSH_METHODS[method];
    api[method] = (cb: (payload: PushChannels[typeof channel]) => void) => {
      // The Electron event (with its sender and ports) never reaches the page.
      const listener = (_event: unknown, payload: unknown) => cb(payload as PushChannels[typeof channel]);
      ipc.on(channel, listener);
      return () => {
        ipc.removeListener(channel, listener);
      };
    };
  }
  return Object.freeze(api) as unknown as CloudSnoozeApi;
}
