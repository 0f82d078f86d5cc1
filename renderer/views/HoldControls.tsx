/** The dashboard's hold controls: postpone, stay awake and release, each with its own panel. */
import { useState, type FormEvent } from 'react';
import { POSTPONE_MAX_MINUTES, STAY_AWAKE_MAX_MINUTES, STAY_AWAKE_REASON_MAX_CHARS, type Status } from '../../contract/protocol.js';
import { minutesWords } from '../../contract/time-format.js';
import { useBridge } from '../context.js';
import { releaseButton } from '../hold-words.js';

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

const POSTPONE_CHOICES: ReadonlyArray<{ minutes: number; label: string }> = [
  { minutes: 30, label: '30 min' },
  { minutes: 60, label: '1 h' },
  { minutes: 120, label: '2 h' },
];

type Panel = null | 'postpone' | 'stay';

/** Postpone by 30 min / 1 h / 2 h / a custom time; stay awake for a time or until released, with a reason; release what is held. */
export function HoldControls({ disabled, status, run }: { disabled: boolean; status: Status | null; run: (f: () => Promise<void>) => void }) {
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
