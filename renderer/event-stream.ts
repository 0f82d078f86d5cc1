/**
 * Reads the dashboard's server-sent events with fetch() rather than EventSource:
 * EventSource cannot send headers, and the session token must travel in one (a query
 * string would land in logs and history, a cookie would reach other local ports).
 */

/** Splits `text/event-stream` text into (event, data) frames; chunks may end mid-frame. */
export function createSseParser(onFrame: (event: string, data: string) => void): (chunk: string) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue; // comments are keepalives
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) onFrame(event, data.join('\n'));
    }
  };
}

/** Why a stream ended: refused by the server (an HTTP status), broken (network, server gone) or closed by us. */
export type StreamEnd = { kind: 'refused'; status: number } | { kind: 'broken'; error: string } | { kind: 'aborted' };

export interface StreamHandlers {
  /** The server accepted the stream. */
  onOpen(): void;
  onFrame(event: string, data: string): void;
}

/** Reads one stream until it ends; never throws. */
export async function readEventStream(
  url: string,
  headers: Record<string, string>,
  handlers: StreamHandlers,
  signal: AbortSignal,
  fetchFn: typeof fetch = fetch,
): Promise<StreamEnd> {
  try {
    const res = await fetchFn(url, { headers: { Accept: 'text/event-stream', ...headers }, credentials: 'omit', cache: 'no-store', signal });
    if (!res.ok || !res.body) {
      void res.body?.cancel().catch(() => {});
      return { kind: 'refused', status: res.status };
    }
    handlers.onOpen();
    const parse = createSseParser(handlers.onFrame);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { kind: 'broken', error: 'the dashboard server closed the stream' };
      parse(decoder.decode(value, { stream: true }));
    }
  } catch (err) {
    if (signal.aborted) return { kind: 'aborted' };
    return { kind: 'broken', error: (err as Error).message };
  }
}
