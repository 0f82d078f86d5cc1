/**
 * A webhook receiver that answers maliciously, against the real POST (agent/notify/webhook.ts)
 * and the real notifier: the agent is root and long-lived, so an endless, slow, huge or
 * redirecting reply must cost it one bounded attempt, and what the receiver says must reach
 * logs and STATUS inert and short.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from '../../agent/notify/webhook.js';
import { Notifier } from '../../agent/notify/notifier.js';
import type { HistoryEvent } from '../../contract/protocol.js';

const servers: (Server | HttpServer)[] = [];
const sockets = new Set<Socket>();

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A raw TCP receiver: `onRequest` gets the socket once the request's head has arrived. */
async function raw(onRequest: (s: Socket) => void): Promise<{ url: string; closed: Promise<void>[] }> {
  const closed: Promise<void>[] = [];
  const srv = createServer((s) => {
    sockets.add(s);
    closed.push(new Promise((r) => s.once('close', () => r())));
    s.on('error', () => undefined);
    let head = '';
    s.on('data', (c) => {
      if (head.includes('\r\n\r\n')) return;
      head += c.toString('latin1');
      if (head.includes('\r\n\r\n')) onRequest(s);
    });
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const a = srv.address() as { port: number };
  return { url: `http://127.0.0.1:${a.port}/hook`, closed };
}

const elapsed = async (p: Promise<unknown>) => {
  const t = Date.now();
  const r = await p.then(
    () => null,
    (e: Error) => e,
  );
  return { ms: Date.now() - t, err: r };
};

describe('webhook POST against a malicious receiver', () => {
  it('an endless 200 body is not read: the POST resolves at the status line and the connection is dropped', async () => {
    let sent = 0;
    const { url, closed } = await raw((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `100000\r\n${'A'.repeat(0x100000)}\r\n`;
      const pump = () => {
        while (s.writable && sent < 2_000_000_000 && s.write(chunk)) sent += 0x100000;
        if (s.writable) s.once('drain', pump);
      };
      pump();
    });
    const r = await elapsed(postJson(url, '{}', 5_000));
    expect(r.err).toBeNull();
    await Promise.race([Promise.all(closed), new Promise((_, rej) => setTimeout(() => rej(new Error('receiver connection still open')), 2_000))]);
    // The receiver could push only what socket buffers hold before the agent hung up.
    expect(sent).toBeLessThan(64 * 0x100000);
  });

  it('a receiver that never answers, or drips its headers, is cut at the deadline', async () => {
    const silent = await raw(() => undefined);
    const a = await elapsed(postJson(silent.url, '{}', 400));
    expect(a.err?.message).toMatch(/no answer within/);
    expect(a.ms).toBeLessThan(2_000);
    const drip = await raw((s) => {
      const head = 'HTTP/1.1 200 OK\r\nX-Slow: ';
      let i = 0;
      const t = setInterval(() => (s.writable ? s.write(head[i++ % head.length]!) : clearInterval(t)), 50);
      s.once('close', () => clearInterval(t));
    });
    const b = await elapsed(postJson(drip.url, '{}', 400));
    expect(b.err?.message).toMatch(/no answer within/);
    expect(b.ms).toBeLessThan(2_000);
  });

  it('oversized headers are refused by the parser, not buffered', async () => {
    const { url } = await raw((s) => {
      s.write(`HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(1_000_000)}\r\n\r\n`);
    });
    const r = await elapsed(postJson(url, '{}', 5_000));
    expect(r.err).not.toBeNull();
    expect(r.ms).toBeLessThan(3_000);
  });

  it('a redirect is a failure, never followed (root is not steered to another address)', async () => {
    let visited = false;
    const other = createHttpServer((_req, res) => {
      visited = true;
      res.end();
    });
    servers.push(other);
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(other.address() as { port: number }).port}/`;
    const { url } = await raw((s) => s.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${target}\r\nContent-Length: 0\r\n\r\n`));
    const r = await elapsed(postJson(url, '{}', 2_000));
    expect(r.err?.message).toMatch(/HTTP 307/);
    await new Promise((res) => setTimeout(res, 100));
    expect(visited).toBe(false);
  });

  it('what the receiver says (status text with escapes, bidi, 4 KB) reaches the log and last_error inert and cut', async () => {
    const evil = `\u001b]0;pwned\u0007\u001b[2J\u202e${'x'.repeat(4000)}`;
    const { url } = await raw((s) => s.end(`HTTP/1.1 500 ${Buffer.from(evil, 'utf8').toString('latin1')}\r\nContent-Length: 0\r\n\r\n`));
    const logs: string[] = [];
    const n = new Notifier({
      config: { webhook_url: url, sns_topic_arn: '', events: ['stop'] },
      log: (_l, m) => logs.push(m),
      limits: { windowMs: 0, attemptTimeoutMs: 2_000 },
    });
    const ev: HistoryEvent = { id: 1, time: '2026-01-01T00:00:00Z', type: 'stop', message: 'Stopped' };
    n.offer(ev, { instance: { id: 'i-1', type: 't3.micro', region: 'us-east-1', source: 'ec2' } as never, name: null, metrics: null });
    await n.idle();
    const st = n.stats().webhook;
    expect(st.failed).toBe(1);
    for (const text of [...logs, st.last_error ?? '']) {
      // eslint-disable-next-line no-control-regex -- looking for what must not be there
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(text.length).toBeLessThan(600);
    }
    n.close();
  });
});
