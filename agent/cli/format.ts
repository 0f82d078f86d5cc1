/** Human renderings of STATUS and HISTORY for the terminal. */
import { csvField, csvNumber, inert, inertDeep } from '../../contract/text.js';
import { isKeepAwake, type HistoryEvent, type Status } from '../../contract/protocol.js';
import { scheduleSummary } from '../../contract/schedule.js';
import { clockTimeSeconds, dateTime, formatCountdown as clock } from '../../contract/time-format.js';

const STATE_WORDS: Record<Status['state'], string> = {
  active: 'Active',
  idle: 'Idle — counting down',
  warning: 'Final warning',
  postponed: 'Postponed',
  stay_awake: 'Staying awake',
  stopping: 'Stopping',
  monitor_only: 'Monitor only (cannot act)',
};

const MODE_WORDS: Record<Status['mode'], string> = {
  local: 'local mode (not on EC2: records what it would do)',
  dry_run: 'dry run (proves permissions, never stops)',
  aws: 'AWS (will tag and stop this instance)',
};


/** Local date and time to the minute, "2026-11-26 16:07", for hold end times. */
export function localDateTime(iso: string | null): string {
  return iso ? dateTime(iso).slice(0, 16) : '-';
}

function localTime(iso: string | null): string {
  return iso ? clockTimeSeconds(iso) : '-';
}

function num(v: number | null, unit: string, digits = 1): string {
  return v === null ? 'n/a' : `${v.toFixed(digits)} ${unit}`;
}

export function renderStatus(reply: Status): string {
  // Every string in the reply made inert: reasons, blockers, process names and errors come
  // from users and the cloud, and a field added later is covered without a second thought.
  const s = inertDeep(reply);
  const lines: string[] = [];
  const inst = s.instance.id ? `${s.instance.id} (${s.instance.type ?? '?'}, ${s.instance.region ?? '?'})` : 'this machine';
  lines.push(`CloudSnooze ${s.version} — ${inst}, ${MODE_WORDS[s.mode]}`);
  let state = STATE_WORDS[s.state];
  if (s.seconds_until_stop !== null) state += `: ${s.mode === 'aws' ? 'stops' : 'would stop'} in ${clock(s.seconds_until_stop)} (at ${localTime(s.stop_at)})`;
  if (s.state === 'postponed' && s.postponed_until) state = `Postponed until ${localTime(s.postponed_until)}${s.seconds_until_stop !== null ? `, stop in ${clock(s.seconds_until_stop)}` : ''}`;
  if (s.stay_awake) state = `Staying awake ${s.stay_awake.until ? `until ${localTime(s.stay_awake.until)}` : 'until released'} — ${s.stay_awake.reason}`;
  lines.push(`State:    ${state}`);
  // A schedule window may set the naptime: say which one is in force, and that it is not the configured one.
  const naptime = s.effective_naptime_minutes === s.naptime_minutes ? `${s.naptime_minutes} min` : `${s.effective_naptime_minutes} min (schedule; configured ${s.naptime_minutes} min)`;
  lines.push(`Naptime:  ${naptime}, warning ${s.warning_minutes} min before, sampling every ${s.check_interval_seconds} s${s.idle_since ? `; idle since ${localTime(s.idle_since)}` : ''}`);
  if (s.schedule) lines.push(`Schedule: ${scheduleSummary(s.schedule, Date.now())}`);
  lines.push('');
  lines.push('Metric        Now            Threshold');
  const m = s.metrics;
  const t = s.thresholds;
  const row = (name: string, now: string, thr: string) => lines.push(`${name.padEnd(14)}${now.padEnd(15)}${thr}`);
  row('CPU', num(m.cpu_percent, '%'), `${t.cpu_percent} %`);
  row('Memory', num(m.memory_percent, '%'), `${t.memory_percent} %`);
  row('Network', num(m.network_kbps, 'KB/s'), `${t.network_kbps} KB/s`);
  row('Disk I/O', num(m.disk_io_kbps, 'KB/s'), `${t.disk_io_kbps} KB/s`);
  row('GPU', m.gpu_count > 0 ? `${num(m.gpu_percent, '%')} ×${m.gpu_count}` : 'none', `${t.gpu_percent} %`);
  row('Input idle', m.input_idle_secs === null ? 'no source' : `${m.input_idle_secs} s`, `${t.input_idle_secs} s`);
  lines.push('');
  // Keep-awake sources first: they are the user's own intent, and hold whatever the metrics say.
  for (const b of s.blockers.filter(isKeepAwake)) lines.push(`Kept awake: ${b.reason}`);
  const metrics = s.blockers.filter((b) => !isKeepAwake(b));
  if (metrics.length) {
    lines.push('Keeping it awake:');
    for (const b of metrics) lines.push(`  - ${b.reason}`);
  } else if (!s.blockers.length) lines.push('Nothing keeps it awake: every metric is under its threshold.');
  if (s.error) lines.push(`Error:    ${s.error}`);
  return lines.join('\n');
}

export function renderHistoryText(events: HistoryEvent[]): string {
  if (events.length === 0) return 'No history events.';
  // One event per line: a message may quote a user's reason, which must neither command the
  // terminal nor start a line of its own.
  return events.map((e) => `${inert(e.time)}  ${inert(e.type).padEnd(13)} ${inert(e.message)}`).join('\n');
}

export function renderHistoryCsv(events: HistoryEvent[]): string {
  const rows = [['id', 'time', 'type', 'message', 'details'].join(',')];
  // csvField: inert, and a message such as "=HYPERLINK(...)" opens as text in a spreadsheet.
  for (const e of events) rows.push([csvNumber(e.id), ...[e.time, e.type, e.message, e.details ? JSON.stringify(e.details) : ''].map(csvField)].join(','));
  return rows.join('\n');
}
