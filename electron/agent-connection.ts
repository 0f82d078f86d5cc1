/**
 * The desktop app's one connection to an agent. The system agent wins when it answers;
 * one that refuses us (permission) is still the system agent, so we never start a
 * second agent beside it. Otherwise a per-user agent is adopted or started and
 * supervised. Snapshot then SUBSCRIBE with reconnect comes from agent/client.ts.
 */
import { AgentError, request as socketRequest, subscribe as socketSubscribe, type Subscription, type SubscriptionHandlers } from '../agent/client.js';
import type { Command, CommandResults, HistoryEvent, ParamsIn, Status } from '../agent/protocol.js';
import type { ConnectionState } from './ipc-contract.js';

export type ProbeResult = 'ok' | 'absent' | 'denied';

/** Does an agent answer on this socket? A short STATUS, nothing more. */
export async function probeSocket(socketPath: string, timeoutMs = 1500): Promise<ProbeResult> {
  try {
    await socketRequest(socketPath, 'STATUS', {}, { timeoutMs });
    return 'ok';
  } catch (err) {
    if (err instanceof AgentError && err.code === 'PERMISSION_DENIED') return 'denied';
    return 'absent';
  }
}

export interface BundledAgent {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AgentConnectionDeps {
  systemSocket: string;
  userSocket: string;
  probe?: (socketPath: string) => Promise<ProbeResult>;
  subscribe?: (socketPath: string, handlers: SubscriptionHandlers) => Subscription;
  request?: typeof socketRequest;
  /** Prepares the per-user config and starts the supervised agent. */
  bundled: BundledAgent;
  onStatus(status: Status): void;
  onEvent(event: HistoryEvent): void;
  onConnection(state: ConnectionState): void;
}

export type AgentSource = 'system' | 'user-existing' | 'bundled';

export class AgentConnection {
  private socket: string | null = null;
  private sub: Subscription | null = null;
  private startedBundled = false;
  private state: ConnectionState = { online: false, error: 'connecting to the agent' };
  private closed = false;

  constructor(private readonly d: AgentConnectionDeps) {}

  get connection(): ConnectionState {
    return this.state;
  }

  get socketPath(): string | null {
    return this.socket;
  }

  async start(): Promise<AgentSource> {
    const probe = this.d.probe ?? ((s: string) => probeSocket(s));
    let source: AgentSource;
    const system = await probe(this.d.systemSocket);
    if (system !== 'absent') {
      source = 'system';
      this.socket = this.d.systemSocket;
    } else if ((await probe(this.d.userSocket)) === 'ok') {
      source = 'user-existing';
      this.socket = this.d.userSocket;
    } else {
      source = 'bundled';
      this.socket = this.d.userSocket;
      this.startedBundled = true;
      await this.d.bundled.start();
    }
    if (this.closed) return source;
    const subscribe = this.d.subscribe ?? ((s: string, h: SubscriptionHandlers) => socketSubscribe(s, h));
    this.sub = subscribe(this.socket, {
      onStatus: (s) => this.d.onStatus(s),
      onEvent: (e) => this.d.onEvent(e),
      onOnline: () => this.setState({ online: true }),
      onOffline: (err) => this.setState({ online: false, error: err.message }),
    });
    return source;
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    this.d.onConnection(s);
  }

  /** One request to the agent we are connected to; rejects with AgentError while none is chosen. */
  request<C extends Command>(command: C, params?: ParamsIn<C>): Promise<CommandResults[C]> {
    if (!this.socket) return Promise.reject(new AgentError('still looking for the agent', 'NOT_RUNNING'));
    return (this.d.request ?? socketRequest)(this.socket, command, params);
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.sub?.close();
    this.sub = null;
    if (this.startedBundled) await this.d.bundled.stop();
  }
}

/** Sends desktop input idle to the agent every few seconds while connected. */
export function startInputReporter(o: {
  getIdleSeconds(): number;
  isOnline(): boolean;
  send(idleSecs: number): Promise<unknown>;
  intervalMs?: number;
}): () => void {
  const tick = () => {
    if (!o.isOnline()) return;
    const idle = Math.max(0, Math.floor(o.getIdleSeconds()));
    // A lost report is harmless: the next one follows in a few seconds.
    o.send(idle).catch(() => undefined);
  };
  const timer = setInterval(tick, o.intervalMs ?? 5000);
  timer.unref();
  return () => clearInterval(timer);
}
