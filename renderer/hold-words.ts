/**
 * What holds the instance, in words, whatever its state: a postponement or a stay-awake
 * stays visible while metrics keep the box awake ("Postponed until 15:54 — and active
 * now: CPU 75 %"), and the Release button says what it releases. Pure.
 */
import { isKeepAwake, type Status } from '../contract/protocol.js';
// The one wording of a blocker, shared with the tray and the CLI: "CPU 75 %", never "CPU 75.0 %" here and "CPU 75 %" there.
import { blockerShort } from '../contract/messages.js';
import { onlyWouldStop } from './format.js';
import { minutesWords, whenText } from '../contract/time-format.js';

export interface HoldLine {
  kind: 'postpone' | 'stay_awake' | 'run';
  text: string;
}

/** "CPU 75 %, memory 40 %": what keeps it awake right now, or null when nothing does. */
export function activeNow(status: Status): string | null {
  if (status.blockers.length === 0) return null;
  return status.blockers.map(blockerShort).join(', ');
}

/**
 * Every active hold, one line each. The first carries "— and active now: …" while the
 * metrics keep it awake too, so the two reasons are never mistaken for one.
 */
export function holdLines(status: Status, now: number): HoldLine[] {
  const lines: HoldLine[] = [];
  if (status.postponed_until) lines.push({ kind: 'postpone', text: `Postponed until ${whenText(status.postponed_until, now)}` });
  const sa = status.stay_awake;
  if (sa) {
    const until = sa.until ? `until ${whenText(sa.until, now)}` : 'until released';
    lines.push({ kind: 'stay_awake', text: `Staying awake ${until}${sa.reason ? `: ${sa.reason}` : ''}` });
  }
  for (const r of status.runs) {
    lines.push({ kind: 'run', text: `While ${r.command} runs (pid ${r.pid})${r.reason ? `: ${r.reason}` : ''}` });
  }
  const more = status.runs_total - status.runs.length;
  if (more > 0) lines.push({ kind: 'run', text: `and ${more} more snooze run ${more === 1 ? 'hold' : 'holds'}` });
  // Metrics only: a keep-awake source (a `snooze run` job is one) is listed under "Keeping it awake",
  // and a run hold is already a line here; naming it again after "active now" said it twice.
  const busy = status.state === 'active' ? activeNow({ ...status, blockers: status.blockers.filter((b) => !isKeepAwake(b)) }) : null;
  if (busy && lines[0]) lines[0] = { ...lines[0], text: `${lines[0].text} — and active now: ${busy}` };
  return lines;
}

export interface ReleaseButton {
  label: string;
  disabled: boolean;
  /** Why it is disabled, or what stays after it (process holds end with their command). */
  note: string | null;
}

/** RELEASE clears the postponement and the stay-awake; `snooze run` holds end only with their command. */
export function releaseButton(status: Status | null): ReleaseButton {
  // No agent, no knowledge: "Nothing to release" while offline could hide a hold the agent still keeps.
  if (!status) return { label: 'Release', disabled: true, note: null };
  const postponed = !!status?.postponed_until;
  const staying = !!status?.stay_awake;
  const runs = status?.runs_total ?? 0;
  const runNote = runs > 0 ? `${runs === 1 ? 'A snooze run hold ends' : `${runs} snooze run holds end`} with ${runs === 1 ? 'its command' : 'their commands'}, not here.` : null;
  if (!postponed && !staying) return { label: 'Release', disabled: true, note: runNote ?? 'Nothing to release.' };
  const what = postponed && staying ? 'postponement and stay-awake' : postponed ? 'postponement' : 'stay-awake';
  return { label: `Release ${what}`, disabled: false, note: runNote };
}

/** The line under the headline: when the stop comes, or why it does not. Null when the headline says it all. */
export function heroDetail(status: Status, stateCounting: boolean, now: number): string | null {
  const would = onlyWouldStop(status.mode);
  const at = status.stop_at ? whenText(status.stop_at, now, true) : null;
  switch (status.state) {
    case 'postponed':
      return at ? `Earliest ${would ? 'it would stop' : 'stop'}: ${at}, if it stays idle` : null;
    case 'stay_awake':
      return null;
    case 'monitor_only':
      return `It watches but stops nothing${status.error ? `: ${status.error}` : '.'}`;
    case 'active':
      // A hold outlasts the naptime: saying "stops after 30 minutes" would promise what will not happen.
      if (status.postponed_until || status.stay_awake || status.runs_total > 0) return null;
      return `${would ? 'Would stop' : 'Stops'} after ${minutesWords(status.effective_naptime_minutes)} with every metric below its threshold`;
    default:
      if (stateCounting && at) return would ? `Would stop at ${at}; nothing is stopped in this mode` : `Stops at ${at} unless something becomes active`;
      return null;
  }
}
