/** The dashboard: countdown and state, what keeps the instance awake, holds, the instance, live graphs, recent events. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { POSTPONE_MAX_MINUTES, STAY_AWAKE_MAX_MINUTES, STAY_AWAKE_REASON_MAX_CHARS, isKeepAwake, type Status } from '../../contract/protocol.js';
import { scheduleSummary } from '../../contract/schedule.js';
import { useBridge, useRenderer } from '../context.js';
import { deadlineOf, useCountdown } from '../countdown.js';
import { METRIC_SPECS, clockTimeSeconds, formatCountdown, modeNote, modeWords, onlyWouldStop, stateWords, type MetricSpec } from '../format.js';
import { heroDetail, holdLines, releaseButton } from '../hold-words.js';
import { minutesWords, runtimeZoneName, whenText, zoneText } from '../../contract/time-format.js';
import { askNoticePermission, noticeSupport, type NoticeSupport } from '../warning-notice.js';
import { MetricChart } from './MetricChart.js';
import { EventType } from './History.js';
import { SavedLine } from './Savings.js';

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

      <HoldControls disabled={!online || busy} status={status} run={run} />
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

const POSTPONE_CHOICES: ReadonlyArray<{ minutes: number; label: string }> = [
  { minutes: 30, label: '30 min' },
  { minutes: 60, label: '1 h' },
  { minutes: 120, label: '2 h' },
];

type Panel = null | 'postpone' | 'stay';

/** Postpone by 30 min / 1 h / 2 h / a custom time; stay awake for a time or until released, with a reason; release what is held. */
function HoldControls({ disabled, status, run }: { disabled: boolean; status: Status | null; run: (f: () => Promise<void>) => void }) {
  const bridge = useBridge();
  const [panel, setPanel] = useState<Panel>(null);
  const release = releaseButton(status);
  const toggle = (p: Panel) => setPanel((cur) => (cur === p ? null : p));
  return (
    <div className="hold-controls">
      <div className="actions">
        <div className="button-group" role="group" aria-labelledby="postpone-label">
          <span id="postpone-label" className="group-label">
            Postpone
          </span>
          {POSTPONE_CHOICES.map((c, i) => (
            <ActionButton
              key={c.minutes}
              primary={i === 0}
              label={`Postpone ${c.label}`}
              disabled={disabled}
              onPress={() => run(() => bridge.postpone(c.minutes))}
            >
              {c.label}
            </ActionButton>
          ))}
          <button type="button" aria-expanded={panel === 'postpone'} aria-controls="postpone-panel" aria-label="Postpone by another time" onClick={() => toggle('postpone')}>
            Other…
          </button>
        </div>
        <button type="button" aria-expanded={panel === 'stay'} aria-controls="stay-panel" onClick={() => toggle('stay')}>
          Stay awake…
        </button>
        <ActionButton disabled={disabled || release.disabled} describedBy="release-note" onPress={() => run(() => bridge.release())}>
          {release.label}
        </ActionButton>
      </div>
      {release.note && (
        <p id="release-note" className="muted small" data-testid="release-note">
          {release.note}
        </p>
      )}
      {panel === 'postpone' && (
        <PostponeForm
          disabled={disabled}
          onDone={() => setPanel(null)}
          onSubmit={(minutes) => run(async () => {
            await bridge.postpone(minutes);
            setPanel(null);
          })}
        />
      )}
      {panel === 'stay' && (
        <StayAwakeForm
          disabled={disabled}
          onDone={() => setPanel(null)}
          onSubmit={(minutes, reason) => run(async () => {
            await bridge.stayAwake(minutes, reason);
            setPanel(null);
          })}
        />
      )}
    </div>
  );
}

type Unit = 'minutes' | 'hours';

/** A positive duration in minutes within `max`, or the reason it is not one. */
function parseDuration(text: string, unit: Unit, max: number): { minutes: number } | { error: string } {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) return { error: 'Enter a number.' };
  if (n <= 0) return { error: 'Enter a time longer than zero.' };
  const minutes = unit === 'hours' ? n * 60 : n;
  if (minutes > max) return { error: `At most ${minutesWords(max)}.` };
  return { minutes };
}

