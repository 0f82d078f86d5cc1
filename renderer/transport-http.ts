/**
 * CloudSnoozeApi over HTTP, for the browser dashboard (`snooze dashboard`): commands as
 * POST to their contract route with JSON params, pushes over one fetch()-read event
 * stream, the session token in a header on every request. Same shapes as the Electron
 * preload, so the renderer cannot tell.
 */
import { Backoff } from '../contract/backoff.js';
import type { ConfigPatch } from '../contract/config-schema.js';
import type { CommandResults } from '../contract/protocol.js';
import {
  API_COMMANDS,
  DASHBOARD_ROUTES,
  DASHBOARD_TOKEN_HEADER,
  commandRoute,
  type DashboardCommand,
  type DashboardEventName,
  type DashboardEvents,
} from '../contract/dashboard-http.js';
import type { CloudSnoozeApi, ConnectionState, HistoryQuery, PushChannels, Result, SettingsAccess } from '../contract/ipc.js';
import { readEventStream } from './event-stream.js';

const VIEWS = ['dashboard', 'settings', 'history'] as const;
type View = PushChannels['push:navigate'];

type Listener<T> = (value: T) => void;

export interface HttpApiOptions {
  /** The session token (see http-session.ts); null sends none, and the server says why that fails. */
  token?: string | null;
  fetch?: typeof fetch;
}

/** The stream's reconnect: 1 s doubling to 30 s, the product's one backoff rule. */
const STREAM_RETRY = { baseMs: 1000, maxMs: 30_000 };

