/**
 * The browser side of the dashboard's HTTP contract, without a browser: the session
 * (launch token traded once, kept in sessionStorage, stripped from the address bar), the
 * session header on every request, and the fetch()-read event stream with its parser,
 * refusals and backoff.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DASHBOARD_ROUTES, DASHBOARD_TOKEN_HEADER } from '../../contract/dashboard-http.js';
import type { ConnectionState } from '../../contract/ipc.js';
import { createSseParser } from '../../renderer/event-stream.js';
import { NO_SESSION, SESSION_STORAGE_KEY, openSession, takeTokenFromLocation } from '../../renderer/http-session.js';
import { createHttpApi } from '../../renderer/transport-http.js';
import { settingsErrors } from '../../renderer/bridge.js';
import { relayCommand, type RequestFn } from '../../agent/dashboard/relay.js';
import { AgentError } from '../../lib/client.js';

interface Call {
  url: string;
  init: RequestInit;
}

/** A Response whose body the test writes to, chunk by chunk, and may end. */
function streamResponse() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
  const enc = new TextEncoder();
  return {
    res: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    push: (text: string) => ctl.enqueue(enc.encode(text)),
    end: () => ctl.close(),
  };
}

const jsonResponse = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });

function memoryStorage(initial: Record<string, string> = {}) {
  const m = new Map(Object.entries(initial));
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), map: m };
}

describe('SSE parser', () => {
  it('splits frames across chunk boundaries, joins data lines, skips comments and CRLF', () => {
    const frames: Array<[string, string]> = [];
    const feed = createSseParser((e, d) => frames.push([e, d]));
    feed(': keepalive\n\nevent: sta');
    feed('tus\ndata: {"a":1}\n');
    expect(frames).toEqual([]);
    feed('\nevent: event\r\ndata: x\r\ndata: y\r\n\r\ndata: plain\n\n');
    expect(frames).toEqual([
      ['status', '{"a":1}'],
      ['event', 'x\ny'],
      ['message', 'plain'],
    ]);
  });
});

describe('HTTP transport: the session header', () => {
  it('sends every command and the connection query with the session header, never with cookies', async () => {
    const calls: Call[] = [];
    const fetchStub = async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init });
      return url === DASHBOARD_ROUTES.connection ? jsonResponse(200, { online: true }) : jsonResponse(200, { ok: true, data: { state: 'idle' } });
    };
    const api = createHttpApi({ token: 'S3SSION', fetch: fetchStub as typeof fetch });
    expect(await api.postpone(30)).toEqual({ ok: true, data: { state: 'idle' } });
    await api.getConnection();
    expect(calls.map((c) => c.url)).toEqual(['/api/POSTPONE', DASHBOARD_ROUTES.connection]);
    for (const c of calls) {
      expect((c.init.headers as Record<string, string>)[DASHBOARD_TOKEN_HEADER]).toBe('S3SSION');
      expect(c.init.credentials).toBe('omit');
    }
    expect(calls[0]!.init.body).toBe('{"minutes":30}');
  });
});

describe('HTTP transport: the live stream', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads frames from a fetch stream that carries the session header', async () => {
    const calls: Call[] = [];
    const s = streamResponse();
    const api = createHttpApi({
      token: 'S3SSION',
      fetch: (async (url: string, init: RequestInit) => (calls.push({ url, init }), s.res)) as typeof fetch,
    });
    const seen: unknown[] = [];
    const offC = api.onConnection((c) => void seen.push(['connection', c]));
    const offS = api.onStatus((st) => void seen.push(['status', st]));
    const offE = api.onEvent((e) => void seen.push(['event', e]));
    expect(calls).toHaveLength(1); // one stream for all listeners
    expect(calls[0]!.url).toBe(DASHBOARD_ROUTES.stream);
    expect((calls[0]!.init.headers as Record<string, string>)[DASHBOARD_TOKEN_HEADER]).toBe('S3SSION');
    s.push('event: connection\ndata: {"online":true}\n\nevent: status\ndata: {"state":"id');
    s.push('le"}\n\nevent: event\ndata: {"id":7}\n\nevent: status\ndata: {not json\n\n');
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(seen).toEqual([
      ['connection', { online: true }],
      ['status', { state: 'idle' }],
      ['event', { id: 7 }],
    ]);
    offC();
    offS();
    offE();
    expect((calls[0]!.init.signal as AbortSignal).aborted).toBe(true);
  });

  it("a stream refused (new token after a restart) shows the server's message and is retried with backoff", async () => {
    vi.useFakeTimers();
    const refusal = "this page's session is not known here (was `snooze dashboard` restarted?)";
    const fetched: string[] = [];
    let streams: ReturnType<typeof streamResponse>[] = [];
    let refuse = true;
    const fetchStub = async (url: string) => {
      fetched.push(url);
      if (url === DASHBOARD_ROUTES.connection || refuse) return jsonResponse(401, { ok: false, error: refusal, code: 'UNAUTHORIZED' });
      const s = streamResponse();
      streams.push(s);
      return s.res;
    };
    const api = createHttpApi({ token: 'old', fetch: fetchStub as typeof fetch });
    const seen: ConnectionState[] = [];
    const off = api.onConnection((c) => void seen.push(c));
    await vi.advanceTimersByTimeAsync(0);
    expect(fetched).toEqual([DASHBOARD_ROUTES.stream, DASHBOARD_ROUTES.connection]);
    expect(seen.at(-1)).toEqual({ online: false, error: refusal });

    await vi.advanceTimersByTimeAsync(999);
    expect(fetched.filter((u) => u === DASHBOARD_ROUTES.stream)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetched.filter((u) => u === DASHBOARD_ROUTES.stream)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1999); // backoff doubled
    expect(fetched.filter((u) => u === DASHBOARD_ROUTES.stream)).toHaveLength(2);

    // Back: frames flow again.
    refuse = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(streams).toHaveLength(1);
    streams[0]!.push('event: connection\ndata: {"online":true}\n\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.at(-1)).toEqual({ online: true });

    // The server goes away: said at once, retried after the reset backoff (1 s), nothing left once nobody listens.
    streams[0]!.end();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.at(-1)).toEqual({ online: false, error: 'the dashboard server is not answering' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(streams).toHaveLength(2);
    off();
    streams = [];
    await vi.advanceTimersByTimeAsync(60_000);
    expect(streams).toHaveLength(0);
  });
});

