/**
 * The Unix-socket server: framing, limits, validation and dispatch to a table of
 * command handlers. It never lets one client's bad input or slowness reach another.
 */
import net from 'node:net';
import { z } from 'zod';
import { describeZodError, ConfigError } from '../contract/config-schema.js';
import { JsonFramer, type Frame as RequestFrame } from './json-framer.js';
import {
  commandParams,
  MAX_CONNECTIONS,
  MAX_REQUEST_BYTES,
  REQUEST_WAIT_MS,
  requestEnvelope,
  type Command,
  type CommandResults,
  type ErrorCode,
  type Frame,
  type Params,
} from '../contract/protocol.js';
import type { LogFn } from './log.js';

export interface Connection {
  readonly id: number;
  /** Turns this connection into a frame stream (SUBSCRIBE). */
  subscribe(): void;
}

export type Handler<C extends Command> = (params: Params<C>, conn: Connection) => Promise<CommandResults[C]> | CommandResults[C];
export type HandlerTable = { [C in Command]: Handler<C> };

/** A handler throws this for a clean error reply. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
  }
}

export interface ServerLimits {
  maxRequestBytes: number;
  maxConnections: number;
  requestWaitMs: number;
  /** A subscriber this far behind is dropped rather than buffered without bound. */
  maxSubscriberBacklogBytes: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxRequestBytes: MAX_REQUEST_BYTES,
  maxConnections: MAX_CONNECTIONS,
  requestWaitMs: REQUEST_WAIT_MS,
  maxSubscriberBacklogBytes: 1024 * 1024,
};

const knownCommands = new Set<string>(Object.keys(commandParams));

/** What `{}` parses to for each command that takes no required params: the common case skips zod. */
const EMPTY_PARAMS = new Map<string, unknown>(
  Object.entries(commandParams).flatMap(([cmd, schema]) => {
    const r = (schema as z.ZodType).safeParse({});
    return r.success ? [[cmd, r.data] as const] : [];
  }),
);

function isEmptyObject(v: unknown): boolean {
  if (v === undefined) return true;
  for (const _k in v as object) return false;
  return true;
}

function errorLine(error: string, code: ErrorCode): string {
  return `${JSON.stringify({ success: false, error, code })}\n`;
}

interface ConnState {
  sock: net.Socket;
  openedAt: number;
  /** Completed at least one request: an active client, not a slow-loris. */
  served: boolean;
  framer: JsonFramer;
  queue: Promise<void>;
  subscribed: boolean;
  waitTimer: NodeJS.Timeout | null;
  garbageTimer: NodeJS.Timeout | null;
}

export class SocketServer {
  private server: net.Server | null = null;
  private conns = new Map<number, ConnState>();
  private nextId = 1;