export function createHttpApi(opts: HttpApiOptions = {}): CloudSnoozeApi {
  const token = opts.token ?? null;
  // Looked up at call time, so a test's stub (or a polyfill) installed later is used.
  const doFetch: typeof fetch = (...args) => (opts.fetch ?? fetch)(...args);
  const statusL = new Set<Listener<DashboardEvents['status']>>();
  const eventL = new Set<Listener<DashboardEvents['event']>>();
  const connL = new Set<Listener<ConnectionState>>();
  let stream: AbortController | null = null;
  let last: ConnectionState = { online: false, error: 'connecting to the dashboard server' };

  const headers = (json: boolean): Record<string, string> => ({
    ...(json ? { 'Content-Type': 'application/json' } : {}),
    ...(token ? { [DASHBOARD_TOKEN_HEADER]: token } : {}),
  });

  async function readResult<T>(res: Response): Promise<Result<T>> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return { ok: false, error: `the dashboard server answered ${res.status} ${res.statusText}`, code: 'PROTOCOL' };
    }
    const b = body as Partial<{ ok: boolean; data: T; error: string; code: string; fields: unknown }>;
    if (b && b.ok === true) return { ok: true, data: b.data as T };
    const fields = plainFields(b?.fields);
    // `fields` puts each refused setting on its own field; without them Settings can only split the one sentence.
    return { ok: false, error: b?.error ?? `the dashboard server answered ${res.status}`, code: b?.code ?? 'PROTOCOL', ...(fields ? { fields } : {}) };
  }

  async function call<C extends DashboardCommand>(command: C, params: object = {}): Promise<Result<CommandResults[C]>> {
    try {
      const res = await doFetch(commandRoute(command), {
        method: 'POST',
        headers: headers(true),
        body: JSON.stringify(params),
        credentials: 'omit',
        cache: 'no-store',
      });
      return await readResult<CommandResults[C]>(res);
    } catch (err) {
      return { ok: false, error: `the dashboard server is not answering (${(err as Error).message})`, code: 'NOT_RUNNING' };
    }
  }

  const emitConnection = (state: ConnectionState) => {
    if (state.online && last.online) return;
    if (!state.online && !last.online && state.error === last.error) return;
    last = state;
    for (const l of connL) l(state);
  };

  // Typed by the contract: an event added there fails the build until it is handled here.
  const onEvent: { [K in DashboardEventName]: (value: DashboardEvents[K]) => void } = {
    connection: emitConnection,
    status: (v) => statusL.forEach((l) => l(v)),
    event: (v) => eventL.forEach((l) => l(v)),
  };
  const dispatch = (event: string, data: string) => {
    if (!Object.hasOwn(onEvent, event)) return; // from a newer server: ignored
    let v: unknown;
    try {
      v = JSON.parse(data);
    } catch {
      return; // a malformed frame changes nothing
    }
    (onEvent[event as DashboardEventName] as (value: unknown) => void)(v);
  };

  const retry = new Backoff(STREAM_RETRY);
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  const listening = () => statusL.size + eventL.size + connL.size > 0;

  // One stream for all listeners, opened on first use and reopened with backoff when it
  // breaks (server gone) or is refused (a 401 after `snooze dashboard` restarted).
  function ensureStream() {
    if (stream || retryTimer) return;
    const ac = new AbortController();
    stream = ac;
    const handlers = { onOpen: () => retry.reset(), onFrame: dispatch };
    void readEventStream(DASHBOARD_ROUTES.stream, headers(false), handlers, ac.signal, doFetch).then((end) => {
      if (stream !== ac || end.kind === 'aborted') return;
      stream = null;
      if (end.kind === 'broken') emitConnection({ online: false, error: 'the dashboard server is not answering' });
      else {
        // The server's own words ("open the URL …"), not a generic "reconnecting".
        void api.getConnection().then((c) => {
          if (!c.online) emitConnection(c);
          else emitConnection({ online: false, error: 'the dashboard server refused the live stream; retrying' });
        });
      }
      const wait = retry.next();
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (listening()) ensureStream();
      }, wait);
    });
  }

  function listen<T>(set: Set<Listener<T>>, cb: Listener<T>): () => void {
    set.add(cb);
    ensureStream();
    return () => {
      set.delete(cb);
      if (listening()) return;
      stream?.abort();
      stream = null;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
    };
  }

  const c = API_COMMANDS;
  const api: CloudSnoozeApi = {
    getStatus: () => call(c.getStatus),
    getConfig: () => call(c.getConfig),
    setConfig: (values: ConfigPatch) => call(c.setConfig, { values }),
    async getHistory(query: HistoryQuery) {
      const r = await call(c.getHistory, { ...query });
      return r.ok ? { ok: true, data: { events: r.data.events } } : r;
    },
    getSamples: (seconds: number) => call(c.getSamples, { seconds }),
    postpone: (minutes: number) => call(c.postpone, { minutes }),
    stayAwake: (minutes?: number, reason?: string) =>
      call(c.stayAwake, { ...(minutes !== undefined ? { minutes } : {}), ...(reason !== undefined ? { reason } : {}) }),
    release: () => call(c.release),
    async getConnection() {
      try {
        const res = await doFetch(DASHBOARD_ROUTES.connection, { headers: headers(false), credentials: 'omit', cache: 'no-store' });
        const r = (await res.json()) as ConnectionState | { ok: false; error: string };
        if ('online' in r) return r;
        return { online: false, error: r.error };
      } catch (err) {
        return { online: false, error: `the dashboard server is not answering (${(err as Error).message})` };
      }
    },
    async getSettingsAccess() {
      try {
        const res = await doFetch(DASHBOARD_ROUTES.settingsAccess, { headers: headers(false), credentials: 'omit', cache: 'no-store' });
        const r = (await res.json()) as SettingsAccess | { ok: false; error: string };
        if ('writable' in r) return r;
        return { writable: false, message: r.error, unlock: false };
      } catch (err) {
        return { writable: false, message: `the dashboard server is not answering (${(err as Error).message})`, unlock: false };
      }
    },
    // A browser has no way to ask for root: the page offers no unlock, and this says why if called.
    unlockSettings: () =>
      Promise.resolve({ ok: false, error: 'Unlock is only in the desktop app; run `sudo snooze config set KEY VALUE`.', code: 'NOT_ALLOWED' }),
    onStatus: (cb) => listen(statusL, cb),
    onEvent: (cb) => listen(eventL, cb),
    onConnection: (cb) => listen(connL, cb),
    onNavigate(cb) {
      // In a browser the address bar is the navigation: #settings, #history, back and forward.
      const handler = () => {
        const v = window.location.hash.slice(1) as View;
        if ((VIEWS as readonly string[]).includes(v)) cb(v);
      };
      window.addEventListener('hashchange', handler);
      return () => window.removeEventListener('hashchange', handler);
    },
  };
  return api;
}

/** A refusal's per-key messages as sent by the relay; anything else (an older server, a stray value) is dropped. */
function plainFields(v: unknown): Record<string, string> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const out: Record<string, string> = {};
  for (const [k, m] of Object.entries(v)) if (typeof m === 'string') out[k] = m;
  return Object.keys(out).length ? out : null;
}
