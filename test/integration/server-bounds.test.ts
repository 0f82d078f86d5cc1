/**
 * The socket server module on its own, with small limits so each bound is reached in
 * milliseconds: two listeners with separate budgets (the privileged one is root's), the
 * change budget, the silence timer, backpressure, the global unsent cap and shutdown.
 */
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, PRIVILEGED_LISTENER, SocketServer, type HandlerTable, type ServerLimits } from '../../agent/server.js';
import { eventually, sleep } from '../helpers/abuse.js';
import { tempDir } from '../helpers/agent.js';

const calls = { status: 0 };
const BIG = 'x'.repeat(300 * 1024);

const handlers = {
  STATUS: () => {
    calls.status++;
    return { state: 'idle', pad: 'p'.repeat(1000) };
  },
  // A slow command: the agent's own time, which must not count against the client.
  CONFIG_GET: async () => {
    await sleep(60);
    return { slow: true };
  },
  SAMPLES: () => ({ samples: [BIG] }),
  SUBSCRIBE: (_p: unknown, conn: { subscribe(): void }) => {
    conn.subscribe();
    return { subscribed: true };
  },
  POSTPONE: (_p: unknown, conn: { privileged: boolean }) => ({ privileged: conn.privileged }),
  CONFIG_SET: () => ({ saved: true }),
} as unknown as HandlerTable;

