import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SubscriptionHandlers } from '../../lib/client.js';
import { AgentError } from '../../lib/client.js';
import { AgentConnection, probeSocket, startInputReporter, type ProbeResult } from '../../electron/agent-connection.js';
import { agentPaths, bundledAgentArgs, ensureUserConfig } from '../../electron/agent-paths.js';
import type { ConnectionState } from '../../contract/ipc.js';
import { status } from '../helpers/status-fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cs-conn-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('probeSocket', () => {
  it('ok when something answers STATUS, absent when nothing listens', async () => {
    const sock = path.join(dir, 'probe.sock');
    const server = net.createServer((c) => c.on('data', () => c.end(`${JSON.stringify({ success: true, data: status() })}\n`)));
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      expect(await probeSocket(sock)).toBe('ok');
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await probeSocket(path.join(dir, 'nothing.sock'))).toBe('absent');
  });

  it('a listener that never answers, or a socket file that refuses, is unresponsive (not absent)', async () => {
    const sock = path.join(dir, 'mute.sock');
    const server = net.createServer(() => undefined);
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      expect(await probeSocket(sock, 200)).toBe('unresponsive');
    } finally {
      server.close();
    }
    const stale = path.join(dir, 'stale.sock');
    writeFileSync(stale, '');
    expect(await probeSocket(stale, 200)).toBe('unresponsive');
  });
});

function connection(probes: Record<string, ProbeResult>) {
  const subscribed: string[] = [];
  const conn: ConnectionState[] = [];
  let handlers: SubscriptionHandlers | undefined;
  const bundled = { start: vi.fn(async () => undefined), stop: vi.fn(async () => undefined) };
  const c = new AgentConnection({
    systemSocket: '/var/run/cloudsnooze.sock',
    userSocket: '/run/user/1000/cloudsnooze.sock',
    probe: async (s) => probes[s] ?? 'absent',
    subscribe: (s, h) => {
      subscribed.push(s);
      handlers = h;
      return { close: () => undefined, online: false };
    },
    request: (async (socketPath: string, command: string) => ({ socketPath, command })) as never,
    bundled,
    onStatus: () => undefined,
    onEvent: () => undefined,
    onConnection: (s) => void conn.push(s),
  });
  return { c, subscribed, conn, bundled, handlers: () => handlers! };
}

describe('AgentConnection: which agent', () => {
  it('the system agent wins when it answers; no bundled agent is started', async () => {
    const t = connection({ '/var/run/cloudsnooze.sock': 'ok', '/run/user/1000/cloudsnooze.sock': 'ok' });
    expect(await t.c.start()).toBe('system');
    expect(t.subscribed).toEqual(['/var/run/cloudsnooze.sock']);
    expect(t.bundled.start).not.toHaveBeenCalled();
    await t.c.stop();
    expect(t.bundled.stop).not.toHaveBeenCalled();
  });

  it('a system agent that refuses us is still the system agent: never a second agent beside it', async () => {
    const t = connection({ '/var/run/cloudsnooze.sock': 'denied' });
    expect(await t.c.start()).toBe('system');
    expect(t.bundled.start).not.toHaveBeenCalled();
  });

  it('adopts a per-user agent that already answers', async () => {
    const t = connection({ '/run/user/1000/cloudsnooze.sock': 'ok' });
    expect(await t.c.start()).toBe('user-existing');
    expect(t.subscribed).toEqual(['/run/user/1000/cloudsnooze.sock']);
    expect(t.bundled.start).not.toHaveBeenCalled();
  });

  it('starts the bundled agent when nothing answers, and stops it on stop()', async () => {
    const t = connection({});
    expect(await t.c.start()).toBe('bundled');
    expect(t.bundled.start).toHaveBeenCalledOnce();
    expect(t.subscribed).toEqual(['/run/user/1000/cloudsnooze.sock']);
    expect(await t.c.request('STATUS')).toEqual({ socketPath: '/run/user/1000/cloudsnooze.sock', command: 'STATUS' });
    await t.c.stop();
    expect(t.bundled.stop).toHaveBeenCalledOnce();
  });

  it('connection state follows the subscription: offline with the reason, then online', async () => {
    const t = connection({ '/var/run/cloudsnooze.sock': 'ok' });
    expect(t.c.connection.online).toBe(false);
    await t.c.start();
    t.handlers().onOffline!(new AgentError('the agent closed the connection', 'NOT_RUNNING'));
    t.handlers().onOnline!();
    expect(t.conn).toEqual([{ online: false, error: 'the agent closed the connection' }, { online: true }]);
    expect(t.c.connection).toEqual({ online: true });
  });

  it('a bundled agent that cannot be started: offline with the reason, not "connecting" forever', async () => {
    const t = connection({});
    t.bundled.start.mockRejectedValueOnce(new Error('socket path longer than 100 bytes'));
    await expect(t.c.start()).rejects.toThrow(/longer than 100 bytes/);
    const want = { online: false, error: 'could not start the bundled agent: socket path longer than 100 bytes' };
    expect(t.c.connection).toEqual(want);
    expect(t.conn).toEqual([want]);
  });

  it('requests before an agent is chosen fail clearly', async () => {
    const t = connection({});
    await expect(t.c.request('STATUS')).rejects.toThrow(/still looking for the agent/);
  });
});

