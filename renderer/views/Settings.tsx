/**
 * Settings: every threshold, the timing and what a stop does. Save sends only the
 * changed keys; the agent is the one validator, and its error is shown next to the
 * field it names while the running config stays as it was.
 */
import { useState, type FormEvent } from 'react';
import type { Config, ConfigKey } from '../../contract/config-schema.js';
import { useBridge, useRenderer } from '../context.js';
import { codeSpans } from '../code-spans.js';
import { SETTINGS_GROUPS, SETTINGS_KEYS, diffDraft, dryRunNote, pinNote, type Draft, type Field } from '../settings-fields.js';

function shown(field: Field, config: Config, draft: Draft): string | boolean {
  const d = draft[field.key];
  if (d !== undefined) return d;
  const v = config[field.key];
  return field.kind === 'boolean' ? Boolean(v) : String(v);
}

/** An older agent's message names the key ("cpu_threshold_percent must be …"): the field's label reads better. */
function inWords(message: string | undefined, field: Field): string | undefined {
  return message?.replace(new RegExp(`(^|[^a-z0-9_])${field.key}($|[^a-z0-9_])`), `$1${field.label}$2`);
}

export function Settings() {
  const bridge = useBridge();
  const config = useRenderer((s) => s.settings.config);
  const agentErrors = useRenderer((s) => s.settings.errors);
  const saving = useRenderer((s) => s.settings.saving);
  const notice = useRenderer((s) => s.settings.notice);
  const online = useRenderer((s) => s.connection.online);
  const access = useRenderer((s) => s.settings.access ?? null);
  const mode = useRenderer((s) => s.policy.status?.mode ?? null);
  // `dry_run_flag` comes with the agent side of issue 12; read defensively so an older agent still works.
  const dryRunFlag = useRenderer((s) => (s.policy.status as { dry_run_flag?: boolean } | null)?.dry_run_flag);
  const [draft, setDraft] = useState<Draft>({});
  const [localErrors, setLocalErrors] = useState<Partial<Record<ConfigKey, string>>>({});

  if (!config) {
    return (
      <section className="card" aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <p className="muted">Waiting for the agent’s configuration…</p>
      </section>
    );
  }

  const { patch } = diffDraft(config, draft);
  const changed = Object.keys(patch).length;
  const errors: Record<string, string | undefined> = { ...agentErrors, ...localErrors };
  // Messages about keys this form does not show (file-only or nested ones): listed by the Save button.
  const otherErrors = Object.entries(agentErrors).filter(([k]) => k !== '_' && !(SETTINGS_KEYS as readonly string[]).includes(k));
  const fieldErrorCount = Object.entries(errors).filter(([k, v]) => v && (SETTINGS_KEYS as readonly string[]).includes(k)).length;
  const dryNote = dryRunNote(mode, config.dry_run, dryRunFlag);

  const edit = (key: ConfigKey, value: string | boolean) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setLocalErrors((e) => ({ ...e, [key]: undefined }));
    bridge.clearSettingsFeedback();
  };

  // Read-only until the agent's admin channel is known to answer this window.
  const readOnly = access !== null && !access.writable;
  const canUnlock = access !== null && !access.writable && access.unlock;
  const submit = (unlock: boolean) => {
    const { patch: p, errors: local } = diffDraft(config, draft);
    setLocalErrors(local);
    if (Object.keys(local).length > 0 || Object.keys(p).length === 0) return;
    void (unlock ? bridge.unlockAndSave(p) : bridge.saveConfig(p)).then((ok) => {
      if (ok) setDraft({});
    });
  };
  const onSubmit = (ev: FormEvent) => {
    ev.preventDefault();
    submit(canUnlock);
  };

  const discard = () => {
    setDraft({});
    setLocalErrors({});
    bridge.clearSettingsFeedback();
  };

  return (
    <form className="settings" onSubmit={onSubmit} noValidate aria-labelledby="settings-title">
      <div className="card settings-head">
        <h2 id="settings-title">Settings</h2>
        {/* Read-only: no change applies here, so the page does not say that changes do. */}
        {!(readOnly && !canUnlock) && <p className="muted">Changes apply to the running agent and are saved to its configuration file.</p>}
        {readOnly && (
          <p className="notice" role="note" data-testid="settings-read-only">
            <MessageText text={access.message} />
            {canUnlock && ' Unlock… asks for an administrator password for this change.'}
          </p>
        )}
      </div>
      {SETTINGS_GROUPS.map((g) => (
        <fieldset key={g.title} className="card group" disabled={readOnly && !canUnlock}>
          <legend>{g.title}</legend>
          <p className="muted group-help">{g.help}</p>
          {g.fields.map((f) => {
            // A fleet tag wins over the file: shown, read-only, with the tag named.
            const pinned = pinNote(config, f.key);
            const dry = f.key === 'dry_run' ? (dryNote?.text ?? null) : null;
            return (
              <FieldRow
                key={f.key}
                field={f}
                value={f.key === 'dry_run' && dryNote?.forced ? true : pinned ? shown(f, config, {}) : shown(f, config, draft)}
                error={inWords(errors[f.key], f)}
                note={[pinned, dry].filter(Boolean).join(' ') || null}
                locked={!!pinned || (f.key === 'dry_run' && !!dryNote?.forced)}
                onChange={(v) => edit(f.key, v)}
              />
            );
          })}
        </fieldset>
      ))}
      <div className="card save-bar">
        <div className="save-feedback" role="status" aria-live="polite">
          {notice && <span className="ok">{notice}</span>}
          {errors._ && (
            <span className="form-error">
              Not saved: <MessageText text={errors._} />
            </span>
          )}
          {otherErrors.map(([k, m]) => (
            <span key={k} className="form-error" data-testid={`error-${k}`}>
              Not saved: {m}
            </span>
          ))}
          {!notice && !errors._ && otherErrors.length === 0 && fieldErrorCount > 0 && (
            <span className="form-error">Not saved: see the {fieldErrorCount === 1 ? 'highlighted field' : `${fieldErrorCount} highlighted fields`}.</span>
          )}
        </div>
        <button type="button" onClick={discard} disabled={saving || Object.keys(draft).length === 0}>
          Discard changes
        </button>
        <button type="submit" className="primary" disabled={!online || saving || changed === 0 || (readOnly && !canUnlock)}>
          {saving ? 'Saving…' : canUnlock ? 'Unlock…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

function FieldRow({
  field,
  value,
  error,
  note = null,
  locked = false,
  onChange,
}: {
  field: Field;
  value: string | boolean;
  error: string | undefined;
  /** A fact about this field's effect now (the --dry-run flag, local mode). */
  note?: string | null;
  /** Shown but not changeable here (set on the agent's command line). */
  locked?: boolean;
  onChange: (v: string | boolean) => void;
}) {
  const id = `cfg-${field.key}`;
  const errId = `err-${field.key}`;
  const helpId = `help-${field.key}`;
  const noteId = `note-${field.key}`;
  const describedBy = [field.help ? helpId : null, note ? noteId : null, error ? errId : null].filter(Boolean).join(' ') || undefined;

  if (field.kind === 'boolean') {
    return (
      <div className={`field check${error ? ' invalid' : ''}`}>
        <input
          id={id}
          name={field.key}
          type="checkbox"
          checked={value === true}
          disabled={locked}
          onChange={(e) => onChange(e.currentTarget.checked)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        />
        <label htmlFor={id}>{field.label}</label>
        {note && (
          <p id={noteId} className="field-help" data-testid={`note-${field.key}`}>
            {note}
          </p>
        )}
        {error && (
          <p id={errId} className="field-error" data-testid={`error-${field.key}`}>
            {error}
          </p>
        )}
      </div>
    );
  }
  const numeric = field.kind !== 'text';
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>
        {field.label}
        {field.unit && <span className="unit"> ({field.unit})</span>}
      </label>
      <input
        id={id}
        name={field.key}
        type={numeric ? 'number' : 'text'}
        inputMode={field.kind === 'integer' ? 'numeric' : numeric ? 'decimal' : undefined}
        step={field.kind === 'number' ? 'any' : undefined}
        value={String(value)}
        readOnly={locked}
        aria-readonly={locked || undefined}
        onChange={(e) => onChange(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        spellCheck={false}
        autoComplete="off"
      />
      {field.help && (
        <p id={helpId} className="field-help">
          {field.help}
        </p>
      )}
      {note && (
        <p id={noteId} className="field-help" data-testid={`note-${field.key}`}>
          {note}
        </p>
      )}
      {error && (
        <p id={errId} className="field-error" data-testid={`error-${field.key}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A message with its `commands` shown as code, not between stray backticks. */
function MessageText({ text }: { text: string }) {
  return (
    <>
      {codeSpans(text).map((s, i) => (s.code ? <code key={i}>{s.text}</code> : <span key={i}>{s.text}</span>))}
    </>
  );
}
