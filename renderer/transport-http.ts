/**
 * CloudSnoozeApi over HTTP, for the browser dashboard (`snooze dashboard`): commands
 * as POST /api/<COMMAND> with JSON params, pushes over one EventSource on
 * /api/stream. Same shapes as the Electron preload, so the renderer cannot tell.
 */
import type { ConfigPatch } from '../contract/config-schema.js';
import type { Command, CommandResults, HistoryEvent, Status } from '../contract/protocol.js';
import type { CloudSnoozeApi, ConnectionState, HistoryQuery, PushChannels, Result } from '../contract/ipc.js';

export const TOKEN_HEADER = 'X-CloudSnooze-Token';
const VIEWS = ['dashboard', 'settings', 'history'] as const;
type View = PushChannels['push:navigate'];

/**
 * The token the page was opened with (`?token=`), removed from the address bar so it
 * does not end up in bookmarks or screenshots. Later loads rely on the HttpOnly cookie
 * the server set on the first one.
 */
export function takeTokenFromLocation(loc: Location = window.location, hist: History = window.history): string | null {
  const url = new URL(loc.href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  url.searchParams.delete('token');
  hist.replaceState(hist.state, '', `${url.pathname}${url.search}${url.hash}`);
  return token;
}

type Listener<T> = (value: T) => void;

export interface HttpApiOptions {
  token?: string | null;
  /** Prefix of the API, default "/api". */
  base?: string;
}

export function createHttpApi(opts: HttpApiOptions = {}): CloudSnoozeApi {
  const base = opts.base ?? '/api';
  const token = opts.token ?? null;
  const statusL = new Set<Listener<Status>>();
  const eventL = new Set<Listener<HistoryEvent>>();
  const connL = new Set<Listener<ConnectionState>>();
  let source: EventSource | null = null;
  let last: ConnectionState = { online: false, error: 'connecting to the dashboard server' };

  const headers = (json: boolean): Record<string, string> => ({
    ...(json ? { 'Content-Type': 'application/json' } : {}),
    ...(token ? { [TOKEN_HEADER]: token } : {}),
  });

  async function readResult<T>(res: Response): Promise<Result<T>> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      return { ok: false, error: `the dashboard server answered ${res.status} ${res.statusText}`, code: 'PROTOCOL' };
    }
    const b = body as Partial<{ ok: boolean; data: T; error: string; code: string }>;
    if (b && b.ok === true) return { ok: true, data: b.data as T };
    return { ok: false, error: b?.error ?? `the dashboard server answered ${res.status}`, code: b?.code ?? 'PROTOCOL' };
  }

  async function call<C extends Command>(command: C, params: object = {}): Promise<Result<CommandResults[C]>> {
    try {
      const res = await fetch(`${base}/${command}`, {
        method: 'POST',
        headers: headers(true),
        body: JSON.stringify(params),
        credentials: 'same-origin',
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

  const parse = <T>(e: MessageEvent<string>, each: Set<Listener<T>>) => {
    let v: T;
    try {
      v = JSON.parse(e.data) as T;
    } catch {
      return;
    }
    for (const l of each) l(v);
  };

  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 30_000;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  // One stream for all listeners, opened on first use. EventSource reconnects by itself
  // after a network error, but gives up for good on an HTTP error (a 401 after
  // `snooze dashboard` restarted with a new token): then we ask the server why and retry.
  function ensureStream() {
    if (source || retryTimer) return;
    const url = token ? `${base}/stream?token=${encodeURIComponent(token)}` : `${base}/stream`;
    const es = new EventSource(url, { withCredentials: false });
    source = es;
    es.addEventListener('open', () => {
      retryMs = RETRY_MIN_MS;
    });
    es.addEventListener('status', (e) => parse(e, statusL));
    es.addEventListener('event', (e) => parse(e, eventL));
    es.addEventListener('connection', (e) => {
      try {
        emitConnection(JSON.parse((e as MessageEvent<string>).data) as ConnectionState);
      } catch {
        /* a malformed frame changes nothing */
      }
    });
    es.addEventListener('error', () => {
      if (source !== es) return;
      if (es.readyState !== EventSource.CLOSED) {
        // The stream itself broke: the dashboard server is gone (or restarting).
        emitConnection({ online: false, error: 'the dashboard server is not answering' });
        return;
      }
      es.close();
      source = null;
      const wait = retryMs;
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (statusL.size + eventL.size + connL.size > 0) ensureStream();
      }, wait);
      // The server's own words ("open the new URL …"), not a generic "reconnecting".
      void api.getConnection().then((c) => {
        if (!c.online) emitConnection(c);
        else emitConnection({ online: false, error: 'the dashboard server refused the live stream; retrying' });
      });
    });
  }

  function listen<T>(set: Set<Listener<T>>, cb: Listener<T>): () => void {
    set.add(cb);
    ensureStream();
    return () => {
      set.delete(cb);
      if (statusL.size + eventL.size + connL.size === 0) {
        source?.close();
        source = null;
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = null;
      }
    };
  }

  const api: CloudSnoozeApi = {
    getStatus: () => call('STATUS'),
    getConfig: () => call('CONFIG_GET'),
    setConfig: (values: ConfigPatch) => call('CONFIG_SET', { values }),
    async getHistory(query: HistoryQuery) {
      const r = await call('HISTORY', { ...query });
      return r.ok ? { ok: true, data: { events: r.data.events } } : r;
    },
    getSamples: (seconds: number) => call('SAMPLES', { seconds }),
    postpone: (minutes: number) => call('POSTPONE', { minutes }),
    stayAwake: (minutes?: number, reason?: string) =>
      call('STAY_AWAKE', { ...(minutes !== undefined ? { minutes } : {}), ...(reason !== undefined ? { reason } : {}) }),
    release: () => call('RELEASE'),
    async getConnection() {
      try {
        const res = await fetch(`${base}/connection`, { headers: headers(false), credentials: 'same-origin', cache: 'no-store' });
        const r = (await res.json()) as ConnectionState | { ok: false; error: string };
        if ('online' in r) return r;
        return { online: false, error: r.error };
      } catch (err) {
        return { online: false, error: `the dashboard server is not answering (${(err as Error).message})` };
      }
    },
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
