/** The window: header with tabs, the offline banner, and one of Dashboard / Settings / History. */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { CloudSnoozeApi } from '../contract/ipc.js';
import { useRenderer } from './context.js';
import { deadlineOf, useCountdown } from './countdown.js';
import { tabTitle } from './tab-title.js';
import { noticeSupport, showNotice, warningNotice, warningStep } from './warning-notice.js';
import { Dashboard } from './views/Dashboard.js';
import { History } from './views/History.js';
import { Settings } from './views/Settings.js';

export type View = 'dashboard' | 'settings' | 'history';
const TABS: ReadonlyArray<{ view: View; label: string }> = [
  { view: 'dashboard', label: 'Dashboard' },
  { view: 'settings', label: 'Settings' },
  { view: 'history', label: 'History' },
];

function initialView(): View {
  const h = window.location.hash.slice(1);
  return TABS.some((t) => t.view === h) ? (h as View) : 'dashboard';
}

function OfflineBanner() {
  const online = useRenderer((s) => s.connection.online);
  const error = useRenderer((s) => s.connection.error);
  const settled = useRenderer((s) => s.connection.settled);
  if (online) return null;
  if (error === null || !settled) {
    return (
      <div className="banner connecting" role="status">
        Connecting to the agent…
      </div>
    );
  }
  return (
    <div className="banner offline" role="alert">
      <strong>Agent offline</strong> — {error}. Reconnecting automatically; postpone, stay awake and settings wait until it
      is back.
    </div>
  );
}

/**
 * Whatever view is open: the countdown in the tab title, and (browser only, permission
 * given) one notification per final warning.
 */
function useTitleAndNotice() {
  const status = useRenderer((s) => s.policy.status);
  const receivedAt = useRenderer((s) => s.policy.receivedAt);
  const online = useRenderer((s) => s.connection.online);
  const counting = online && !!status && (status.state === 'idle' || status.state === 'warning');
  const remaining = useCountdown(counting ? deadlineOf(status, receivedAt) : null);
  const title = tabTitle(status, online, remaining);
  useEffect(() => {
    document.title = title;
  }, [title]);

  const announced = useRef(false);
  useEffect(() => {
    if (!status || !online) return;
    const step = warningStep(announced.current, status);
    announced.current = step.announced;
    if (step.notify && noticeSupport() === 'granted') showNotice(warningNotice(status, status.seconds_until_stop));
  }, [status, online]);
}

export function App({ api }: { api: CloudSnoozeApi }) {
  useTitleAndNotice();
  const [view, setView] = useState<View>(initialView);
  const online = useRenderer((s) => s.connection.online);

  useEffect(() => api.onNavigate((v) => setView(v)), [api]);

  const go = (v: View) => {
    setView(v);
    // Keeps browser back/forward and reloads on the same view; harmless under file:// in Electron.
    if (window.location.hash !== `#${v}`) window.history.pushState(null, '', `#${v}`);
  };

  const onTabKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = TABS.findIndex((t) => t.view === view);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : null;
    if (next === null) return;
    e.preventDefault();
    const t = TABS[(next + TABS.length) % TABS.length]!;
    go(t.view);
    document.getElementById(`tab-${t.view}`)?.focus();
  };

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="logo" aria-hidden="true" />
          CloudSnooze
        </h1>
        <div className="tabs" role="tablist" aria-label="Views" onKeyDown={onTabKey}>
          {TABS.map((t) => (
            <button
              key={t.view}
              id={`tab-${t.view}`}
              type="button"
              role="tab"
              aria-selected={view === t.view}
              aria-controls="view"
              tabIndex={view === t.view ? 0 : -1}
              onClick={() => go(t.view)}
            >
              {t.label}
            </button>
          ))}
        </div>
        <span className={`pill ${online ? 'online' : 'offline'}`}>{online ? 'Connected' : 'Offline'}</span>
      </header>
      <OfflineBanner />
      <main id="view" role="tabpanel" aria-labelledby={`tab-${view}`}>
        {view === 'dashboard' && <Dashboard onShowHistory={() => go('history')} />}
        {view === 'settings' && <Settings />}
        {view === 'history' && <History />}
      </main>
    </div>
  );
}