function DurationInput({ id, value, unit, error, onValue, onUnit }: { id: string; value: string; unit: Unit; error: string | null; onValue: (v: string) => void; onUnit: (u: Unit) => void }) {
  return (
    <div className="duration">
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min="0"
        step="any"
        value={value}
        onChange={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <select aria-label="Unit" value={unit} onChange={(e) => onUnit(e.currentTarget.value as Unit)}>
        <option value="minutes">minutes</option>
        <option value="hours">hours</option>
      </select>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function PostponeForm({ disabled, onSubmit, onDone }: { disabled: boolean; onSubmit: (minutes: number) => void; onDone: () => void }) {
  const [value, setValue] = useState('45');
  const [unit, setUnit] = useState<Unit>('minutes');
  const [error, setError] = useState<string | null>(null);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const d = parseDuration(value, unit, POSTPONE_MAX_MINUTES);
    if ('error' in d) return setError(d.error);
    setError(null);
    if (!disabled) onSubmit(d.minutes);
  };
  return (
    <form id="postpone-panel" className="hold-panel" onSubmit={submit} noValidate aria-label="Postpone by another time">
      <label htmlFor="postpone-custom">Postpone by</label>
      <DurationInput id="postpone-custom" value={value} unit={unit} error={error} onValue={setValue} onUnit={setUnit} />
      <PanelButtons submit="Postpone" disabled={disabled} onCancel={onDone} />
    </form>
  );
}

/** A hold panel's submit and Cancel: aria-disabled keeps the button focusable while a command runs. */
function PanelButtons({ submit, disabled, onCancel }: { submit: string; disabled: boolean; onCancel: () => void }) {
  return (
    <div className="panel-buttons">
      <button type="submit" className="primary" aria-disabled={disabled}>
        {submit}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

const STAY_CHOICES: ReadonlyArray<{ value: string; label: string; minutes?: number }> = [
  { value: '60', label: '1 hour', minutes: 60 },
  { value: '240', label: '4 hours', minutes: 240 },
  { value: 'release', label: 'Until I release it' },
  { value: 'custom', label: 'Custom' },
];

function StayAwakeForm({ disabled, onSubmit, onDone }: { disabled: boolean; onSubmit: (minutes: number | undefined, reason: string) => void; onDone: () => void }) {
  const [choice, setChoice] = useState('60');
  const [value, setValue] = useState('8');
  const [unit, setUnit] = useState<Unit>('hours');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    let minutes: number | undefined;
    if (choice === 'custom') {
      const d = parseDuration(value, unit, STAY_AWAKE_MAX_MINUTES);
      if ('error' in d) return setError(d.error);
      minutes = d.minutes;
    } else minutes = STAY_CHOICES.find((c) => c.value === choice)?.minutes;
    setError(null);
    if (!disabled) onSubmit(minutes, reason);
  };
  return (
    <form id="stay-panel" className="hold-panel" onSubmit={submit} noValidate aria-label="Stay awake">
      <fieldset className="choices">
        <legend>Stay awake for</legend>
        {STAY_CHOICES.map((c) => (
          <label key={c.value} className="choice">
            <input type="radio" name="stay-for" value={c.value} checked={choice === c.value} onChange={() => setChoice(c.value)} />
            {c.label}
          </label>
        ))}
      </fieldset>
      {choice === 'custom' && (
        <>
          <label htmlFor="stay-custom" className="visually-hidden">
            Custom time
          </label>
          <DurationInput id="stay-custom" value={value} unit={unit} error={error} onValue={setValue} onUnit={setUnit} />
        </>
      )}
      <label htmlFor="stay-reason">Reason (optional)</label>
      <input
        id="stay-reason"
        type="text"
        maxLength={STAY_AWAKE_REASON_MAX_CHARS}
        placeholder="e.g. training run until Friday"
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
      />
      <PanelButtons submit="Stay awake" disabled={disabled} onCancel={onDone} />
    </form>
  );
}

/** Remembered per dashboard origin: a dismissed prompt is not offered again on every visit. */
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

/**
 * aria-disabled rather than disabled: a natively disabled button loses focus (to <body>)
 * the moment it is disabled, so keyboard users would be thrown out after each action.
 */
function ActionButton({
  disabled,
  primary,
  label,
  describedBy,
  onPress,
  children,
}: {
  disabled: boolean;
  primary?: boolean;
  /** The accessible name, where the visible text leans on its group ("1 h" under "Postpone"). */
  label?: string;
  describedBy?: string;
  onPress: () => void;
  children: string;
}) {
  return (
    <button
      type="button"
      className={primary ? 'primary' : undefined}
      aria-disabled={disabled}
      aria-label={label}
      aria-describedby={describedBy}
      onClick={() => {
        if (!disabled) onPress();
      }}
    >
      {children}
    </button>
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
