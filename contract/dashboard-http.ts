/**
 * The browser dashboard's HTTP contract: what `snooze dashboard` (agent/dashboard/) serves
 * and what the browser transport (renderer/transport-http.ts) calls, written once.
 *
 * How a browser gets in: the printed URL carries a launch token (`/?token=…`) that works
 * once. The page strips it from the address bar, trades it at the session route for a
 * fresh session token, keeps that in sessionStorage (not a cookie: cookies ignore ports,
 * so another local user's server on 127.0.0.1 would receive it) and sends it in
 * `DASHBOARD_TOKEN_HEADER` on every request, the event stream included.
 *
 * Pure TypeScript: no Node, no DOM.
 */
import type { Command, ConnectionState, HistoryEvent, Status } from './protocol.js';
import type { API_INVOKE_METHODS, Result } from './ipc.js';

/**
 * The one header that carries a token: the launch token on the session route, the
 * session token everywhere else. A custom header also means a cross-site page cannot
 * send it without a CORS preflight, which this server never answers.
 */
export const DASHBOARD_TOKEN_HEADER = 'X-CloudSnooze-Token';

/** Query parameter of the printed URL that holds the launch token. */
export const DASHBOARD_LAUNCH_QUERY = 'token';

export const DASHBOARD_API_BASE = '/api';

export const DASHBOARD_ROUTES = {
  /** POST, launch token in the header, JSON body `{}` → `DashboardReply<DashboardSession>`. */
  session: `${DASHBOARD_API_BASE}/session`,
  /** GET, session token in the header → `text/event-stream` of `DASHBOARD_EVENTS`. */
  stream: `${DASHBOARD_API_BASE}/stream`,
  /** GET → `ConnectionState`, or a `DashboardReply` refusal. */
  connection: `${DASHBOARD_API_BASE}/connection`,
  /** GET → `SettingsAccess`: writable only when the dashboard server reaches the admin socket (run as root). */
  settingsAccess: `${DASHBOARD_API_BASE}/settings-access`,
} as const;

/** The route of a relayed command: POST with a JSON object of params → `DashboardReply<CommandResults[C]>`. */
export function commandRoute(command: DashboardCommand): string {
  return `${DASHBOARD_API_BASE}/${command}`;
}

/** What the session route hands out in exchange for the launch token. */
export interface DashboardSession {
  session: string;
}

/** Every JSON answer of the API except `connection`'s success: errors are values, as over IPC. */
export type DashboardReply<T> = Result<T>;

/** Codes of the server's own refusals; a relayed command may also carry the agent's codes. */
export const DASHBOARD_ERROR_CODES = [
  'UNAUTHORIZED', // no token, or a wrong one
  'TOKEN_USED', // the launch token was already traded for a session
  'FORBIDDEN', // wrong Host, foreign Origin, cross-site request
  'NOT_ALLOWED', // a command outside DASHBOARD_COMMANDS
  'NOT_FOUND',
  'METHOD',
  'BAD_REQUEST',
  'TOO_LARGE',
  'BUSY',
  'INTERNAL',
] as const;
export type DashboardErrorCode = (typeof DASHBOARD_ERROR_CODES)[number];

// ---------------------------------------------------------------------------
// Commands: the dashboard relays only these; it is not a generic socket proxy.

export const DASHBOARD_COMMANDS = [
  'STATUS',
  'CONFIG_GET',
  'CONFIG_SET',
  'HISTORY',
  'SAMPLES',
  'POSTPONE',
  'STAY_AWAKE',
  'RELEASE',
] as const satisfies readonly Command[];
export type DashboardCommand = (typeof DASHBOARD_COMMANDS)[number];

/** Socket commands a browser must never send: the stream is relayed as events, input idleness is the desktop's to report. */
export const DASHBOARD_REFUSED_COMMANDS = ['SUBSCRIBE', 'INPUT_ACTIVITY'] as const satisfies readonly Command[];

/** Which command each agent method of `CloudSnoozeApi` sends; the HTTP transport is written from this table. */
export const API_COMMANDS = {
  getStatus: 'STATUS',
  getConfig: 'CONFIG_GET',
  setConfig: 'CONFIG_SET',
  getHistory: 'HISTORY',
  getSamples: 'SAMPLES',
  postpone: 'POSTPONE',
  stayAwake: 'STAY_AWAKE',
  release: 'RELEASE',
} as const satisfies Record<AgentMethod, DashboardCommand>;

/** The API methods that reach the agent (their IPC channel is `agent:*`), as opposed to app-level ones. */
type AgentMethod = {
  [K in keyof typeof API_INVOKE_METHODS]: (typeof API_INVOKE_METHODS)[K] extends `agent:${string}` ? K : never;
}[keyof typeof API_INVOKE_METHODS];

// ---------------------------------------------------------------------------
// The event stream: `event: <name>\ndata: <JSON>\n\n` frames.

export interface DashboardEvents {
  /** Whether the dashboard server reaches the agent; sent first on every stream. */
  connection: ConnectionState;
  status: Status;
  event: HistoryEvent;
}
export type DashboardEventName = keyof DashboardEvents;
export const DASHBOARD_EVENTS = ['connection', 'status', 'event'] as const satisfies readonly DashboardEventName[];

// ---------------------------------------------------------------------------
// Compile-time: a new protocol command, API method or event fails the build until it is placed here.

type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
/** Every socket command is either relayed or refused, and none is both. */
const _everyCommandDecided: Exact<DashboardCommand | (typeof DASHBOARD_REFUSED_COMMANDS)[number], Command> = true;
const _noCommandBoth: Exact<Extract<DashboardCommand, (typeof DASHBOARD_REFUSED_COMMANDS)[number]>, never> = true;
/** The relayed commands are exactly those the renderer's API uses: nothing relayed that no screen needs. */
const _relayedAreUsed: Exact<(typeof API_COMMANDS)[AgentMethod], DashboardCommand> = true;
const _everyEventListed: Exact<(typeof DASHBOARD_EVENTS)[number], DashboardEventName> = true;
void _everyCommandDecided;
void _noCommandBoth;
void _relayedAreUsed;
void _everyEventListed;
