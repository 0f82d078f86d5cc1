/**
 * One client connection: framing, an ordered queue of requests, and the bounds that keep
 * a client from making the agent hold more than a little for it. Reading stops while
 * too many requests wait or too many reply bytes are unsent, and resumes once they drain;
 * the request timer measures the client's silence, never the agent's own queue.
 */
import type net from 'node:net';
import { errorLine, RequestError, type Connection, type Dispatch, type Incoming } from './dispatch.js';
import { JsonFramer } from './json-framer.js';
import type { ServerLimits } from './server-limits.js';

/** What a connection needs from the server that accepted it. */
export interface ConnectionHost {
  readonly limits: ServerLimits;
  readonly dispatch: Dispatch;
  /** A subscriber slot on this connection's listener, or false when they are all taken. */
  claimSubscriberSlot(c: ClientConnection): boolean;
  /** Whether a reply of `bytes` may still be buffered for a client that is not reading. */
  mayBuffer(c: ClientConnection, bytes: number): boolean;
  closed(c: ClientConnection): void;
}

/** After a last error reply, how long the client has to read it before the socket is destroyed. */
const LINGER_MS = 1000;

type Queued = Incoming | { kind: 'fatal'; line: string };

export class ClientConnection implements Connection {
  readonly openedAt = Date.now();
  /** Completed at least one request: an active client, not a slow-loris. */
  served = false;
  subscribed = false;
  private framer = new JsonFramer();
  private queue: Queued[] = [];
  /** A handler is running for this connection: the agent's time, not the client's. */
  private working = false;
  private waitingDrain = false;
  private readPaused = false;
  private clientEnded = false;
  /** Our side is closing: nothing more is read or answered. */
  private finishing = false;
  private closeAfterReply = false;
  private silenceTimer: NodeJS.Timeout | null = null;
  private garbageTimer: NodeJS.Timeout | null = null;
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: number,
    readonly privileged: boolean,
    private readonly sock: net.Socket,
    private readonly host: ConnectionHost,
  ) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('end', () => this.onEnd());
    sock.on('drain', () => {
      this.waitingDrain = false;
      this.touch();
      void this.pump();
    });
    sock.on('close', () => {
      this.clearTimers();
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      host.closed(this);
    });
    this.touch();
  }

  get unsentBytes(): number {
    return this.sock.writableLength;
  }

  get destroyed(): boolean {
    return this.sock.destroyed;
  }

  subscribe(): void {
    if (this.subscribed) return;
    if (!this.host.claimSubscriberSlot(this)) {
      this.closeAfterReply = true;
      throw new RequestError('too many subscribers on this socket; closing this connection, try again shortly', 'BUSY');
    }
    this.subscribed = true;
    this.touch();
  }

  /** A stream frame for a subscriber; one that lets frames pile up unread is dropped. */
  sendFrame(line: string): 'sent' | 'dropped' | 'closing' {
    if (this.sock.destroyed || this.finishing) return 'closing';
    if (this.sock.writableLength > this.host.limits.maxSubscriberBacklogBytes) {
      this.destroy();
      return 'dropped';
    }
    this.sock.write(line);
    return 'sent';
  }

  /** Closes at once, with a last line when the client can still take it. */
  destroy(lastLine?: string): void {
    this.finishing = true;
    this.clearTimers();
    if (lastLine && !this.sock.destroyed) this.sock.end(lastLine);
    this.sock.destroy();
  }

  private onData(chunk: string): void {
    if (this.finishing) return;
    const frames = this.framer.push(chunk);
    if (frames.length > 0) this.served = true;
    for (const f of frames) this.queue.push(f);
    if (this.framer.pending > this.host.limits.maxRequestBytes) {
      // Requests before the oversized one are still answered, in order; nothing after it is read.
      this.framer = new JsonFramer();
      this.queue.push({ kind: 'fatal', line: errorLine(`request larger than ${this.host.limits.maxRequestBytes} bytes; closing`, 'TOO_LARGE') });
      this.readPaused = true;
      this.sock.pause();
    } else this.armGarbage();
    this.flow();
    this.touch();
    void this.pump();
  }

  /** Junk with no newline and no '{': answer it after a short pause instead of waiting for a newline forever. */
  private armGarbage(): void {
    if (this.garbageTimer) clearTimeout(this.garbageTimer);
    this.garbageTimer = null;
    if (this.framer.pending === 0) return;
    this.garbageTimer = setTimeout(() => {
      this.garbageTimer = null;
      const g = this.framer.flushGarbage();
      if (!g || this.finishing) return;
      this.queue.push(g);
      void this.pump();
    }, 100);
    this.garbageTimer.unref();
  }

  private onEnd(): void {
    this.clientEnded = true;
    if (this.finishing) return;
    // The client is done sending: answer what is left, then close our side.
    if (this.garbageTimer) clearTimeout(this.garbageTimer);
    this.garbageTimer = null;
    const rest = this.framer.flushGarbage();
    if (rest) this.queue.push(rest);
    else if (this.framer.pending > 0) this.queue.push({ kind: 'truncated' });
    void this.pump();
  }

  /** Answers queued requests in order, one at a time, while the client takes the replies. */
  private async pump(): Promise<void> {
    if (this.working || this.finishing || this.waitingDrain) return;
    this.working = true;
    this.touch();
    try {
      while (this.queue.length > 0 && !this.sock.destroyed && !this.finishing) {
        // writableNeedDrain: a write was refused, so 'drain' is certain to follow.
        if (this.sock.writableNeedDrain && this.sock.writableLength > this.host.limits.maxUnsentBytes) {
          this.waitingDrain = true;
          break;
        }
        const item = this.queue.shift()!;
        if (item.kind === 'fatal') {
          this.finish(item.line, LINGER_MS);
          break;
        }
        let line = await this.host.dispatch(item, this);
        if (this.sock.destroyed || this.finishing) break;
        // A reply that may not all go out at once is counted against what the agent holds for everyone.
        if (this.sock.writableLength + line.length > this.host.limits.maxUnsentBytes && !this.host.mayBuffer(this, line.length)) {
          // A client with replies still unread is the problem and goes; one that has read everything is told why.
          if (this.sock.writableLength > 0) {
            this.destroy();
            break;
          }
          line = errorLine('the agent is holding too many unread replies for other clients; try again shortly', 'BUSY');
        }
        this.sock.write(line);
        if (this.closeAfterReply) this.finish(null, LINGER_MS);
      }
    } finally {
      this.working = false;
    }
    if (this.sock.destroyed || this.finishing) return;
    if (this.queue.length === 0 && this.clientEnded) {
      // Its last replies may still be in flight: give a slow reader the usual wait to take them.
      this.finish(null, this.host.limits.requestWaitMs);
      return;
    }
    this.flow();
    this.touch();
  }

  /** Stop reading while the client has enough outstanding; read again once it has not. */
  private flow(): void {
    if (this.finishing || this.sock.destroyed) return;
    const full = this.queue.length >= this.host.limits.maxInFlight || this.waitingDrain;
    if (full && !this.readPaused) {
      this.readPaused = true;
      this.sock.pause();
    } else if (!full && this.readPaused && !this.queue.some((q) => q.kind === 'fatal')) {
      this.readPaused = false;
      this.sock.resume();
    }
  }

  /**
   * (Re)starts the silence timer whenever the agent waits on the client (for the rest of
   * a request, for a next request, or for it to read its replies); stops it while the
   * agent itself is busy with this client's requests.
   */
  private touch(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    // Subscribers are silent by design; their backlog is bounded where frames are sent.
    if (this.subscribed || this.finishing) return;
    const waitingOnClient = this.waitingDrain || (!this.working && this.queue.length === 0 && !this.clientEnded);
    if (!waitingOnClient) return;
    const ms = this.host.limits.requestWaitMs;
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = null;
      // A client that does not read its replies cannot be told anything: just close.
      if (this.waitingDrain) return this.destroy();
      const s = ms / 1000;
      const why = this.framer.pending > 0 ? `the request was left incomplete for ${s} s` : `no request for ${s} s`;
      this.finish(errorLine(`${why}; closing`, 'TIMEOUT'), LINGER_MS);
    }, ms);
    this.silenceTimer.unref();
  }

  /** Ends our side (after `line`) and destroys the socket if the client has not closed within `lingerMs`. */
  private finish(line: string | null, lingerMs: number): void {
    if (this.finishing) return;
    this.finishing = true;
    this.queue.length = 0;
    this.framer = new JsonFramer();
    this.clearTimers();
    // Read and discard until the client closes, so its FIN is seen and the socket closes at once.
    this.sock.resume();
    if (line) this.sock.end(line);
    else this.sock.end();
    this.lingerTimer = setTimeout(() => this.sock.destroy(), lingerMs);
    this.lingerTimer.unref();
  }

  private clearTimers(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    if (this.garbageTimer) clearTimeout(this.garbageTimer);
    this.silenceTimer = this.garbageTimer = null;
  }
}
