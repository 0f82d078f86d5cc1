/**
 * The browser dashboard's session. The printed URL's token works once: this tab trades
 * it for a session token and keeps that in sessionStorage, which survives a reload but
 * not the tab, is never sent by the browser on its own (unlike a cookie, which every
 * server on 127.0.0.1 would receive whatever its port), and is sent in a header by the
 * transport.
 */
import {
  DASHBOARD_LAUNCH_QUERY,
  DASHBOARD_ROUTES,
  DASHBOARD_TOKEN_HEADER,
  type DashboardReply,
  type DashboardSession,
} from '../contract/dashboard-http.js';

export const SESSION_STORAGE_KEY = 'cloudsnooze.dashboard.session';

/** Said when a tab has neither a usable link nor a session from before a reload. */
export const NO_SESSION =
  'This tab has no dashboard session. Open the URL that `snooze dashboard` printed; each URL opens the dashboard once, ' +
  'so run `snooze dashboard` again for a new one.';

/**
 * The launch token the page was opened with (`?token=`), removed from the address bar at
 * once so it stays out of history, bookmarks and screenshots (it is single-use anyway).
 */
export function takeTokenFromLocation(loc: Location = window.location, hist: History = window.history): string | null {
  const url = new URL(loc.href);
  const token = url.searchParams.get(DASHBOARD_LAUNCH_QUERY);
  if (token === null) return null;
  url.searchParams.delete(DASHBOARD_LAUNCH_QUERY);
  hist.replaceState(hist.state, '', `${url.pathname}${url.search}${url.hash}`);
  return token;
}

export type SessionOutcome = { token: string } | { token: null; error: string };

export interface SessionDeps {
  fetch?: typeof fetch;
  /** Where the session is kept: sessionStorage in a browser. */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

function defaultStorage(): Pick<Storage, 'getItem' | 'setItem'> | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: the session lasts until the page is reloaded
  }
}

function read(storage: SessionDeps['storage']): string | null {
  try {
    return storage?.getItem(SESSION_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/**
 * The session token for this tab: a fresh one traded for `launch`, else the one kept
 * from before a reload. A refused trade with a kept session is a reload that beat the
 * address-bar cleanup, or a second paste of the same URL into this tab: keep working.
 */
export async function openSession(launch: string | null, deps: SessionDeps = {}): Promise<SessionOutcome> {
  const storage = deps.storage === undefined ? defaultStorage() : deps.storage;
  const kept = read(storage);
  if (launch === null) return kept ? { token: kept } : { token: null, error: NO_SESSION };
  let error: string;
  try {
    const res = await (deps.fetch ?? fetch)(DASHBOARD_ROUTES.session, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [DASHBOARD_TOKEN_HEADER]: launch },
      body: '{}',
      credentials: 'omit',
      cache: 'no-store',
    });
    const r = (await res.json()) as DashboardReply<DashboardSession>;
    if (r.ok) {
      try {
        storage?.setItem(SESSION_STORAGE_KEY, r.data.session);
      } catch {
        /* quota or disabled storage: this load still works, a reload will ask for a new URL */
      }
      return { token: r.data.session };
    }
    error = r.error;
  } catch (err) {
    error = `the dashboard server is not answering (${(err as Error).message})`;
  }
  return kept ? { token: kept } : { token: null, error };
}
