/** The dashboard: countdown and state, what keeps the instance awake, holds, the instance, live graphs, recent events. */
import { useEffect, useRef, useState } from 'react';
import { isKeepAwake, type Status } from '../../contract/protocol.js';
import { scheduleSummary } from '../../contract/schedule.js';
import { MESSAGES } from '../../contract/messages.js';
import { useRenderer } from '../context.js';
import { deadlineOf, useCountdown } from '../countdown.js';
import { METRIC_SPECS, clockTimeSeconds, formatCountdown, modeNote, modeWords, onlyWouldStop, stateWords, type MetricSpec } from '../format.js';
import { heroDetail, holdLines } from '../hold-words.js';
import { minutesWords, runtimeZoneName, whenText, zoneText } from '../../contract/time-format.js';
import { askNoticePermission, noticeSupport, type NoticeSupport } from '../warning-notice.js';
import { MetricChart } from './MetricChart.js';
import { EventType } from './History.js';
import { SavedLine } from './Savings.js';
import { HoldControls } from './HoldControls.js';

function useColorScheme(): string {
  const query = '(prefers-color-scheme: dark)';
  const [dark, setDark] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const mq = window.matchMedia(query);
    const on = () => setDark(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return dark ? 'dark' : 'light';
}

function StatusHero() {
  const status = useRenderer((s) => s.policy.status);
  const receivedAt = useRenderer((s) => s.policy.receivedAt);
  const online = useRenderer((s) => s.connection.online);
  const actionError = useRenderer((s) => s.policy.actionError);
  const actionNote = useRenderer((s) => s.policy.actionNote ?? null);
  const settled = useRenderer((s) => s.connection.settled);
  const [busy, setBusy] = useState(false);
  const words = stateWords(status, online, !settled);
  const remaining = useCountdown(words.counting ? deadlineOf(status, receivedAt) : null);
  const now = Date.now();

  // The ref stops a double click that lands before the re-render marks the buttons busy.
  const inFlight = useRef(false);
  const run = (f: () => Promise<void>) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    void f().finally(() => {
      inFlight.current = false;
      setBusy(false);
    });
  };

  const live = online && !!status;
  const detail = live ? heroDetail(status, words.counting, now) : null;
  const holds = live ? holdLines(status, now) : [];
  const note = live ? modeNote(status.mode) : null;

  return (
    <section className={`card hero tone-${words.tone}`} aria-labelledby="state-label">
      <p className="eyebrow">Naptime</p>
      <div className="hero-main">
        <h2 id="state-label" data-testid="state">
          {words.label}
        </h2>
        {words.counting && remaining !== null && (
          <p className="countdown" role="timer" data-testid="countdown" aria-label={`${status && onlyWouldStop(status.mode) ? 'Would stop' : 'Stopping'} in ${formatCountdown(remaining)}`}>
            {formatCountdown(remaining)}
          </p>
        )}
      </div>
      {detail && (
        <p className="hero-detail" data-testid="hero-detail">
          {detail}
        </p>
      )}
      {note && (
        <p className="mode-note" data-testid="mode-note">
          {note}
        </p>
      )}
      {live && <ScheduleLine status={status} now={now} />}
      {holds.length > 0 && (
        <div className="holds">
          <h3 id="holds-title">Holds</h3>
          <ul aria-labelledby="holds-title" data-testid="holds">
            {holds.map((h, i) => (
              <li key={`${h.kind}:${i}`} data-kind={h.kind}>
                {h.text}
              </li>
            ))}
          </ul>
        </div>
      )}

      {live && <Blockers status={status} />}

      <HoldControls disabled={!online || busy} status={live ? status : null} run={run} />
      {/* Always mounted: screen readers announce changes to a live region, not its arrival. */}
      <p className="form-error" role="status" data-testid="action-error">
        {actionError ?? ''}
      </p>
      <p className="action-note muted small live-note" role="status" data-testid="action-note">
        {actionError ? '' : (actionNote ?? '')}
      </p>
      <NoticeOffer />
      {status?.sampled_at && (
        <p className="updated">
          {online ? 'Updated' : 'Last update'} <span data-testid="sampled-at">{clockTimeSeconds(status.sampled_at)}</span>
          <span className="zone" data-testid="zone">
            {' '}
            · times in {zoneText(now, runtimeZoneName())}
          </span>
        </p>
      )}
    </section>
  );
}

const NOTICE_ASKED_KEY = 'cloudsnooze.notice-asked';

function noticeAsked(): boolean {
  try {
    return localStorage.getItem(NOTICE_ASKED_KEY) === '1';
  } catch {
    return false;
  }
}

/** Browser only: offers a notification at the final warning, asked from this click, once. */
function NoticeOffer() {
  const [support, setSupport] = useState<NoticeSupport>(() => noticeSupport());
  const [asked, setAsked] = useState(noticeAsked);
  if (support !== 'default' || asked) return null;
  const ask = () => {
    setAsked(true);
    try {
      localStorage.setItem(NOTICE_ASKED_KEY, '1');
    } catch {
      // Private mode: asked once for this page, then.
    }
    void askNoticePermission().then(setSupport);
  };
  return (
    <p className="notice-offer" data-testid="notice-offer">
      <button type="button" className="link" onClick={ask}>
        Notify me at the final warning
      </button>
      <span className="muted"> — a browser notification, so a stop does not come unnoticed in another tab.</span>
    </p>
  );
}

