/**
 * Every bound the socket server keeps, in one place. Each is small enough that the sum
 * over all clients stays far below the agent's memory budget, and large enough that
 * no well-behaved client (CLI, desktop app, dashboard, the guide's Go client) meets it.
 */
import { MAX_CONNECTIONS, MAX_REQUEST_BYTES, REQUEST_WAIT_MS } from '../contract/protocol.js';

export interface ServerLimits {
  maxRequestBytes: number;
  /** How long the agent waits on a silent client (rest of a request, next request, reading its replies). */
  requestWaitMs: number;
  /** A subscriber this far behind is dropped rather than buffered without bound. */
  maxSubscriberBacklogBytes: number;
  /** Unsent reply bytes above which a connection's further requests are not read. */
  maxUnsentBytes: number;
  /** Requests read but not yet answered, per connection, above which reading stops. */
  maxInFlight: number;
  /** Reply bytes held unsent for all clients together, above which a non-reading client is dropped. */
  maxUnsentTotalBytes: number;
  /** How long a refused connection may stay to read its refusal. */
  refusedLingerMs: number;
  /** Refused connections lingering at once, per listener; past it, new ones are closed without a word. */
  maxRefused: number;
  /** History-writing commands on unprivileged listeners, for holds and for settings each: burst, then per minute. */
  changesBurst: number;
  changesPerMinute: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxRequestBytes: MAX_REQUEST_BYTES,
  requestWaitMs: REQUEST_WAIT_MS,
  maxSubscriberBacklogBytes: 256 * 1024,
  maxUnsentBytes: 64 * 1024,
  maxInFlight: 32,
  maxUnsentTotalBytes: 32 * 1024 * 1024,
  refusedLingerMs: 1000,
  maxRefused: 64,
  changesBurst: 30,
  changesPerMinute: 6,
};

/** Each listener has its own budget, so clients of one socket cannot take another's slots. */
export interface ListenerLimits {
  /** Root's (or the admin group's) channel: its own slots, and no change budget. */
  privileged: boolean;
  /** Connections that are not subscribers. */
  maxConnections: number;
  maxSubscribers: number;
}

export const PUBLIC_LISTENER: ListenerLimits = { privileged: false, maxConnections: MAX_CONNECTIONS, maxSubscribers: 64 };
export const PRIVILEGED_LISTENER: ListenerLimits = { privileged: true, maxConnections: 32, maxSubscribers: 8 };
