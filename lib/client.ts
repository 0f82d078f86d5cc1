/**
 * The one client of the socket API, used by the CLI, the Electron main process and
 * the dashboard bridge: typed requests, and a subscription that takes a snapshot,
 * then streams, and reconnects with backoff when the agent goes away.
 */
import net from 'node:net';
import { Backoff } from '../contract/backoff.js';
import { LineReader } from './line-reader.js';
import type { Command, CommandResults, ErrorCode, Frame, HistoryEvent, ParamsIn, Reply, Status } from '../contract/protocol.js';

export type ClientErrorCode = ErrorCode | 'NOT_RUNNING' | 'PERMISSION_DENIED' | 'NO_REPLY' | 'PROTOCOL';

export class AgentError extends Error {
  constructor(
    message: string,
    readonly code: ClientErrorCode,
    /** Per config key messages of a refused CONFIG_SET, when the agent gave them. */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

function connectError(socketPath: string, err: NodeJS.ErrnoException): AgentError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new AgentError(`the CloudSnooze agent is not running (no answer on ${socketPath})`, 'NOT_RUNNING');
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new AgentError(`permission denied on ${socketPath} (join the cloudsnooze group or use sudo)`, 'PERMISSION_DENIED');
  }
  return new AgentError(`cannot reach the agent on ${socketPath}: ${err.message}`, 'NOT_RUNNING');
}

function unwrap<T>(reply: Reply<T>): T {
  if (reply.success) return reply.data;
  throw new AgentError(reply.error, reply.code, reply.fields);
}

export interface RequestOptions {
  timeoutMs?: number;
}

/** One request on its own connection. */
export function request<C extends Command>(
  socketPath: string,
  command: C,
  params?: ParamsIn<C>,
  opts: RequestOptions = {},
): Promise<CommandResults[C]> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let done = false;
    const finish = (err: Error | null, value?: CommandResults[C]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(value as CommandResults[C]);
    };
    const timer = setTimeout(
      () => finish(new AgentError(`the agent on ${socketPath} did not answer ${command} within ${timeoutMs} ms`, 'NO_REPLY')),
      timeoutMs,
    );
    const reader = new LineReader((line) => {
      try {
        finish(null, unwrap(JSON.parse(line) as Reply<CommandResults[C]>));
      } catch (err) {
        finish(err instanceof AgentError ? err : new AgentError(`unreadable reply from the agent: ${(err as Error).message}`, 'PROTOCOL'));
      }
    });
    sock.on('connect', () => sock.write(`${JSON.stringify({ command, params: params ?? {} })}\n`));
    sock.on('data', (d) => reader.push(d));
    sock.on('error', (err) => finish(connectError(socketPath, err)));
    sock.on('close', () => finish(new AgentError(`the agent closed the connection before answering ${command}`, 'NO_REPLY')));
  });
}

/** A client bound to one socket path. */
export class AgentClient {
  constructor(
    readonly socketPath: string,
    private readonly opts: RequestOptions = {},
  ) {}
  request<C extends Command>(command: C, params?: ParamsIn<C>): Promise<CommandResults[C]> {
    return request(this.socketPath, command, params, this.opts);
  }
}

export interface SubscriptionHandlers {
  onStatus(status: Status): void;
  onEvent?(event: HistoryEvent): void;
  /** Connected and the snapshot arrived. */
  onOnline?(): void;
  /** Lost the agent; `error` says why. Reconnection is already scheduled. */
  onOffline?(error: AgentError): void;
}

export interface SubscriptionOptions {
  /** First reconnect delay (doubling from there); 250 ms. */
  minBackoffMs?: number;
  /** Longest reconnect delay; 5 s. */
  maxBackoffMs?: number;
}

export interface Subscription {
  close(): void;
  readonly online: boolean;
}

/**
 * Snapshot (STATUS), then SUBSCRIBE on a long-lived connection; on any loss, report
 * offline once and reconnect with exponential backoff until closed.
 */
export function subscribe(socketPath: string, handlers: SubscriptionHandlers, opts: SubscriptionOptions = {}): Subscription {
  // No jitter: the agent is local (no shared service to spread load over), and one that restarts should be found quickly.
  const backoff = new Backoff({ baseMs: opts.minBackoffMs ?? 250, maxMs: opts.maxBackoffMs ?? 5000 });
  let closed = false;
  let online = false;
  let sock: net.Socket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let reportedOffline = false;

  const goOffline = (err: AgentError) => {
    const wasOnline = online;
    online = false;
    sock?.destroy();
    sock = null;
    if (closed) return;
    if (wasOnline || !reportedOffline) {
      reportedOffline = true;
      handlers.onOffline?.(err);
    }
    retry = setTimeout(connect, backoff.next());
  };

  const connect = () => {
    retry = null;
    if (closed) return;
    const s = net.createConnection(socketPath);
    sock = s;
    let acked = false;
    const reader = new LineReader((line) => {
      // Lines still buffered after this connection was dropped belong to nobody.
      if (sock !== s) return;
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        goOffline(new AgentError('unreadable frame from the agent', 'PROTOCOL'));
        return;
      }
      if (!acked) {
        const reply = msg as Reply<unknown>;
        if (!reply.success) {
          goOffline(new AgentError(reply.error, reply.code));
          return;
        }
        if ((reply.data as { subscribed?: boolean }).subscribed) {
          acked = true;
          return;
        }
        // First reply is the STATUS snapshot.
        online = true;
        reportedOffline = false;
        backoff.reset();
        handlers.onStatus(reply.data as Status);
        handlers.onOnline?.();
        return;
      }
      const frame = msg as Frame;
      if (frame.frame === 'status') handlers.onStatus(frame.data);
      else if (frame.frame === 'event') handlers.onEvent?.(frame.data);
    });
    s.on('connect', () => {
      s.write(`${JSON.stringify({ command: 'STATUS', params: {} })}\n`);
      s.write(`${JSON.stringify({ command: 'SUBSCRIBE', params: {} })}\n`);
    });
    s.on('data', (d) => reader.push(d));
    s.on('error', (err) => {
      if (sock === s) goOffline(connectError(socketPath, err));
    });
    s.on('close', () => {
      if (sock === s) goOffline(new AgentError('the agent closed the connection', 'NOT_RUNNING'));
    });
  };

  connect();
  return {
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      sock?.destroy();
      sock = null;
    },
    get online() {
      return online;
    },
  };
}