/** Which schedule window is open and until when; the naptime it sets when that differs from the configured one. */
export function ScheduleLine({ status, now }: { status: Status; now: number }) {
  if (!status.schedule) return null;
  const naptime = status.effective_naptime_minutes !== status.naptime_minutes ? ` (naptime ${minutesWords(status.effective_naptime_minutes)} now)` : '';
  return (
    <p className="hero-detail" data-testid="schedule">
      {`Schedule: ${scheduleSummary(status.schedule, now)}${naptime}`}
    </p>
  );
}

export function Blockers({ status }: { status: Status }) {
  if (status.blockers.length === 0) {
    return <p className="blockers-none">{MESSAGES.nothingKeepsAwake}</p>;
  }
  // Keep-awake sources (a `snooze run` job, a watched process, an inhibitor lock, a schedule
  // window) first: they hold whatever the metrics say. Several share a kind, so the key is the place.
  const ordered = [...status.blockers.filter(isKeepAwake), ...status.blockers.filter((b) => !isKeepAwake(b))];
  return (
    <div className="blockers">
      <h3 id="blockers-title">Keeping it awake</h3>
      <ul aria-labelledby="blockers-title" data-testid="blockers">
        {ordered.map((b, i) => (
          <li key={`${i}:${b.metric}`} className={isKeepAwake(b) ? 'keep-awake' : undefined} data-kind={b.metric}>
            {b.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

function InstanceCard() {
  const instance = useRenderer((s) => s.instance);
  const mode = useRenderer((s) => s.policy.status?.mode ?? null);
  const version = useRenderer((s) => s.policy.status?.version ?? null);
  const rows: Array<[string, string]> = [
    ['Instance', instance?.id ?? '—'],
    ['Type', instance?.type ?? '—'],
    ['Region', instance?.region ?? '—'],
    ['Mode', mode ? modeWords(mode) : '—'],
    ['Agent', version ? `v${version}` : '—'],
  ];
  return (
    <section className="card instance" aria-labelledby="instance-title">
      <h2 id="instance-title">Instance</h2>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k} className="kv">
            <dt>{k}</dt>
            <dd data-testid={`instance-${k.toLowerCase()}`}>{v}</dd>
          </div>
        ))}
      </dl>
      <SavedLine />
    </section>
  );
}

function ChartFor({ spec, theme }: { spec: MetricSpec; theme: string }) {
  const threshold = useRenderer((s) => s.policy.status?.thresholds[spec.thresholdKey] ?? null);
  const note = useRenderer((s) => {
    const st = s.policy.status;
    if (!st) return null;
    if (spec.name === 'gpu') {
      if (s.settings.config && !s.settings.config.gpu_monitoring_enabled) return 'GPU monitoring is off';
      if (st.metrics.gpu_count === 0) return 'No GPU on this host';
    }
    if (spec.name === 'input' && st.input_unavailable?.includes('desktop')) return 'Desktop idle time unavailable on this display (always 0 s): desktop input not counted';
    if (spec.name === 'input' && st.input_sources.length === 0) return 'No input source on this host (does not block)';
    return null;
  });
  const gpus = useRenderer((s) => s.policy.status?.metrics.gpu_count ?? 0);
  // Several GPUs: the graph is the busiest card's, which is what decides.
  const shown = spec.name === 'gpu' && gpus > 1 ? { ...spec, title: `GPU (busiest of ${gpus})` } : spec;
  // A metric that does not apply here has no line to stay under.
  return <MetricChart spec={shown} threshold={note ? null : threshold} theme={theme} note={note} />;
}

function RecentEvents({ onShowAll }: { onShowAll: () => void }) {
  const events = useRenderer((s) => s.history.events);
  const recent = events.slice(0, 5);
  return (
    <section className="card recent" aria-labelledby="recent-title">
      <div className="card-head">
        <h2 id="recent-title">Recent events</h2>
        <button type="button" className="link" onClick={onShowAll}>
          All history
        </button>
      </div>
      {recent.length === 0 ? (
        <p className="muted">No events yet.</p>
      ) : (
        <ul className="events" data-testid="recent-events">
          {recent.map((e) => (
            <li key={e.id}>
              <time dateTime={e.time}>{whenText(e.time, Date.now(), true)}</time>
              <EventType type={e.type} />
              <span className="event-message">{e.message}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function Dashboard({ onShowHistory }: { onShowHistory: () => void }) {
  const theme = useColorScheme();
  return (
    <div className="dashboard">
      <div className="top-row">
        <StatusHero />
        <InstanceCard />
      </div>
      <section className="metrics-grid" aria-label="Live metrics, last 10 minutes">
        {METRIC_SPECS.map((spec) => (
          <ChartFor key={spec.name} spec={spec} theme={theme} />
        ))}
      </section>
      <RecentEvents onShowAll={onShowHistory} />
    </div>
  );
}
