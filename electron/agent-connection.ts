/**
 * The desktop app's one connection to an agent. The system agent wins when it answers;
 * one that refuses us (permission) is still the system agent, and a socket file that
 * does not answer yet is a system agent restarting, so we never start a second agent
 * beside it. Otherwise a per-user agent is adopted or started and supervised, and the
 * system socket is re-checked: once a system agent answers we move to it and stop
 * ours. Snapshot then SUBSCRIBE with reconnect comes from lib/client.ts.
 */
import { lstat } from 'node:fs/promises';
import { backoffDelay } from '../contract/backoff.js';
import { AgentError, request as socketRequest, subscribe as socketSubscribe, type Subscription, type SubscriptionHandlers } from '../lib/client.js';
import type { Command, CommandResults, HistoryEvent, ParamsIn, Status } from '../contract/protocol.js';
import type { ConnectionState } from '../contract/ipc.js';
import { IdleSourceJudge } from './idle-source.js';

/** 'unresponsive': the socket file exists but refuses connections or does not answer. */
export type ProbeResult = 'ok' | 'absent' | 'denied' | 'unresponsive';

/** Does an agent answer on this socket? A short STATUS, nothing more. */
export async function probeSocket(socketPath: string, timeoutMs = 1500): Promise<ProbeResult> {
  try {
    await socketRequest(socketPath, 'STATUS', {}, { timeoutMs });
    return 'ok';
  } catch (err) {
    if (err instanceof AgentError && err.code === 'PERMISSION_DENIED') return 'denied';
    try {
      await lstat(socketPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      // Cannot even look at it (a directory we may not read): somebody else's agent.
      return 'denied';
    }
    return 'unresponsive';
  }
}

/**
 * A system agent being restarted leaves its socket file refusing for a few seconds: four
 * more probes on the product's backoff (0.5, 1, 2, 4 s), then it counts as gone.
 */
const SYSTEM_RETRY_DELAYS_MS = Array.from({ length: 4 }, (_, n) => backoffDelay(n, { baseMs: 500, maxMs: 4000 }));
const SYSTEM_RECHECK_MS = 60_000;

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
  /** Waits between probes of a system socket that exists but does not answer. */
  systemRetryDelaysMs?: number[];
  /** How often to look for a system agent while our bundled agent runs. */
  systemRecheckMs?: number;
  /** We moved from our bundled agent to a system agent that appeared. */
  onSource?(source: AgentSource): void;
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
  /** Set inside the start promise's chain so stop() and start() agree on it. */
  private startedBundled = false;
  private bundledStarting: Promise<void> | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private rechecking = false;
  private state: ConnectionState = { online: false, error: 'connecting to the agent' };
  private closed = false;

  constructor(private readonly d: AgentConnectionDeps) {}

  get connection(): ConnectionState {
    return this.state;
  }

  get socketPath(): string | null {
    return this.socket;
  }

  private probe(socketPath: string): Promise<ProbeResult> {
    return (this.d.probe ?? ((p: string) => probeSocket(p)))(socketPath);
  }

  async start(): Promise<AgentSource> {
    let system = await this.probe(this.d.systemSocket);
    for (const ms of this.d.systemRetryDelaysMs ?? SYSTEM_RETRY_DELAYS_MS) {
      if (system !== 'unresponsive' || this.closed) break;
      await new Promise((r) => setTimeout(r, ms));
      system = await this.probe(this.d.systemSocket);
    }
    if (system === 'ok' || system === 'denied') {
      this.socket = this.d.systemSocket;
      this.follow(this.socket);
      return 'system';
    }
    if ((await this.probe(this.d.userSocket)) === 'ok') {
      this.socket = this.d.userSocket;
      this.follow(this.socket);
      return 'user-existing';
    }
    // Quit while we were probing: starting an agent now would orphan it.
    if (this.closed) return 'bundled';
    this.socket = this.d.userSocket;
    this.bundledStarting = this.d.bundled.start().then(() => {
      this.startedBundled = true;
    });
    try {
      await this.bundledStarting;
    } catch (err) {
      // Otherwise the dashboard would say "connecting" forever.
      this.setState({ online: false, error: `could not start the bundled agent: ${(err as Error).message}` });
      throw err;
    } finally {
      this.bundledStarting = null;
    }
    // stop() waited for the start above and stops the agent itself.
    if (this.closed) return 'bundled';
    this.follow(this.socket);
    this.recheckTimer = setInterval(() => void this.recheckSystem(), this.d.systemRecheckMs ?? SYSTEM_RECHECK_MS);
    this.recheckTimer.unref();
    return 'bundled';
  }

  private follow(socketPath: string): void {
    if (this.closed) return;
    const subscribe = this.d.subscribe ?? ((s: string, h: SubscriptionHandlers) => socketSubscribe(s, h));
    let wasOnline = false;
    this.sub = subscribe(socketPath, {
      onStatus: (s) => this.d.onStatus(s),
      onEvent: (e) => this.d.onEvent(e),
      onOnline: () => {
        this.setState({ online: true });
        // A reconnect to our own agent is a good moment to look for the system one.
        if (wasOnline) void this.recheckSystem();
        wasOnline = true;
      },
      onOffline: (err) => this.setState({ online: false, error: err.message }),
    });
  }

  /** While our bundled agent runs: a system agent that answers takes over, ours stops. */
  private async recheckSystem(): Promise<void> {
    if (this.closed || !this.startedBundled || this.rechecking) return;
    this.rechecking = true;
    try {
      const system = await this.probe(this.d.systemSocket);
      if (this.closed || !this.startedBundled || (system !== 'ok' && system !== 'denied')) return;
      if (this.recheckTimer) clearInterval(this.recheckTimer);
      this.recheckTimer = null;
      this.sub?.close();
      this.sub = null;
      this.startedBundled = false;
      this.socket = this.d.systemSocket;
      this.follow(this.socket);
      this.d.onSource?.('system');
      await this.d.bundled.stop();
    } finally {
      this.rechecking = false;
    }
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
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = null;
    this.sub?.close();
    this.sub = null;
    // A start still under way finishes first, so the agent it starts is stopped too.
    await this.bundledStarting?.catch(() => undefined);
    if (this.startedBundled) {
      this.startedBundled = false;
      await this.d.bundled.stop();
    }
  }
}

