/**
 * The Unix-socket server: one or more listeners, each with its own connection and
 * subscriber budget (a privileged listener keeps root's slots apart from everyone
 * else's), refusal and eviction at the limits, broadcast to subscribers, and a
 * shutdown that never waits on a client. Per-connection work lives in connection.ts.
 */
import net from 'node:net';
import { ClientConnection, type ConnectionHost } from './connection.js';
import { createDispatch, errorLine, type Dispatch, type HandlerTable } from './dispatch.js';
import type { LogFn } from './log.js';
import type { Frame } from '../contract/protocol.js';
import { TokenBucket } from './rate-limit.js';
import { DEFAULT_LIMITS, PUBLIC_LISTENER, type ListenerLimits, type ServerLimits } from './server-limits.js';

export { RequestError, type Connection, type Handler, type HandlerTable } from './dispatch.js';
export { DEFAULT_LIMITS, PRIVILEGED_LISTENER, PUBLIC_LISTENER, type ListenerLimits, type ServerLimits } from './server-limits.js';

/** A client that has just connected gets this long to send its request before it may be evicted. */
const EVICT_GRACE_MS = 1000;
/** How long close() waits for the listeners to report closed: the sockets are already destroyed. */
const CLOSE_WAIT_MS = 500;

interface Listener {
  path: string;
  server: net.Server;
  limits: ListenerLimits;
  /** Connections that are not subscribers. */
  conns: Set<ClientConnection>;
  subscribers: Set<ClientConnection>;
  /** Refused sockets still reading their refusal. */
  refused: Set<net.Socket>;
  host: ConnectionHost;
}

export class SocketServer {
  private listeners: Listener[] = [];
  private nextId = 1;
  private closing = false;
  private readonly dispatch: Dispatch;

  constructor(
    handlers: HandlerTable,
    private readonly log: LogFn,
    private readonly limits: ServerLimits = DEFAULT_LIMITS,
  ) {
    const bucket = () => new TokenBucket(limits.changesBurst, limits.changesPerMinute);
    this.dispatch = createDispatch(handlers, log, { holds: bucket(), settings: bucket() });
  }

  /** Listens on one more path; `listener` sets its budget (PRIVILEGED_LISTENER for a root-only socket). */
  listen(path: string, listener: ListenerLimits = PUBLIC_LISTENER): Promise<void> {
    return new Promise((resolve, reject) => {
      // Half-open so a client that shuts down its side after a truncated request still gets an answer.
      const server = net.createServer({ allowHalfOpen: true });
      const l = this.makeListener(path, server, listener);
      server.on('connection', (sock) => this.accept(l, sock));
      // A hard ceiling on descriptors, whatever happens above it: Node closes anything past it at once.
      server.maxConnections = listener.maxConnections + listener.maxSubscribers + this.limits.maxRefused + 16;
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log('error', `socket server ${path}: ${err.message}`));
        this.listeners.push(l);
        resolve();
      });
    });
  }

  private makeListener(path: string, server: net.Server, limits: ListenerLimits): Listener {
    const l: Listener = { path, server, limits, conns: new Set(), subscribers: new Set(), refused: new Set(), host: null as unknown as ConnectionHost };
    l.host = {
      limits: this.limits,
      dispatch: this.dispatch,
      claimSubscriberSlot: (c) => {
        if (l.subscribers.size >= limits.maxSubscribers) return false;
        // A subscriber leaves the connection budget for the subscriber budget.
        l.conns.delete(c);
        l.subscribers.add(c);
        return true;
      },
      mayBuffer: (_c, bytes) => this.unsentBytes() + bytes <= this.limits.maxUnsentTotalBytes,
      closed: (c) => {
        l.conns.delete(c);
        l.subscribers.delete(c);
      },
    };
    return l;
  }

  get connectionCount(): number {
    return this.listeners.reduce((n, l) => n + l.conns.size + l.subscribers.size, 0);
  }

  get subscriberCount(): number {
    return this.listeners.reduce((n, l) => n + l.subscribers.size, 0);
  }

  /** Reply bytes written but not yet taken by clients, over every connection. */
  unsentBytes(): number {
    let n = 0;
    for (const l of this.listeners) {
      for (const c of l.conns) n += c.unsentBytes;
      for (const c of l.subscribers) n += c.unsentBytes;
    }
    return n;
  }

  /** Sends a frame to every subscriber; ones that do not read are dropped. */
  broadcast(frame: Frame): void {
    let line: string | null = null;
    for (const l of this.listeners) {
      for (const c of l.subscribers) {
        line ??= `${JSON.stringify(frame)}\n`;
        if (c.sendFrame(line) === 'dropped') this.log('warn', `socket: dropped subscriber #${c.id}: it is not reading`);
      }
    }
  }

  private accept(l: Listener, sock: net.Socket): void {
    sock.on('error', () => sock.destroy());
    if (this.closing) {
      sock.destroy();
      return;
    }
    if (l.conns.size >= l.limits.maxConnections && !this.evictOldestIdle(l)) {
      this.refuse(l, sock);
      return;
    }
    l.conns.add(new ClientConnection(this.nextId++, l.limits.privileged, sock, l.host));
  }

  /**
   * The refusal is written and the socket destroyed on a short timer, whatever the client
   * does: a refused socket the client keeps open must not hold a descriptor for long.
   */
  private refuse(l: Listener, sock: net.Socket): void {
    if (l.refused.size >= this.limits.maxRefused) {
      sock.destroy();
      return;
    }
    l.refused.add(sock);
    const timer = setTimeout(() => sock.destroy(), this.limits.refusedLingerMs);
    timer.unref();
    sock.on('close', () => {
      clearTimeout(timer);
      l.refused.delete(sock);
    });
    // Discard what it sends, so its FIN is read and the socket closes as soon as it hangs up.
    sock.resume();
    sock.end(errorLine('too many connections to the agent; try again shortly', 'BUSY'));
  }

  /**
   * At the connection limit, make room by closing the oldest connection that has never
   * completed a request (a stuck or hostile client) rather than refusing a live one.
   */
  private evictOldestIdle(l: Listener): boolean {
    let victim: ClientConnection | null = null;
    const cutoff = Date.now() - EVICT_GRACE_MS;
    for (const c of l.conns) {
      if (c.served || c.openedAt > cutoff) continue;
      if (!victim || c.openedAt < victim.openedAt) victim = c;
    }
    if (!victim) return false;
    l.conns.delete(victim);
    victim.destroy(errorLine('closed to make room for other clients: no complete request was sent', 'TIMEOUT'));
    return true;
  }

  /** Stops listening and destroys every connection: shutdown never waits on a client. */
  async close(): Promise<void> {
    this.closing = true;
    const listeners = this.listeners;
    this.listeners = [];
    const closed = listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
    for (const l of listeners) {
      for (const c of [...l.conns, ...l.subscribers]) c.destroy();
      for (const s of l.refused) s.destroy();
      l.conns.clear();
      l.subscribers.clear();
      l.refused.clear();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
  }
}