/** A tiny agent: answers STATUS and SUBSCRIBE on a real Unix socket. */
async function fakeAgent(socketPath: string, mode: 'system' | 'bundled') {
  const conns = new Set<net.Socket>();
  const server = net.createServer((c) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
    let buf = '';
    c.on('data', (d) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const req = JSON.parse(buf.slice(0, i)) as { command: string };
        buf = buf.slice(i + 1);
        const data = req.command === 'SUBSCRIBE' ? { subscribed: true } : status({ version: mode });
        c.write(`${JSON.stringify({ success: true, data })}\n`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  return {
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.destroy();
        server.close(() => r());
      }),
  };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, f: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await wait(20);
  }
}

describe('AgentConnection with real sockets: never two agents', () => {
  function realConnection(name: string, over: { systemRetryDelaysMs?: number[]; systemRecheckMs?: number; startDelayMs?: number } = {}) {
    const sub = path.join(dir, name);
    mkdirSync(sub, { recursive: true });
    const systemSocket = path.join(sub, 'system.sock');
    const userSocket = path.join(sub, 'user.sock');
    const versions: string[] = [];
    let bundledAgent: Awaited<ReturnType<typeof fakeAgent>> | null = null;
    const bundled = {
      start: vi.fn(async () => {
        if (over.startDelayMs) await wait(over.startDelayMs);
        bundledAgent = await fakeAgent(userSocket, 'bundled');
      }),
      stop: vi.fn(async () => {
        await bundledAgent?.close();
        bundledAgent = null;
      }),
    };
    const c = new AgentConnection({
      systemSocket,
      userSocket,
      systemRetryDelaysMs: over.systemRetryDelaysMs ?? [50, 100, 200],
      systemRecheckMs: over.systemRecheckMs ?? 60_000,
      bundled,
      onStatus: (s) => void versions.push(s.version),
      onEvent: () => undefined,
      onConnection: () => undefined,
    });
    return { c, bundled, systemSocket, userSocket, versions, bundledRunning: () => bundledAgent !== null };
  }

  it('a system socket that refuses while its agent restarts: retried, and no bundled agent starts', async () => {
    const t = realConnection('restart');
    writeFileSync(t.systemSocket, ''); // the old agent's file, refusing connections
    let system: Awaited<ReturnType<typeof fakeAgent>> | undefined;
    const restarted = (async () => {
      await wait(80);
      rmSync(t.systemSocket);
      system = await fakeAgent(t.systemSocket, 'system');
    })();
    try {
      expect(await t.c.start()).toBe('system');
      expect(t.bundled.start).not.toHaveBeenCalled();
      await until('the system status', () => t.versions.includes('system'));
    } finally {
      await t.c.stop();
      await restarted;
      await system?.close();
    }
  });

  it('a system socket file that keeps refusing is given up on after the retries', async () => {
    const t = realConnection('stale');
    writeFileSync(t.systemSocket, '');
    try {
      expect(await t.c.start()).toBe('bundled');
      expect(t.bundled.start).toHaveBeenCalledOnce();
    } finally {
      await t.c.stop();
    }
    expect(t.bundled.stop).toHaveBeenCalledOnce();
  });

  it('while the bundled agent runs, a system agent that appears takes over and ours stops', async () => {
    const t = realConnection('takeover', { systemRecheckMs: 100 });
    let system: Awaited<ReturnType<typeof fakeAgent>> | undefined;
    try {
      expect(await t.c.start()).toBe('bundled');
      await until('the bundled status', () => t.versions.includes('bundled'));
      system = await fakeAgent(t.systemSocket, 'system');
      await until('the switch to the system agent', () => t.versions.includes('system') && !t.bundledRunning());
      expect(t.c.socketPath).toBe(t.systemSocket);
      expect(t.bundled.stop).toHaveBeenCalledOnce();
      expect(await t.c.request('STATUS')).toMatchObject({ version: 'system' });
    } finally {
      await t.c.stop();
      await system?.close();
    }
    expect(t.bundled.stop).toHaveBeenCalledOnce();
  });

  it('quit during the probes: the bundled agent is never started', async () => {
    const t = realConnection('quit-probe');
    writeFileSync(t.systemSocket, '');
    const started = t.c.start();
    await wait(20);
    await t.c.stop();
    await started;
    expect(t.bundled.start).not.toHaveBeenCalled();
  });

  it('quit while the bundled agent is starting: stop() waits for it and stops it', async () => {
    const t = realConnection('quit-start', { startDelayMs: 150 });
    const started = t.c.start();
    await until('the bundled start', () => t.bundled.start.mock.calls.length > 0);
    await t.c.stop();
    expect(t.bundled.stop).toHaveBeenCalledOnce();
    expect(await started).toBe('bundled');
    expect(t.bundledRunning()).toBe(false);
    expect(t.versions).toEqual([]);
  });
});

