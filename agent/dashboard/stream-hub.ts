/**
 * The event stream: one agent subscription shared by every open dashboard tab, fanned
 * out as server-sent-event frames (read by the page with fetch, so it can send its
 * session token in a header).
 */
import type http from 'node:http';
import type { DashboardEventName, DashboardEvents } from '../../contract/dashboard-http.js';
import { AgentError, subscribe, type Subscription } from '../../lib/client.js';
import type { ConnectionState, HistoryEvent, Status } from '../../contract/protocol.js';
import { SECURITY_HEADERS } from './respond.js';

/** Comment lines keep proxies and SSH tunnels from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
/** A browser this far behind (a stalled SSH tunnel) is dropped; the page reconnects and re-snapshots. */
export const MAX_STREAM_BACKLOG_BYTES = 1024 * 1024;

function send<K extends DashboardEventName>(res: http.ServerResponse, event: K, data: DashboardEvents[K]): void {
  if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
    res.destroy();
    return;
  }
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export class StreamHub {
  private readonly clients = new Set<http.ServerResponse>();
  private sub: Subscription | null = null;
  private lastStatus: Status | null = null;
  state: ConnectionState = { online: false, error: 'connecting to the agent' };
  private keepalive: NodeJS.Timeout | null = null;

  constructor(private readonly socketPath: string) {}

  get size(): number {
    return this.clients.size;
  }
  /** Whether the hub holds a subscription, so `state` is current. */
  get active(): boolean {
    return this.sub !== null;
  }

  /** Answers a stream request and keeps it: the current state first, then every frame. */
  add(res: http.ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    this.clients.add(res);
    res.on('close', () => this.remove(res));
    send(res, 'connection', this.state);
    if (this.state.online && this.lastStatus) send(res, 'status', this.lastStatus);
    if (!this.sub) this.start();
  }

  private remove(res: http.ServerResponse): void {
    if (!this.clients.delete(res)) return;
    if (this.clients.size === 0) this.stop();
  }

  private start(): void {
    this.sub = subscribe(
      this.socketPath,
      {
        onStatus: (s: Status) => {
          this.lastStatus = s;
          this.broadcast('status', s);
        },
        onEvent: (e: HistoryEvent) => this.broadcast('event', e),
        onOnline: () => {
          this.state = { online: true };
          this.broadcast('connection', this.state);
        },
        onOffline: (err: AgentError) => {
          this.state = { online: false, error: err.message };
          this.lastStatus = null;
          this.broadcast('connection', this.state);
        },
      },
      { minBackoffMs: 250, maxBackoffMs: 2000 },
    );
    this.keepalive = setInterval(() => {
      for (const c of this.clients) c.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  private stop(): void {
    this.sub?.close();
    this.sub = null;
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    this.lastStatus = null;
    this.state = { online: false, error: 'connecting to the agent' };
  }

  private broadcast<K extends DashboardEventName>(event: K, data: DashboardEvents[K]): void {
    for (const c of this.clients) send(c, event, data);
  }

  closeAll(): void {
    for (const c of [...this.clients]) c.end();
    this.clients.clear();
    this.stop();
  }
}