describe('dashboard session in the browser', () => {
  it('takes the launch token out of the address bar at once, keeping the rest', () => {
    const replaced: string[] = [];
    const hist = { state: null, replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) } as unknown as History;
    const token = takeTokenFromLocation({ href: 'http://127.0.0.1:8730/?token=LAUNCH&bench=1#settings' } as Location, hist);
    expect(token).toBe('LAUNCH');
    expect(replaced).toEqual(['/?bench=1#settings']);
    expect(takeTokenFromLocation({ href: 'http://127.0.0.1:8730/#history' } as Location, hist)).toBeNull();
    expect(replaced).toHaveLength(1);
  });

  it('trades the launch token for a session kept in sessionStorage, which a reload reuses', async () => {
    const storage = memoryStorage();
    const calls: Call[] = [];
    const fetchStub = async (url: string, init: RequestInit) => (calls.push({ url, init }), jsonResponse(200, { ok: true, data: { session: 'S1' } }));
    expect(await openSession('LAUNCH', { fetch: fetchStub as typeof fetch, storage })).toEqual({ token: 'S1' });
    expect(calls[0]!.url).toBe(DASHBOARD_ROUTES.session);
    expect(calls[0]!.init.method).toBe('POST');
    expect((calls[0]!.init.headers as Record<string, string>)[DASHBOARD_TOKEN_HEADER]).toBe('LAUNCH');
    expect(storage.map.get(SESSION_STORAGE_KEY)).toBe('S1');
    // The reload: no token in the address any more, no request needed.
    expect(await openSession(null, { fetch: fetchStub as typeof fetch, storage })).toEqual({ token: 'S1' });
    expect(calls).toHaveLength(1);
  });

  it("says how to get in when the link was used and this tab has no session; keeps a tab's own session", async () => {
    const used = async () => jsonResponse(410, { ok: false, error: 'this dashboard URL was already used', code: 'TOKEN_USED' });
    expect(await openSession('LAUNCH', { fetch: used as typeof fetch, storage: memoryStorage() })).toEqual({
      token: null,
      error: 'this dashboard URL was already used',
    });
    expect(await openSession(null, { storage: memoryStorage() })).toEqual({ token: null, error: NO_SESSION });
    const kept = memoryStorage({ [SESSION_STORAGE_KEY]: 'MINE' });
    expect(await openSession('LAUNCH', { fetch: used as typeof fetch, storage: kept })).toEqual({ token: 'MINE' });
  });
});

describe('HTTP transport: a refused save', () => {
  it("keeps the relay's per-field messages, so each lands on its field in the agent's words (not split from the sentence)", async () => {
    // The agent's reply as it is on the wire: a sentence naming the keys, and one message per key.
    const fields = {
      check_interval_seconds: 'Check interval must be a whole number of seconds (you entered 1.5)',
      cpu_threshold_percent: 'CPU threshold must be at most 100 % (you entered 150)',
    };
    const error = Object.entries(fields)
      .map(([k, m]) => `${k}: ${m}`)
      .join('; ');
    const req = (async () => {
      throw new AgentError(error, 'INVALID_PARAMS', fields);
    }) as RequestFn;
    const relayed = await relayCommand('/run/cs.sock', 'CONFIG_SET', { values: { cpu_threshold_percent: 150, check_interval_seconds: 1.5 } }, 1000, req);
    const api = createHttpApi({ token: 'S3SSION', fetch: (async () => jsonResponse(relayed.status, relayed.body)) as typeof fetch });
    const r = await api.setConfig({ cpu_threshold_percent: 150, check_interval_seconds: 1.5 });
    expect(r).toEqual({ ok: false, error, code: 'INVALID_PARAMS', fields });
    if (r.ok) return;
    expect(settingsErrors(r, ['cpu_threshold_percent', 'check_interval_seconds'], [])).toEqual(fields);
  });

  it('drops a malformed fields value rather than passing it on', async () => {
    const api = createHttpApi({ token: 'S3SSION', fetch: (async () => jsonResponse(200, { ok: false, error: 'no', code: 'INVALID_PARAMS', fields: ['x'] })) as typeof fetch });
    expect(await api.setConfig({ cpu_threshold_percent: 150 })).toEqual({ ok: false, error: 'no', code: 'INVALID_PARAMS' });
  });
});