/** What the app tells the agent about desktop input (INPUT_ACTIVITY's params). */
export type InputReport = { idle_secs: number; available?: false };

/**
 * Sends desktop input idle to the agent every few seconds while connected. A source the
 * judge finds stuck at 0 (see idle-source.ts) is reported unavailable instead: the agent
 * then leaves it out of the decision and says so in STATUS and `snooze doctor`.
 */
export function startInputReporter(o: {
  getIdleSeconds(): number;
  isOnline(): boolean;
  send(report: InputReport): Promise<unknown>;
  /** Called when the source turns unavailable (with why) or available again (null). */
  onAvailability?(reason: string | null): void;
  intervalMs?: number;
  now?: () => number;
}): () => void {
  const judge = new IdleSourceJudge();
  let unavailable: string | null = null;
  const tick = () => {
    // Judged whether or not the agent listens: the verdict is about the display, not the connection.
    const v = judge.read(o.getIdleSeconds(), (o.now ?? Date.now)());
    const reason = v.available ? null : v.reason;
    if (reason !== unavailable) {
      unavailable = reason;
      o.onAvailability?.(reason);
    }
    if (!o.isOnline()) return;
    // A lost report is harmless: the next one follows in a few seconds.
    o.send(v.available ? { idle_secs: v.idleSecs } : { idle_secs: 0, available: false }).catch(() => undefined);
  };
  const timer = setInterval(tick, o.intervalMs ?? 5000);
  timer.unref();
  return () => clearInterval(timer);
}
