/**
 * What the tray shows for a given agent status: icon, tooltip and context menu.
 * Pure so every state is unit-tested without Electron; tray.ts turns the menu spec
 * into an Electron Menu.
 */
import { isKeepAwake, type MetricName, type Status } from '../contract/protocol.js';
import { MESSAGES, blockerShort } from '../contract/messages.js';
import { savedText } from '../contract/savings-text.js';
import { inert } from '../contract/text.js';
import { formatCountdown, minutesWords, whenText } from '../contract/time-format.js';
import type { ConnectionState } from '../contract/ipc.js';

export const TRAY_ICONS = ['active', 'countdown', 'warning', 'postponed', 'awake', 'offline', 'error'] as const;
export type TrayIcon = (typeof TRAY_ICONS)[number];

export type TrayAction =
  | 'postpone:30'
  | 'postpone:60'
  | 'postpone:120'
  | 'stay-awake:60'
  | 'stay-awake:240'
  | 'stay-awake:indefinite'
  | 'release'
  | 'restart-agent'
  | 'open-dashboard'
  | 'open-settings'
  | 'open-history'
  | 'toggle-login'
  | 'quit';

export type MenuSpec =
  | { kind: 'label'; label: string }
  | { kind: 'separator' }
  | { kind: 'item'; label: string; action: TrayAction; enabled: boolean }
  | { kind: 'checkbox'; label: string; action: TrayAction; checked: boolean }
  | { kind: 'submenu'; label: string; enabled: boolean; items: MenuSpec[] };

export interface TrayView {
  icon: TrayIcon;
  tooltip: string;
  menu: MenuSpec[];
}

export interface TrayViewOptions {
  openAtLogin?: boolean;
  /** Set when the bundled agent could not be kept running: shown instead of "offline". */
  agentFailure?: string | null;
  /** Clock for the countdown; the status's stop_at is absolute, so the tooltip can tick between frames. */
  now?: number;
  /**
   * Linux: the tooltip counts down in whole minutes. Setting it re-sends the whole D-Bus
   * menu there, which refreshes a menu the user has open.
   */
  coarseTooltip?: boolean;
}

/** Seconds until the stop: from the absolute stop time when known, so it keeps counting between frames. */
export function secondsUntilStop(status: Status, now: number): number | null {
  if (status.stop_at) {
    const at = Date.parse(status.stop_at);
    if (Number.isFinite(at)) return Math.max(0, (at - now) / 1000);
  }
  return status.seconds_until_stop;
}

const COUNTING = new Set<Status['state']>(['idle', 'warning', 'stopping']);

export function iconFor(status: Status | null, connection: ConnectionState, agentFailure?: string | null): TrayIcon {
  if (agentFailure) return 'error';
  if (!connection.online || !status) return 'offline';
  switch (status.state) {
    case 'active':
      return 'active';
    case 'idle':
      return 'countdown';
    case 'warning':
    case 'stopping':
      return 'warning';
    case 'postponed':
      return 'postponed';
    case 'stay_awake':
      return 'awake';
    case 'monitor_only':
      return 'error';
  }
}

function blockersText(status: Status): string {
  if (status.blockers.length === 0) return 'waiting for the next sample';
  // Keep-awake sources first: a `snooze run` job or an inhibitor lock says more than "CPU 12%".
  const ordered = [...status.blockers.filter(isKeepAwake), ...status.blockers.filter((b) => !isKeepAwake(b))];
  const shown = ordered.slice(0, 2).map((b) => b.reason);
  const more = status.blockers.length - shown.length;
  return more > 0 ? `${shown.join(', ')} +${more} more` : shown.join(', ');
}

/** A stay-awake's reason in a line: a user's words, inert and short. */
const REASON_MAX = 40;
const reasonText = (r: string) => {
  const t = inert(r);
  return t.length > REASON_MAX ? `${t.slice(0, REASON_MAX - 1)}…` : t;
};

/**
 * Every hold the user placed, with its end and reason, whatever the state: a postponement
 * still decides the stop while the metrics keep the box awake, so it is never hidden.
 * Times are the desktop's local clock (the panel shows the same zone), with the day when
 * it is not today. `snooze run` holds are keep-awake sources, listed with those.
 */
export function holdTexts(status: Status, now: number): string[] {
  const out: string[] = [];
  if (status.postponed_until) out.push(`Postponed until ${whenText(status.postponed_until, now)}`);
  const sa = status.stay_awake;
  if (sa) out.push(`Staying awake ${sa.until ? `until ${whenText(sa.until, now)}` : 'until released'}${sa.reason ? `: ${reasonText(sa.reason)}` : ''}`);
  return out;
}

/** "would stop" off EC2 and in dry run: nothing is stopped there, and the tray must not say it is. */
const wouldStop = (status: Status) => status.mode !== 'aws';

