/** Human renderings of STATUS and HISTORY for the terminal. */
import { csvField, csvNumber, inert, inertDeep } from '../../contract/text.js';
import { isKeepAwake, RATE_UNIT, type HistoryEvent, type Status } from '../../contract/protocol.js';
import { scheduleSummary } from '../../contract/schedule.js';
import { dateTimeZone, durationWords, fmtNumber, formatCountdown as clock, formatDuration, localStamp, minutesWords } from '../../contract/time-format.js';
import { MESSAGES, blockerShort } from '../../contract/messages.js';

const STATE_WORDS: Record<Status['state'], string> = {
  active: 'Active',
  idle: 'Idle — counting down',
  warning: 'Final warning',
  postponed: 'Postponed',
  stay_awake: 'Staying awake',
  stopping: 'Stopping',
  monitor_only: MESSAGES.monitorOnly,
};

// On AWS but only watching (a Disabled tag, no permissions): the header must not promise a stop.
const MONITOR_ONLY_AWS = 'AWS, watching only (stops nothing now)';

const MODE_WORDS: Record<Status['mode'], string> = {
  local: 'local mode (not on EC2): would stop, never stops',
  dry_run: 'dry run (proves permissions): would stop, never stops',
  aws: 'AWS (will tag and stop this instance)',
};


/** A hold's end for a reply line: "16:07 CET" today, "2026-11-27 16:07 CET" another day. */
export function localDateTime(iso: string | null, now = Date.now()): string {
  return iso ? localStamp(iso, now) : '-';
}


function num(v: number | null, unit: string, digits = 1): string {
  return v === null ? 'n/a' : `${v.toFixed(digits)} ${unit}`;
}

/**
 * Every hold in force, with its end and reason, whatever the metrics say: a postponement
 * still decides the stop time while the box is busy, and the user must see it.
 */
export function holdsOf(s: Status, now = Date.now()): string[] {
  // Local, with the zone: the reader may sit in another one over SSH ("15:54:07 CET").
  const localTime = (iso: string) => localStamp(iso, now, { seconds: true });
  const out: string[] = [];
  if (s.postponed_until) out.push(`Postponed until ${localTime(s.postponed_until)}`);
  if (s.stay_awake) out.push(`Staying awake ${s.stay_awake.until ? `until ${localTime(s.stay_awake.until)}` : 'until released'} — ${s.stay_awake.reason}`);
  // An older agent's STATUS has no runs: nothing to list.
  const runs = s.runs ?? [];
  for (const r of runs) out.push(`Kept awake while pid ${r.pid} runs (${r.command})${r.reason ? ` — ${r.reason}` : ''}`);
  const more = (s.runs_total ?? 0) - runs.length;
  if (more > 0) out.push(`and ${more} more snooze run hold${more === 1 ? '' : 's'}`);
  for (const b of s.blockers) if (b.metric === 'schedule') out.push(b.reason);
  return out;
}

export interface RenderOptions {
  /** Seconds since this status was received: the countdown keeps moving between samples (status --watch). */
  elapsedSecs?: number;
}

