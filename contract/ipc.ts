/**
 * The one contract between the Electron main process, the preload and the renderer.
 * Every channel is listed here with its payload and result; the compile-time checks
 * below fail the build if a channel lacks a contract or the API drifts from it.
 * The browser dashboard implements the same `CloudSnoozeApi` over HTTP, so the
 * renderer cannot tell the two apart.
 */
import type { ConfigPatch, Config } from './config-schema.js';
import type { ConnectionState, HistoryEvent, HistoryType, Sample, Status } from './protocol.js';

export type { ConnectionState };

/** Errors cross IPC as values: Electron flattens thrown errors into unreadable strings. */
/** `fields`: a refused CONFIG_SET's message per config key (see ErrorReply), for the settings form. */
export type Result<T> = { ok: true; data: T } | { ok: false; error: string; code: string; fields?: Record<string, string> };

export interface HistoryQuery {
  limit?: number;
  since?: string;
  type?: HistoryType;
  /** Only events older than this id: the next page. */
  before_id?: number;
}

/**
 * Whether this window may change settings: only the agent's admin channel does (root,
 * admin_group, or the user's own per-user agent). When it may not, `unlock` says whether
 * the desktop can ask for root (polkit) for one change; the browser dashboard cannot.
 */
export type SettingsAccess = { writable: true } | { writable: false; message: string; unlock: boolean };

/** renderer → main, answered (ipcRenderer.invoke / ipcMain.handle). */
export interface InvokeChannels {
  'agent:status': { payload: void; result: Result<Status> };
  'agent:config-get': { payload: void; result: Result<Config> };
  'agent:config-set': { payload: ConfigPatch; result: Result<Config> };
  'agent:history': { payload: HistoryQuery; result: Result<{ events: HistoryEvent[] }> };
  'agent:samples': { payload: { seconds: number }; result: Result<{ samples: Sample[] }> };
  'agent:postpone': { payload: { minutes: number }; result: Result<Status> };
  'agent:stay-awake': { payload: { minutes?: number; reason?: string }; result: Result<Status> };
  'agent:release': { payload: void; result: Result<Status> };
  'app:connection': { payload: void; result: ConnectionState };
  'app:settings-access': { payload: void; result: SettingsAccess };
  /** Applies a patch through `pkexec snooze config set`, key by key, after the user authenticates. */
  'app:settings-unlock': { payload: ConfigPatch; result: Result<Config> };
}

/** main → renderer, pushed (webContents.send / ipcRenderer.on). */
export interface PushChannels {
  'push:status': Status;
  'push:event': HistoryEvent;
  'push:connection': ConnectionState;
  /** Tray menu asks the window to show a view. */
  'push:navigate': 'dashboard' | 'settings' | 'history';
}

export type InvokeChannel = keyof InvokeChannels;
export type PushChannel = keyof PushChannels;

export const INVOKE_CHANNELS = [
  'agent:status',
  'agent:config-get',
  'agent:config-set',
  'agent:history',
  'agent:samples',
  'agent:postpone',
  'agent:stay-awake',
  'agent:release',
  'app:connection',
  'app:settings-access',
  'app:settings-unlock',
] as const satisfies readonly InvokeChannel[];

export const PUSH_CHANNELS = ['push:status', 'push:event', 'push:connection', 'push:navigate'] as const satisfies readonly PushChannel[];

// Compile-time: the runtime lists name every channel of the contract, no more, no less.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _invokeListed: Exact<(typeof INVOKE_CHANNELS)[number], InvokeChannel> = true;
const _pushListed: Exact<(typeof PUSH_CHANNELS)[number], PushChannel> = true;
void _invokeListed;
void _pushListed;

type Unsubscribe = () => void;

/** What the preload exposes as `window.cloudsnooze` (and the browser transport implements). Narrow on purpose: no generic send. */
export interface CloudSnoozeApi {
  getStatus(): Promise<InvokeChannels['agent:status']['result']>;
  getConfig(): Promise<InvokeChannels['agent:config-get']['result']>;
  setConfig(values: ConfigPatch): Promise<InvokeChannels['agent:config-set']['result']>;
  getHistory(query: HistoryQuery): Promise<InvokeChannels['agent:history']['result']>;
  getSamples(seconds: number): Promise<InvokeChannels['agent:samples']['result']>;
  postpone(minutes: number): Promise<InvokeChannels['agent:postpone']['result']>;
  stayAwake(minutes?: number, reason?: string): Promise<InvokeChannels['agent:stay-awake']['result']>;
  release(): Promise<InvokeChannels['agent:release']['result']>;
  getConnection(): Promise<ConnectionState>;
  getSettingsAccess(): Promise<SettingsAccess>;
  unlockSettings(values: ConfigPatch): Promise<InvokeChannels['app:settings-unlock']['result']>;
  /** Callbacks get the payload only, never the Electron event. */
  onStatus(cb: (status: Status) => void): Unsubscribe;
  onEvent(cb: (event: HistoryEvent) => void): Unsubscribe;
  onConnection(cb: (state: ConnectionState) => void): Unsubscribe;
  onNavigate(cb: (view: PushChannels['push:navigate']) => void): Unsubscribe;
}

/** Which invoke channel each API method uses; the preload is written from this table. */
export const API_INVOKE_METHODS = {
  getStatus: 'agent:status',
  getConfig: 'agent:config-get',
  setConfig: 'agent:config-set',
  getHistory: 'agent:history',
  getSamples: 'agent:samples',
  postpone: 'agent:postpone',
  stayAwake: 'agent:stay-awake',
  release: 'agent:release',
  getConnection: 'app:connection',
  getSettingsAccess: 'app:settings-access',
  unlockSettings: 'app:settings-unlock',
} as const satisfies Partial<Record<keyof CloudSnoozeApi, InvokeChannel>>;

export const API_PUSH_METHODS = {
  onStatus: 'push:status',
  onEvent: 'push:event',
  onConnection: 'push:connection',
  onNavigate: 'push:navigate',
} as const satisfies Partial<Record<keyof CloudSnoozeApi, PushChannel>>;

// Compile-time: every API method is mapped to a channel.
const _everyMethodMapped: Exact<keyof CloudSnoozeApi, keyof typeof API_INVOKE_METHODS | keyof typeof API_PUSH_METHODS> = true;
void _everyMethodMapped;