/** The mode, where nothing is really stopped: "Local mode: not on EC2, nothing is stopped", "Dry run (--dry-run): …". */
export function modeLine(status: Status | null): string | null {
  if (!status) return null;
  const flag = status.dry_run_flag ? ' (--dry-run)' : '';
  if (status.mode === 'local') return `Local mode${flag}: not on EC2, nothing is stopped`;
  if (status.mode === 'dry_run') return `Dry run${flag}: nothing is stopped`;
  return null;
}

/** What else keeps it awake right now, with values: "CPU 75 %, input 3 s ago". */
function busyNow(status: Status): string | null {
  const busy = status.blockers.filter((b) => !isKeepAwake(b));
  return busy.length ? busy.slice(0, 2).map(blockerShort).join(', ') + (busy.length > 2 ? ` +${busy.length - 2} more` : '') : null;
}

/** One line saying what the agent is doing: the menu's first line and the tooltip's core. */
export function stateLine(status: Status | null, connection: ConnectionState, opts: TrayViewOptions = {}): string {
  if (opts.agentFailure) return `Agent failed — ${opts.agentFailure}`;
  if (!connection.online) return `Agent offline — ${connection.error}`;
  if (!status) return 'Connecting to the agent…';
  const now = opts.now ?? Date.now();
  const left = secondsUntilStop(status, now);
  const would = wouldStop(status);
  const stops = left === null ? '' : `${would ? 'would stop' : 'stops'} in ${formatCountdown(left)}`;
  const holds = holdTexts(status, now);
  if (holds.length && status.state !== 'monitor_only') {
    // "Postponed until 15:54 — and active now: CPU 75 %": the hold first, then what else keeps it up.
    const busy = status.state === 'active' ? busyNow(status) : null;
    return busy ? `${holds[0]} — and active now: ${busy}` : holds[0]!;
  }
  switch (status.state) {
    case 'active':
      return `${status.blockers.some(isKeepAwake) ? 'Kept awake' : 'Active'} — ${blockersText(status)}`;
    case 'idle':
      return left === null ? 'Idle — counting down' : `Idle — ${stops}`;
    case 'warning':
      return left === null ? 'Final warning' : `Final warning — ${stops}`;
    case 'stopping':
      return would ? 'Would stop now — nothing is stopped in this mode' : 'Stopping the instance…';
    case 'postponed':
      return 'Postponed';
    case 'stay_awake':
      return 'Staying awake';
    case 'monitor_only':
      return status.error ? `${MESSAGES.monitorOnly} — ${status.error}` : MESSAGES.monitorOnly;
  }
}

/** Tray tooltips are clipped by some panels; keep them short. */
const TOOLTIP_MAX = 120;
/** Keep-awake reasons listed in the menu, each clipped: a menu as wide as a command line is unusable. */
const MENU_KEEP_AWAKE = 3;
const MENU_LABEL_MAX = 70;

const clipTooltip = (s: string) => (s.length > TOOLTIP_MAX ? `${s.slice(0, TOOLTIP_MAX - 1)}…` : s);
const clipLabel = (s: string) => (s.length > MENU_LABEL_MAX ? `${s.slice(0, MENU_LABEL_MAX - 1)}…` : s);
/** An elapsed time inside a reason's parentheses, "(pid 4711, 2 h 13 min)": formatDuration's words. */
const ELAPSED = /, \d+ (?:h|min|s)(?: \d+ (?:min|s))?\)/g;

/**
 * One disabled line per keep-awake source under the state line, in every state (a stay-awake
 * may hold while a job runs too). Elapsed times are left out (the tooltip has them), so the
 * labels stay the same while the source lasts: no menu rebuild per minute on Linux panels.
 */
function keepAwakeLines(status: Status | null, canAct: boolean): MenuSpec[] {
  if (!canAct || !status) return [];
  const reasons = status.blockers.filter(isKeepAwake).map((b) => b.reason.replace(ELAPSED, ')'));
  if (!reasons.length) return [];
  const lines = reasons.slice(0, MENU_KEEP_AWAKE).map((r): MenuSpec => ({ kind: 'label', label: clipLabel(`Kept awake: ${r}`) }));
  if (reasons.length > MENU_KEEP_AWAKE) lines.push({ kind: 'label', label: `Kept awake: and ${reasons.length - MENU_KEEP_AWAKE} more` });
  return lines;
}

const canActOn = (status: Status | null, connection: ConnectionState, opts: TrayViewOptions) => connection.online && status !== null && !opts.agentFailure;