export function renderStatus(reply: Status, opts: RenderOptions = {}): string {
  // Every string in the reply made inert: reasons, blockers, process names and errors come
  // from users and the cloud, and a field added later is covered without a second thought.
  const s = inertDeep(reply);
  // "Today" is the status's own moment (the agent's clock), so a time on another day gets its date.
  const sampled = Date.parse(s.sampled_at ?? '');
  const now = Number.isFinite(sampled) ? sampled : Date.now();
  const localTime = (iso: string | null) => (iso ? localStamp(iso, now, { seconds: true }) : '-');
  const lines: string[] = [];
  const inst = s.instance.id ? `${s.instance.id} (${s.instance.type ?? '?'}, ${s.instance.region ?? '?'})` : 'this machine';
  lines.push(`CloudSnooze ${s.version} — ${inst}, ${s.mode === 'aws' && s.state === 'monitor_only' ? MONITOR_ONLY_AWS : MODE_WORDS[s.mode]}${s.dry_run_flag ? ' (--dry-run on the agent\'s command line)' : ''}`);
  const left = s.seconds_until_stop === null ? null : Math.max(0, s.seconds_until_stop - (opts.elapsedSecs ?? 0));
  const countdown = left === null ? '' : `${s.mode === 'aws' ? 'stops' : 'would stop'} in ${clock(left)} (at ${localTime(s.stop_at)})`;
  const busy = s.blockers.filter((b) => !isKeepAwake(b)).map(blockerShort);
  const holds = holdsOf(s, now);
  let state: string;
  if (s.state === 'monitor_only') {
    // Its reason on the state line, as the tray puts it: a Disabled tag is a fleet admin's
    // choice, not an "Error:", and no hold or countdown matters while it only watches.
    state = s.error ? `${STATE_WORDS.monitor_only} — ${s.error}` : STATE_WORDS.monitor_only;
  } else if (holds.length) {
    // "Postponed until 15:54 — and active now: CPU 75 %": the hold first, then what else keeps it up.
    state = holds.join('; ');
    if (busy.length) state += ` — and active now: ${busy.join(', ')}`;
    // The stop comes when the hold ends (idle all along): say so once, not the same time twice.
    else if (countdown && s.stop_at && s.postponed_until && Date.parse(s.stop_at) === Date.parse(s.postponed_until)) state += ` — ${s.mode === 'aws' ? 'stops' : 'would stop'} then if still idle`;
    else if (countdown) state += ` — then ${countdown}`;
  } else {
    state = STATE_WORDS[s.state];
    if (countdown) state += `: ${countdown}`;
    else if (s.state === 'active' && busy.length) state += ` now: ${busy.join(', ')}`;
  }
  lines.push(`State:    ${state}`);
  // A schedule window may set the naptime: say which one is in force, and that it is not the configured one.
  const naptime =
    s.effective_naptime_minutes === s.naptime_minutes ? minutesWords(s.naptime_minutes) : `${minutesWords(s.effective_naptime_minutes)} (schedule; configured ${minutesWords(s.naptime_minutes)})`;
  lines.push(`Naptime:  ${naptime}, warning ${minutesWords(s.warning_minutes)} before, sampling every ${durationWords(s.check_interval_seconds)}${s.idle_since ? `; idle since ${localTime(s.idle_since)}` : ''}`);
  if (s.schedule) lines.push(`Schedule: ${scheduleSummary(s.schedule, Date.now())}`);
  lines.push('');
  lines.push('Metric        Now            Threshold');
  const m = s.metrics;
  const t = s.thresholds;
  const row = (name: string, now: string, thr: string) => lines.push(`${name.padEnd(14)}${now.padEnd(15)}${thr}`);
  row('CPU', num(m.cpu_percent, '%'), `${fmtNumber(t.cpu_percent)} %`);
  row('Memory', num(m.memory_percent, '%'), `${fmtNumber(t.memory_percent)} %`);
  row('Network', num(m.network_kbps, RATE_UNIT), `${fmtNumber(t.network_kbps)} ${RATE_UNIT}`);
  row('Disk I/O', num(m.disk_io_kbps, RATE_UNIT), `${fmtNumber(t.disk_io_kbps)} ${RATE_UNIT}`);
  row('GPU', m.gpu_count > 0 ? `${num(m.gpu_percent, '%')} ×${m.gpu_count}` : 'none', `${fmtNumber(t.gpu_percent)} %`);
  row('Input idle', m.input_idle_secs === null ? 'no source' : formatDuration(m.input_idle_secs), formatDuration(t.input_idle_secs));
  lines.push('');
  // Keep-awake sources first: they are the user's own intent, and hold whatever the metrics say.
  for (const b of s.blockers.filter(isKeepAwake)) lines.push(`Kept awake: ${b.reason}`);
  const metrics = s.blockers.filter((b) => !isKeepAwake(b));
  if (metrics.length) {
    lines.push('Keeping it awake:');
    for (const b of metrics) lines.push(`  - ${b.reason}`);
  } else if (!s.blockers.length) lines.push(MESSAGES.nothingKeepsAwake);
  if (s.error && s.state !== 'monitor_only') lines.push(`Error:    ${s.error}`);
  return lines.join('\n');
}

export function renderHistoryText(events: HistoryEvent[]): string {
  if (events.length === 0) return 'No history events.';
  // One event per line: a message may quote a user's reason, which must neither command the
  // terminal nor start a line of its own.
  // People read local time, with the zone (the history may span a DST change); --format json/csv keep UTC.
  return events.map((e) => `${inert(dateTimeZone(e.time))}  ${inert(e.type).padEnd(19)} ${inert(e.message)}`).join('\n');
}

export function renderHistoryCsv(events: HistoryEvent[]): string {
  const rows = [['id', 'time', 'type', 'message', 'details'].join(',')];
  // csvField: inert, and a message such as "=HYPERLINK(...)" opens as text in a spreadsheet.
  for (const e of events) rows.push([csvNumber(e.id), ...[e.time, e.type, e.message, e.details ? JSON.stringify(e.details) : ''].map(csvField)].join(','));
  return rows.join('\n');
}