describe('per-user agent paths', () => {
  it('XDG runtime dir for the socket, XDG config/state for config and history; packaged agent under resources', () => {
    const p = agentPaths({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, home: '/home/u', isPackaged: true, resourcesPath: '/opt/CloudSnooze/resources', appRoot: '/x' });
    expect(p).toEqual({
      systemSocket: '/var/run/cloudsnooze.sock',
      userSocket: '/run/user/1000/cloudsnooze.sock',
      userConfig: '/home/u/.config/cloudsnooze/snooze.json',
      userHistory: '/home/u/.local/state/cloudsnooze/history.jsonl',
      bundledAgent: '/opt/CloudSnooze/resources/agent/snoozed.js',
      dryRun: false,
    });
    const dev = agentPaths({ env: { CLOUDSNOOZE_SOCKET: '/tmp/s.sock' }, home: '/home/u', isPackaged: false, resourcesPath: '', appRoot: '/src/cs' });
    expect(dev.systemSocket).toBe('/tmp/s.sock');
    expect(dev.userSocket).toBe('/home/u/.cache/cloudsnooze/agent.sock');
    expect(dev.bundledAgent).toBe('/src/cs/dist/agent/snoozed.js');
    // From a checkout (npm start): always a dry run.
    expect(bundledAgentArgs(dev)).toEqual(['/src/cs/dist/agent/snoozed.js', '--config', '/home/u/.config/cloudsnooze/snooze.json', '--socket', '/home/u/.cache/cloudsnooze/agent.sock', '--dry-run']);
  });

  it('ensureUserConfig creates the config with per-user paths, keeps what the user set, leaves a broken file alone', async () => {
    const home = path.join(dir, 'home');
    const p = agentPaths({ env: {}, home, isPackaged: false, resourcesPath: '', appRoot: dir });
    await ensureUserConfig(p);
    expect(JSON.parse(readFileSync(p.userConfig, 'utf8'))).toEqual({ socket_path: p.userSocket, history_path: p.userHistory });
    expect(statSync(p.userConfig).mode & 0o777).toBe(0o600);
    expect(existsSync(path.dirname(p.userSocket))).toBe(true);

    writeFileSync(p.userConfig, JSON.stringify({ naptime_minutes: 45, history_path: '/data/h.jsonl' }));
    await ensureUserConfig(p);
    expect(JSON.parse(readFileSync(p.userConfig, 'utf8'))).toEqual({ naptime_minutes: 45, history_path: '/data/h.jsonl', socket_path: p.userSocket });

    writeFileSync(p.userConfig, '{ not json');
    await ensureUserConfig(p);
    expect(readFileSync(p.userConfig, 'utf8')).toBe('{ not json');
  });

  it('refuses a socket path too long for a Unix socket', async () => {
    const p = agentPaths({ env: { XDG_RUNTIME_DIR: `/run/${'x'.repeat(100)}` }, home: dir, isPackaged: false, resourcesPath: '', appRoot: dir });
    await expect(ensureUserConfig(p)).rejects.toThrow(/longer than 100 bytes/);
  });
});

describe('input reporter', () => {
  it('sends the desktop idle time every 5 s while online, nothing while offline, and survives failures', async () => {
    vi.useFakeTimers();
    try {
      let online = true;
      let idle = 12.7;
      const sent: number[] = [];
      const stop = startInputReporter({
        getIdleSeconds: () => idle,
        isOnline: () => online,
        send: async (r) => {
          sent.push(r.idle_secs);
          if (r.idle_secs === 99) throw new Error('agent busy');
        },
      });
      vi.advanceTimersByTime(4999);
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(sent).toEqual([12]);
      idle = 99;
      vi.advanceTimersByTime(5000);
      online = false;
      vi.advanceTimersByTime(10_000);
      online = true;
      idle = 0;
      vi.advanceTimersByTime(5000);
      expect(sent).toEqual([12, 99, 0]);
      stop();
      vi.advanceTimersByTime(20_000);
      expect(sent).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