export function trayView(status: Status | null, connection: ConnectionState, opts: TrayViewOptions = {}): TrayView {
  const icon = iconFor(status, connection, opts.agentFailure);
  const line = stateLine(status, connection, opts);
  const counting = canActOn(status, connection, opts) && status !== null && COUNTING.has(status.state) && status.state !== 'stopping';
  const now = opts.now ?? Date.now();
  const full = `CloudSnooze: ${opts.coarseTooltip && counting && status ? menuCountdownLine(status, now) : line}`;
  const saved = savedText(status?.savings);
  const canAct = canActOn(status, connection, opts);
  // A second hold (postponed and staying awake) and the mode each on their own line, as is the
  // saving: never clipped away by a long state line.
  const moreHolds = canAct && status && status.state !== 'monitor_only' ? holdTexts(status, now).slice(1) : [];
  const mode = canAct ? modeLine(status) : null;
  const tooltip = [full, ...moreHolds, mode, saved].filter((l): l is string => !!l).map(clipTooltip).join('\n');

  const release = releaseItem(status);
  // The menu's state line changes at most once a minute (menu rebuilds are visible on some panels),
  // so it shows the countdown in whole minutes while the tooltip ticks by the second.
  const kept = keepAwakeLines(status, canAct);
  let menuLine = line;
  const held = canAct && status && status.state !== 'monitor_only' ? holdTexts(status, now) : [];
  if (canAct && status && COUNTING.has(status.state) && status.state !== 'stopping') menuLine = menuCountdownLine(status, now);
  // The hold, then which metrics (names only: values would rebuild the menu at every sample).
  else if (held.length) menuLine = status?.state === 'active' && activeNames(status).length ? `${held[0]} — and active now: ${activeNames(status).join(', ')}` : held[0]!;
  // The lines below name the sources; the state line then need not (and stays the same while they last).
  else if (status?.state === 'active' && kept.length) menuLine = 'Active — kept awake';
  // Names, not values: "CPU 43%" would rebuild the menu at every sample (the tooltip has the values).
  else if (canAct && status?.state === 'active') menuLine = activeMenuLine(status);

  const item = (label: string, action: TrayAction, enabled = true): MenuSpec => ({ kind: 'item', label, action, enabled });
  const menu: MenuSpec[] = [
    { kind: 'label', label: clipLabel(menuLine) },
    ...held.slice(1).map((h): MenuSpec => ({ kind: 'label', label: clipLabel(h) })),
    ...kept,
    ...(mode ? [{ kind: 'label', label: mode } as MenuSpec] : []),
    // Changes at most once a minute (STATUS recomputes savings per minute): no menu churn.
    ...(saved && canAct ? [{ kind: 'label', label: saved } as MenuSpec] : []),
    { kind: 'separator' },
    item('Postpone 30 min', 'postpone:30', canAct),
    item('Postpone 1 h', 'postpone:60', canAct),
    item('Postpone 2 h', 'postpone:120', canAct),
    {
      kind: 'submenu',
      label: 'Stay awake',
      enabled: canAct,
      items: [item('For 1 hour', 'stay-awake:60', canAct), item('For 4 hours', 'stay-awake:240', canAct), item('Until I release', 'stay-awake:indefinite', canAct)],
    },
    item(release.label, 'release', canAct && release.enabled),
    // Only after the supervisor gave up; otherwise it restarts the agent by itself.
    ...(opts.agentFailure ? [item('Restart agent', 'restart-agent')] : []),
    { kind: 'separator' },
    item('Open dashboard', 'open-dashboard'),
    item('Settings…', 'open-settings'),
    item('History…', 'open-history'),
    { kind: 'separator' },
    { kind: 'checkbox', label: 'Start at login', action: 'toggle-login', checked: opts.openAtLogin ?? false },
    { kind: 'separator' },
    item('Quit', 'quit'),
  ];
  return { icon, tooltip, menu };
}

const METRIC_WORDS: Record<MetricName, string> = { cpu: 'CPU', memory: 'memory', network: 'network', disk_io: 'disk I/O', gpu: 'GPU', input: 'input' };

function activeNames(status: Status): string[] {
  return [...new Set(status.blockers.filter((b) => !isKeepAwake(b)).map((b) => METRIC_WORDS[b.metric as MetricName] ?? b.metric))];
}

/** "Active — CPU, input": which metrics keep it awake, without their changing values. */
function activeMenuLine(status: Status): string {
  const names = activeNames(status);
  return names.length ? `Active — ${names.join(', ')}` : 'Active';
}

/** The countdown in whole minutes, "Idle — would stop in 13 minutes": changes once a minute. */
function menuCountdownLine(status: Status, now: number): string {
  const left = secondsUntilStop(status, now);
  const prefix = status.state === 'warning' ? 'Final warning' : 'Idle';
  if (left === null) return `${prefix} — counting down`;
  return `${prefix} — ${wouldStop(status) ? 'would stop' : 'stops'} in ${minutesWords(Math.max(1, Math.ceil(left / 60)))}`;
}

/**
 * RELEASE clears the postponement and the stay-awake (not `snooze run` holds, which end with
 * their command): the item says which, and is disabled when there is neither.
 */
export function releaseItem(status: Status | null): { label: string; enabled: boolean } {
  const postponed = !!status?.postponed_until;
  const staying = !!status?.stay_awake;
  if (!postponed && !staying) return { label: 'Release', enabled: false };
  return { label: `Release ${postponed && staying ? 'postponement and stay-awake' : postponed ? 'postponement' : 'stay-awake'}`, enabled: true };
}
