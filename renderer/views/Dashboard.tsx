/** The dashboard: countdown and state, what keeps the instance awake, holds, the instance, live graphs, recent events. */
import { useEffect, useRef, useState } from 'react';
import { isKeepAwake, type Status } from '../../contract/protocol.js';
import { scheduleSummary } from '../../contract/schedule.js';
import { useBridge, useRenderer } from '../context.js';
import { METRIC_SPECS, clockTime, clockTimeSeconds, formatCountdown, modeWords, stateWords, type MetricSpec } from '../format.js';
import { MetricChart } from './MetricChart.js';
import { EventType } from './History.js';
import { POSTPONE_MINUTES } from '../bridge.js';

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

/** Local epoch ms of the stop: from seconds_until_stop at arrival, so a skewed browser clock (SSH tunnel) does not matter. */
function deadlineOf(status: Status | null, receivedAt: number): number | null {
  if (!status) return null;
  if (status.seconds_until_stop !== null) return receivedAt + status.seconds_until_stop * 1000;
  if (status.stop_at) return Date.parse(status.stop_at);
  return null;
}

/** Seconds left, re-rendered once a second between frames. */
function useCountdown(deadline: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    setNow(Date.now());
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, [deadline]);
  return deadline === null ? null : Math.max(0, (deadline - now) / 1000);
}

function StatusHero() {
  const bridge = useBridge();
  const status = useRenderer((s) => s.policy.status);
  const receivedAt = useRenderer((s) => s.policy.receivedAt);
  const online = useRenderer((s) => s.connection.online);
  const actionError = useRenderer((s) => s.policy.actionError);
  const settled = useRenderer((s) => s.connection.settled);
  const [busy, setBusy] = useState(false);
  const words = stateWords(status, online, !settled);
  const remaining = useCountdown(words.counting ? deadlineOf(status, receivedAt) : null);
  const held = !!status && (status.postponed_until !== null || status.stay_awake !== null);

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

  let detail: string | null = null;
  if (online && status) {
    if (status.state === 'postponed') detail = status.stop_at ? `Earliest stop at ${clockTimeSeconds(status.stop_at)} if it stays idle` : null;
    else if (words.counting && status.stop_at) detail = `Stops at ${clockTimeSeconds(status.stop_at)} unless something becomes active`;
    else if (status.state === 'stay_awake') detail = status.stay_awake?.until ? `Until ${clockTime(status.stay_awake.until)}` : 'Until you release it';
    else if (status.state === 'active') detail = `Stops after ${formatMinutes(status.effective_naptime_minutes)} with every metric below its threshold`;
  }

  return (
    <section className={`card hero tone-${words.tone}`} aria-labelledby="state-label">
      <p className="eyebrow">Naptime</p>
      <div className="hero-main">
        <h2 id="state-label" data-testid="state">
          {words.label}
        </h2>
        {words.counting && remaining !== null && (
          <p className="countdown" role="timer" data-testid="countdown" aria-label={`Stopping in ${formatCountdown(remaining)}`}>
            {formatCountdown(remaining)}
          </p>
        )}
      </div>
      {detail && <p className="hero-detail">{detail}</p>}
      {online && status && <ScheduleLine status={status} now={Date.now()} />}

      {online && status && <Blockers status={status} />}

      <div className="actions">
        <ActionButton primary disabled={!online || busy} onPress={() => run(() => bridge.postpone(POSTPONE_MINUTES))}>
          Postpone 30 min
        </ActionButton>
        <ActionButton disabled={!online || busy} onPress={() => run(() => bridge.stayAwake())}>
          Stay awake
        </ActionButton>
        <ActionButton disabled={!online || busy || !held} onPress={() => run(() => bridge.release())}>
          Release
        </ActionButton>
      </div>
      {/* Always mounted: screen readers announce changes to a live region, not its arrival. */}
      <p className="form-error" role="status" data-testid="action-error">
        {actionError ?? ''}
      </p>
      {status?.sampled_at && (
        <p className="updated">
          {online ? 'Updated' : 'Last update'} <span data-testid="sampled-at">{clockTimeSeconds(status.sampled_at)}</span>
        </p>
      )}
    </section>
  );
}

/**
 * aria-disabled rather than disabled: a natively disabled button loses focus (to <body>)
 * the moment it is disabled, so keyboard users would be thrown out after each action.
 */
function ActionButton({ disabled, primary, onPress, children }: { disabled: boolean; primary?: boolean; onPress: () => void; children: string }) {
  return (
    <button
      type="button"
      className={primary ? 'primary' : undefined}
      aria-disabled={disabled}
      onClick={() => {
        if (!disabled) onPress();
      }}
    >
      {children}
    </button>
  );
}

function formatMinutes(m: number): string {
  if (m < 1) return `${Math.round(m * 60)} seconds`;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} minute${m === 1 ? '' : 's'}`;
}

/** Which schedule window is open and until when; the naptime it sets when that differs from the configured one. */
export function ScheduleLine({ status, now }: { status: Status; now: number }) {
  if (!status.schedule) return null;
  const naptime = status.effective_naptime_minutes !== status.naptime_minutes ? ` (naptime ${formatMinutes(status.effective_naptime_minutes)} now)` : '';
  return (
    <p className="hero-detail" data-testid="schedule">
      {`Schedule: ${scheduleSummary(status.schedule, now)}${naptime}`}
    </p>
  );
}

export function Blockers({ status }: { status: Status }) {
  if (status.blockers.length === 0) {
    return <p className="blockers-none">Nothing keeps it awake: every metric is below its threshold.</p>;
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
              <time dateTime={e.time}>{clockTimeSeconds(e.time)}</time>
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