const servers: SocketServer[] = [];
const socks: net.Socket[] = [];
afterEach(async () => {
  for (const s of socks.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(limits: Partial<ServerLimits> = {}, publicLimits = { maxConnections: 8, maxSubscribers: 3 }) {
  const dir = tempDir('cs-srv-');
  const server = new SocketServer(handlers, () => undefined, { ...DEFAULT_LIMITS, ...limits });
  servers.push(server);
  const pub = path.join(dir, 'public.sock');
  const root = path.join(dir, 'root.sock');
  await server.listen(pub, { privileged: false, ...publicLimits });
  await server.listen(root, PRIVILEGED_LISTENER);
  return { server, pub, root };
}

/** A client that collects reply lines. */
function client(socketPath: string, read = true) {
  const lines: string[] = [];
  let buf = '';
  let closed = false;
  const s = net.createConnection(socketPath);
  socks.push(s);
  s.on('error', () => undefined);
  s.on('close', () => (closed = true));
  if (read)
    s.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  const send = (command: string, params: object = {}) => s.write(`${JSON.stringify({ command, params })}\n`);
  const reply = async (n: number, timeoutMs = 3000) => {
    if (!(await eventually(() => lines.length >= n || closed, timeoutMs, 10)) || lines.length < n) {
      throw new Error(`expected ${n} replies, got ${lines.length}${closed ? ' (closed)' : ''}: ${lines.join(' | ').slice(0, 300)}`);
    }
    return JSON.parse(lines[n - 1]!) as { success: boolean; data?: Record<string, unknown>; code?: string; error?: string };
  };
  return { s, lines, send, reply, isClosed: () => closed };
}

describe('socket server bounds (module)', () => {
  it('keeps the privileged listener answering while the public one is full of clients and subscribers', async () => {
    const { server, pub, root } = await serve();
    const subs = Array.from({ length: 5 }, () => client(pub));
    for (const c of subs) c.send('SUBSCRIBE');
    const subReplies = await Promise.all(subs.map((c) => c.reply(1)));
    expect(subReplies.filter((r) => r.success).length).toBe(3);
    expect(subReplies.filter((r) => r.code === 'BUSY').length).toBe(2);
    expect(server.subscriberCount).toBe(3);
    // A refused subscriber is closed; the accepted ones have left the connection budget.
    expect(await eventually(() => server.connectionCount === 3, 2000)).toBe(true);
    const held = Array.from({ length: 8 }, () => client(pub));
    for (const c of held) c.send('STATUS');
    expect((await Promise.all(held.map((c) => c.reply(1)))).every((r) => r.success)).toBe(true);

    const outsider = client(pub);
    outsider.send('STATUS');
    expect((await outsider.reply(1)).code).toBe('BUSY');

    const admin = client(root);
    admin.send('STATUS');
    expect((await admin.reply(1)).success).toBe(true);
    admin.send('POSTPONE', { minutes: 5 });
    expect((await admin.reply(2)).data).toEqual({ privileged: true });
    const adminSub = client(root);
    adminSub.send('SUBSCRIBE');
    expect((await adminSub.reply(1)).success).toBe(true);
    server.broadcast({ frame: 'status', data: { state: 'idle' } as never });
    expect((await adminSub.reply(2)).success).toBeUndefined();
  });

  it('limits history-writing commands on the public listener only, holds apart from settings, with a clear BUSY reply', async () => {
    const { pub, root } = await serve({ changesBurst: 3, changesPerMinute: 1 }, { maxConnections: 8, maxSubscribers: 3 });
    const c = client(pub);
    for (let i = 0; i < 5; i++) c.send('POSTPONE', { minutes: 5 });
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => c.reply(n)));
    expect(replies.map((r) => r.success)).toEqual([true, true, true, false, false]);
    expect(replies[3]!.error).toMatch(/too many holds and releases.*try again in \d+ s/);
    // Settings are not a member's to change at all: refused as FORBIDDEN, not as BUSY, whatever the budget.
    c.send('CONFIG_SET', { values: { naptime_minutes: 10 } });
    expect(await c.reply(6)).toMatchObject({ success: false, code: 'FORBIDDEN' });
    const admin = client(root);
    for (let i = 0; i < 5; i++) admin.send('POSTPONE', { minutes: 5 });
    expect((await admin.reply(5)).success).toBe(true);
  });

  it('times the client’s silence, not the queue: slow pipelined work is answered; a stalled request is cut', async () => {
    const { pub } = await serve({ requestWaitMs: 300 });
    // Ten slow requests (600 ms of the agent's time) sent at once.
    const busy = client(pub);
    for (let i = 0; i < 10; i++) busy.send('CONFIG_GET');
    expect((await busy.reply(10)).success).toBe(true);
    expect(busy.lines.every((l) => JSON.parse(l).success)).toBe(true);

    // A request sent a byte every 100 ms for a second: slow, never silent for 300 ms.
    const dribble = client(pub);
    const req = '{"command":"STATUS","params":{}}';
    for (const ch of req.match(/.{1,4}/g)!) {
      dribble.s.write(ch);
      await sleep(100);
    }
    expect((await dribble.reply(1)).success).toBe(true);

    // Half a request, then silence.
    const stalled = client(pub);
    stalled.s.write('{"command":"STA');
    const t0 = performance.now();
    const r = await stalled.reply(1, 2000);
    expect(r.code).toBe('TIMEOUT');
    expect(r.error).toMatch(/incomplete/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('stops reading a client that does not read its replies, and catches up in order once it does', async () => {
    const { pub } = await serve();
    calls.status = 0;
    const c = client(pub, false);
    await new Promise((r) => c.s.once('connect', r));
    const n = 5000;
    c.s.write(`${'{"command":"STATUS"}\n'.repeat(n)}`);
    await sleep(500);
    // ~1 KB replies: the socket buffers plus 64 KiB unsent and 32 in flight, not 5000.
    expect(calls.status).toBeLessThan(1000);
    let got = 0;
    let buf = '';
    await new Promise<void>((resolve) => {
      c.s.on('data', (d) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          expect(JSON.parse(buf.slice(0, i)).success).toBe(true);
          buf = buf.slice(i + 1);
          if (++got === n) resolve();
        }
      });
    });
    expect(calls.status).toBe(n);
  });

  it('keeps the reply bytes held for non-reading clients under the global cap', async () => {
    const { server, pub } = await serve({ maxUnsentTotalBytes: 1024 * 1024 });
    const hogs = Array.from({ length: 6 }, () => client(pub, false));
    for (const h of hogs) for (let i = 0; i < 3; i++) h.send('SAMPLES');
    await sleep(500);
    // Six clients would hold ~5 MB between them; one big reply may pass the cap, no more.
    expect(server.unsentBytes()).toBeLessThanOrEqual(1024 * 1024 + BIG.length + 100);
    // A client that reads still gets a big reply, or a clear BUSY while the hogs hold the budget.
    const reader = client(pub);
    reader.send('SAMPLES');
    const r = await reader.reply(1);
    expect(r.success || r.code === 'BUSY').toBe(true);
  });

  it('destroys refused connections on a short timer even when the client holds them open', async () => {
    const { pub } = await serve({ refusedLingerMs: 200 }, { maxConnections: 2, maxSubscribers: 1 });
    const held = [client(pub), client(pub)];
    for (const c of held) c.send('STATUS');
    await Promise.all(held.map((c) => c.reply(1)));
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const refused = Array.from({ length: 20 }, () => client(pub, false));
    await eventually(() => fds() >= before + 40, 1000, 10);
    // The clients' 20 ends stay open; the server's 20 ends are gone.
    expect(await eventually(() => fds() <= before + 20, 1500, 20)).toBe(true);
    expect(refused.every((c) => !c.s.destroyed)).toBe(true);
  });

  it('closes promptly whatever the clients do', async () => {
    const { server, pub, root } = await serve({}, { maxConnections: 50, maxSubscribers: 5 });
    const all = [...Array.from({ length: 60 }, () => client(pub, false)), client(root, false)];
    for (const c of all.slice(0, 10)) c.send('SUBSCRIBE');
    for (const c of all.slice(10, 20)) c.s.write('{"command":"STATUS"}\n'.repeat(5000));
    await sleep(300);
    const t0 = performance.now();
    await server.close();
    servers.length = 0;
    expect(performance.now() - t0).toBeLessThan(1000);
    const late = client(pub);
    expect(await eventually(() => late.isClosed(), 1000)).toBe(true);
  });
});