  constructor(
    private readonly handlers: HandlerTable,
    private readonly log: LogFn,
    private readonly limits: ServerLimits = DEFAULT_LIMITS,
  ) {}

  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      // Half-open so a client that shuts down its side after a truncated request still gets an answer.
      const server = net.createServer({ allowHalfOpen: true }, (sock) => this.accept(sock));
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log('error', `socket server: ${err.message}`));
        this.server = server;
        resolve();
      });
    });
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  get subscriberCount(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.subscribed) n++;
    return n;
  }

  /** Sends a frame to every subscriber; slow ones are dropped. */
  broadcast(frame: Frame): void {
    let line: string | null = null;
    for (const c of this.conns.values()) {
      if (!c.subscribed || c.sock.destroyed) continue;
      if (c.sock.writableLength > this.limits.maxSubscriberBacklogBytes) {
        this.log('warn', `socket: dropping subscriber #${this.idOf(c)}: it is not reading`);
        c.sock.destroy();
        continue;
      }
      line ??= `${JSON.stringify(frame)}\n`;
      c.sock.write(line);
    }
  }

  private idOf(c: ConnState): number {
    for (const [id, v] of this.conns) if (v === c) return id;
    return 0;
  }

  private accept(sock: net.Socket): void {
    sock.on('error', () => sock.destroy());
    if (this.conns.size >= this.limits.maxConnections && !this.evictOldestIdle()) {
      sock.end(errorLine('too many connections to the agent; try again shortly', 'BUSY'));
      return;
    }
    const id = this.nextId++;
    const st: ConnState = {
      sock,
      openedAt: Date.now(),
      served: false,
      framer: new JsonFramer(),
      queue: Promise.resolve(),
      subscribed: false,
      waitTimer: null,
      garbageTimer: null,
    };
    this.conns.set(id, st);
    sock.setEncoding('utf8');
    this.armWait(st);
    sock.on('data', (chunk: string) => this.onData(id, st, chunk));
    sock.on('end', () => {
      // The client is done sending: answer what is left, then close our side.
      if (st.garbageTimer) clearTimeout(st.garbageTimer);
      const rest = st.framer.flushGarbage();
      if (rest) this.enqueue(id, st, rest);
      else if (st.framer.pending > 0) this.enqueue(id, st, { kind: 'truncated' });
      st.queue = st.queue.then(() => {
        if (!st.sock.destroyed) st.sock.end();
      });
    });
    sock.on('close', () => {
      this.clearTimers(st);
      this.conns.delete(id);
    });
  }

  /**
   * At the connection limit, make room by closing the oldest connection that has never
   * completed a request (a stuck or hostile client) rather than refusing a live one.
   */
  private evictOldestIdle(): boolean {
    let victim: ConnState | null = null;
    // A grace period so a client that has just connected gets to send its request.
    const cutoff = Date.now() - 1000;
    for (const c of this.conns.values()) {
      if (c.served || c.subscribed || c.openedAt > cutoff) continue;
      if (!victim || c.openedAt < victim.openedAt) victim = c;
    }
    if (!victim) return false;
    this.clearTimers(victim);
    victim.sock.end(errorLine('closed to make room for other clients: no complete request was sent', 'TIMEOUT'));
    victim.sock.destroy();
    for (const [id, c] of this.conns) if (c === victim) this.conns.delete(id);
    return true;
  }

  private armWait(st: ConnState): void {
    if (st.waitTimer) clearTimeout(st.waitTimer);
    st.waitTimer = null;
    if (st.subscribed) return;
    st.waitTimer = setTimeout(() => {
      st.sock.end(errorLine(`no complete request within ${this.limits.requestWaitMs / 1000} s; closing`, 'TIMEOUT'));
      setTimeout(() => st.sock.destroy(), 1000).unref();
    }, this.limits.requestWaitMs);
    st.waitTimer.unref();
  }

  private clearTimers(st: ConnState): void {
    if (st.waitTimer) clearTimeout(st.waitTimer);
    if (st.garbageTimer) clearTimeout(st.garbageTimer);
    st.waitTimer = st.garbageTimer = null;
  }

  private onData(id: number, st: ConnState, chunk: string): void {
    const frames = st.framer.push(chunk);
    if (st.framer.pending > this.limits.maxRequestBytes) {
      this.clearTimers(st);
      st.sock.end(errorLine(`request larger than ${this.limits.maxRequestBytes} bytes; closing`, 'TOO_LARGE'));
      st.sock.destroySoon?.();
      setTimeout(() => st.sock.destroy(), 1000).unref();
      return;
    }
    for (const f of frames) this.enqueue(id, st, f);
    if (frames.length > 0) this.armWait(st);
    // Junk with no newline and no '{': answer it after a short pause instead of waiting for a newline forever.
    if (st.garbageTimer) clearTimeout(st.garbageTimer);
    st.garbageTimer = null;
    if (st.framer.pending > 0) {
      st.garbageTimer = setTimeout(() => {
        const g = st.framer.flushGarbage();
        if (g) this.enqueue(id, st, g);
      }, 100);
      st.garbageTimer.unref();
    }
  }

  private enqueue(id: number, st: ConnState, f: RequestFrame | { kind: 'truncated' }): void {
    st.served = true;
    // One request at a time per connection, so replies keep request order.
    st.queue = st.queue.then(async () => {
      if (st.sock.destroyed) return;
      const line = await this.handle(id, st, f);
      if (!st.sock.destroyed) st.sock.write(line);
    });
  }

  private async handle(id: number, st: ConnState, f: RequestFrame | { kind: 'truncated' }): Promise<string> {
    if (f.kind === 'truncated') return errorLine('the request ended before its JSON object was complete', 'BAD_REQUEST');
    if (f.kind === 'garbage') return errorLine('request is not JSON: send one object like {"command": "STATUS", "params": {}}', 'BAD_REQUEST');
    if (f.kind === 'too_deep') return errorLine('request is nested too deeply', 'BAD_REQUEST');
    let raw: unknown;
    try {
      raw = JSON.parse(f.text);
    } catch (err) {
      return errorLine(`request is not valid JSON: ${(err as Error).message}`, 'BAD_REQUEST');
    }
    const env = requestEnvelope.safeParse(raw, { reportInput: true });
    if (!env.success) return errorLine(`bad request: ${describeZodError(env.error)}`, 'BAD_REQUEST');
    const command = env.data.command;
    if (!knownCommands.has(command)) {
      return errorLine(`unknown command "${command.slice(0, 64)}"; known: ${[...knownCommands].join(', ')}`, 'UNKNOWN_COMMAND');
    }
    const cmd = command as Command;
    let parsed: unknown;
    if (isEmptyObject(env.data.params) && EMPTY_PARAMS.has(cmd)) parsed = EMPTY_PARAMS.get(cmd);
    else {
      const params = (commandParams[cmd] as z.ZodType).safeParse(env.data.params ?? {}, { reportInput: true });
      if (!params.success) {
        // CONFIG_SET errors name the config key itself ("naptime_minutes must be ..."), as in snooze.json.
        const described = cmd === 'CONFIG_SET' ? describeZodError(params.error, '', 1) : describeZodError(params.error, 'params');
        return errorLine(`${cmd}: ${described}`, 'INVALID_PARAMS');
      }
      parsed = params.data;
    }
    const conn: Connection = {
      id,
      subscribe: () => {
        st.subscribed = true;
        if (st.waitTimer) clearTimeout(st.waitTimer);
        st.waitTimer = null;
      },
    };
    try {
      const handler = this.handlers[cmd] as Handler<Command>;
      const data = await handler(parsed as never, conn);
      return `${JSON.stringify({ success: true, data })}\n`;
    } catch (err) {
      if (err instanceof RequestError) return errorLine(err.message, err.code);
      if (err instanceof ConfigError) return errorLine(err.message, 'INVALID_CONFIG');
      this.log('error', `socket: ${cmd} failed: ${(err as Error).stack ?? String(err)}`);
      return errorLine(`${cmd} failed inside the agent: ${(err as Error).message}`, 'INTERNAL');
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const c of this.conns.values()) {
      this.clearTimers(c);
      c.sock.destroy();
    }
    this.conns.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
