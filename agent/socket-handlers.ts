/**
 * The socket API's command table: one handler per command of contract/protocol.ts, each
 * typed by its `CommandResults` entry through `HandlerTable`, so a new command that is not
 * handled here (or returns the wrong shape) fails to compile. The server has already
 * validated the params; handlers only act on them.
 */
import { applyPatch, CONFIG_KEYS, RESTART_KEYS, type Config, type ConfigKey } from '../contract/config-schema.js';
import type { ConfigView } from '../contract/config-sources.js';
import { configView, effectiveConfig, pinnedMessage } from './fleet-pins.js';
import { rfc3339Seconds, type CommandResults, type HistoryEvent, type HoldOutcome, type HoldReply, type Params, type Sample, type Status } from '../contract/protocol.js';
import { MESSAGES, settingChanged } from '../contract/messages.js';
import { agentStamp } from './local-stamp.js';
import { saveConfigChanges } from './config-file-edit.js';
import type { DaemonState } from './daemon-state.js';
import type { History, NewEvent } from './history.js';
import { historyReply } from './history-reply.js';
import { plainText, RunHoldError, runsKeepAwake, withRuns } from './keep-awake/run-holds.js';
import * as policy from './policy.js';
import { RequestError, type Connection, type HandlerTable } from './server.js';
import type { HistoryRequester } from '../contract/protocol.js';
import { SETTINGS_NEED_ROOT } from './dispatch.js';

/**
 * Who a request came from, as far as the channel can tell. The admin socket is owned by
 * the agent's user, so on it the requester is root when the agent is root. The public
 * socket cannot name anyone: Node exposes no SO_PEERCRED, so every member looks alike.
 */
export function requesterOf(conn: Pick<Connection, 'privileged'>, agentIsRoot = process.getuid?.() === 0): HistoryRequester {
  if (!conn.privileged) return 'socket group member';
  return agentIsRoot ? 'root' : 'admin channel';
}

/** What the handlers need from the daemon. */
export interface HandlerHost {
  readonly state: DaemonState;
  readonly configPath: string;
  readonly history: History;
  now(): number;
  status(): Status;
  /** Sends the current status to subscribers and returns it. */
  broadcastStatus(): Status;
  /** Runs `fn` after every mutation before it, so concurrent clients see one consistent state. */
  serialized<T>(fn: () => Promise<T>): Promise<T>;
  applyConfig(next: Config, changed: ConfigKey[]): Promise<void>;
  record(ev: NewEvent): Promise<HistoryEvent>;
  persistHolds(): Promise<void>;
  /** Samples taken at or after `since` (epoch ms), oldest first. */
  samplesSince(since: number): Sample[];
  /** A reporter (the desktop app) says how long its user has been idle. */
  reportInput(source: string, idleSecs: number, available?: boolean): void;
}

export function socketHandlers(host: HandlerHost): HandlerTable {
  const s = host.state;
  return {
    STATUS: () => host.status(),
    CONFIG_GET: () => viewOf(s),
    CONFIG_SET: (p, conn) => {
      // Dispatch refuses it first; checked again here so the rule holds for any caller of the table.
      if (!conn.privileged) throw new RequestError(SETTINGS_NEED_ROOT, 'FORBIDDEN');
      return host.serialized(() => configSet(host, p, requesterOf(conn)));
    },
    HISTORY: (p) => historyReply(host.history, p),
    // Holds take effect at once, not queued behind a decision in progress: the final
    // re-check before a stop must see them.
    POSTPONE: (p, conn) => postpone(host, p, conn),
    STAY_AWAKE: (p, conn) => stayAwake(host, p, conn),
    RELEASE: (p, conn) => (p.pid === undefined ? release(host, conn) : releaseRun(host, p.pid, conn)),
    SUBSCRIBE: (_p, conn) => {
      conn.subscribe();
      return { subscribed: true as const };
    },
    SAMPLES: (p) => ({ samples: host.samplesSince(host.now() - p.seconds * 1000) }),
    INPUT_ACTIVITY: (p) => {
      host.reportInput(p.source, p.idle_secs, p.available ?? true);
      return { accepted: true as const };
    },
  };
}

async function configSet(host: HandlerHost, p: Params<'CONFIG_SET'>, by: HistoryRequester): Promise<CommandResults['CONFIG_SET']> {
  const s = host.state;
  const fileOnly = RESTART_KEYS.filter((k) => k in p.values);
  if (fileOnly.length) {
    throw new RequestError(
      `${fileOnly.join(', ')} can only be set in the config file ${host.configPath} (they name files the agent writes, or a command it runs, as root); nothing changed`,
      'INVALID_PARAMS',
      Object.fromEntries(fileOnly.map((k) => [k, MESSAGES.fileOnly(k, host.configPath)])),
    );
  }
  // A fleet tag wins over the file: a local change would be silently overridden, so it is refused.
  const pins = s.fleet.effective.pins;
  const pinned = (Object.keys(p.values) as ConfigKey[]).filter((k) => pins[k]);
  if (pinned.length) throw new RequestError(pinnedMessage(pinned, pins), 'PINNED', Object.fromEntries(pinned.map((k) => [k, MESSAGES.pinnedRefused(k, pins[k]!.tag, pins[k]!.text)])));
  // The patch goes to the file's settings, never to the pinned ones: a tag's value must not land in snooze.json.
  const file = s.fleet.file;
  const { config: next, changed } = applyPatch(file, p.values);
  if (changed.length === 0) return viewOf(s);
  // Saved before it is applied: a setting that would be lost at the next start is refused instead.
  try {
    // Only the changed keys are written: the owner's other keys, order and spacing stay as they were.
    await saveConfigChanges(host.configPath, Object.fromEntries(changed.map((k) => [k, next[k]])));
  } catch (err) {
    throw new RequestError(`cannot save the config to ${host.configPath}: ${(err as Error).message}; nothing changed`, 'INTERNAL');
  }
  const diff = Object.fromEntries(changed.map((k) => [k, { from: file[k], to: next[k] }]));
  const effective = effectiveConfig(next, s.fleet.tags);
  const inForce = CONFIG_KEYS.filter((k) => JSON.stringify(s.config[k]) !== JSON.stringify(effective.config[k]));
  s.fleet = { ...s.fleet, file: next, fileKeys: new Set([...s.fleet.fileKeys, ...changed]), effective };
  await host.applyConfig(effective.config, inForce);
  await host.record({
    type: 'config_change',
    by,
    // People read the catalogue's words; the raw values stay in details (history --format json/csv).
    message: changed.map((k) => settingChanged(k, file[k], next[k])).join('; '),
    details: { changed: diff },
  });
  host.broadcastStatus();
  return viewOf(s);
}

/** CONFIG_GET's reply: the config in force, secrets redacted, each non-default value's source. */
function viewOf(s: DaemonState): ConfigView {
  return configView({ config: s.config, pins: s.fleet.effective.pins }, s.fleet.fileKeys);
}

/**
 * Holds placed on the admin channel are root's: a member may add a hold of its own but
 * may not end or replace root's. Members' holds are one trust domain: any member (or
 * root) may release them, since the public socket cannot tell members apart.
 */
function adminHoldActive(host: HandlerHost): 'stay-awake' | 'postpone' | null {
  const h = host.state.policy.holds;
  if (h.stayAwake?.admin) return 'stay-awake';
  if (h.postponeAdmin && h.postponedUntil !== null && h.postponedUntil > host.now()) return 'postpone';
  return null;
}

function refuseRootHold(what: string, hold: string): never {
  throw new RequestError(`${what} refused: the ${hold} was placed by root on the admin channel, and only root can ${what === 'RELEASE' ? 'release' : 'replace'} it (sudo snooze release); nothing changed`, 'FORBIDDEN');
}

function postpone(host: HandlerHost, p: Params<'POSTPONE'>, conn: Connection): Promise<HoldReply> {
  const s = host.state;
  const now = host.now();
  // A postpone only ever extends; root's stays root's until released by root or run out.
  const before = s.policy.holds.postponedUntil !== null && s.policy.holds.postponedUntil > now ? s.policy.holds.postponedUntil : null;
  const wasAdmin = s.policy.holds.postponeAdmin === true && before !== null;
  s.policy = policy.postpone(s.policy, p.minutes, now, s.pcfg);
  s.policy = { ...s.policy, holds: { ...s.policy.holds, postponeAdmin: wasAdmin || conn.privileged } };
  const until = s.policy.holds.postponedUntil ?? now;
  // One sentence for the reply and the history event: what really happened to the stop time.
  const changed = before === null || until > before;
  // Seconds only where minutes cannot tell the two ends apart (the same postpone twice in a row).
  const seconds = before !== null && agentStamp(before, now) === agentStamp(until, now);
  const at = (t: number) => agentStamp(t, now, { seconds });
  const message = before === null ? MESSAGES.postponed(p.minutes, at(until)) : changed ? MESSAGES.postponeExtended(p.minutes, at(before), at(until)) : MESSAGES.postponeNoChange(p.minutes, at(until));
  return holdChanged(host, conn, 'postpone', { changed, message }, { minutes: p.minutes, until: rfc3339Seconds(until), moved: changed });
}

function stayAwake(host: HandlerHost, p: Params<'STAY_AWAKE'>, conn: Connection): Promise<HoldReply> {
  if (p.while_pid !== undefined) return stayAwhile(host, p.while_pid, p, conn);
  const s = host.state;
  // The latest stay-awake replaces the one before: a member could shorten root's to a second.
  if (!conn.privileged && s.policy.holds.stayAwake?.admin) refuseRootHold('STAY_AWAKE', 'stay-awake');
  const reason = p.reason ?? 'Stay awake requested';
  s.policy = policy.stayAwake(s.policy, p.minutes, reason, host.now());
  const sa = s.policy.holds.stayAwake;
  if (sa && conn.privileged) s.policy = { ...s.policy, holds: { ...s.policy.holds, stayAwake: { ...sa, admin: true } } };
  const until = sa?.until ?? null;
  const message = `Stay awake ${until === null ? 'until released' : `until ${agentStamp(until, host.now())}`}: ${reason}`;
  return holdChanged(host, conn, 'stay_awake', { changed: true, message }, {
    minutes: p.minutes ?? null,
    until: until === null ? null : rfc3339Seconds(until),
    reason,
  });
}

/** A hold bound to a process (`snooze run`): the agent watches the process and ends the hold with it. */
function stayAwhile(host: HandlerHost, pid: number, p: Params<'STAY_AWAKE'>, conn: Connection): Promise<HoldReply> {
  const s = host.state;
  const now = host.now();
  let added;
  try {
    added = s.runHolds.add(pid, p.reason ?? '', p.command, now);
  } catch (err) {
    if (err instanceof RunHoldError) throw new RequestError(err.message, err.code); // already the user's words: no wire name in front
    throw err;
  }
  // Blocks at once, as the next sample's decision would: STATUS (and a stop's last re-check,
  // which reads the holds itself) must not wait for the next sample.
  if (s.lastSample) s.lastSample = withRuns(s.lastSample, runsKeepAwake(s.runHolds.list, now));
  s.policy = { ...s.policy, idleSince: null, warnedAt: null, notBefore: null };
  const { hold } = added;
  const message = `Stay awake while pid ${hold.pid} runs: ${plainText(hold.command, 120)}${hold.reason ? ` — ${hold.reason}` : ''}`;
  return holdChanged(host, conn, 'stay_awake', { changed: true, message }, {
    while_pid: hold.pid,
    command: hold.command,
    reason: hold.reason,
    replaced: added.replaced,
  });
}

function release(host: HandlerHost, conn: Connection): Promise<HoldReply> {
  const s = host.state;
  const now = host.now();
  const rootHold = conn.privileged ? null : adminHoldActive(host);
  if (rootHold) refuseRootHold('RELEASE', rootHold);
  const { postponedUntil, stayAwake: sa } = s.policy.holds;
  // Named as the user placed them, so the reply says what it released (or that nothing was held).
  const what: string[] = [];
  if (postponedUntil !== null && postponedUntil > now) what.push(`the postponement until ${agentStamp(postponedUntil, now)}`);
  if (sa !== null && (sa.until === null || sa.until > now)) what.push(`the stay-awake${sa.until === null ? '' : ` until ${agentStamp(sa.until, now)}`} (${sa.reason})`);
  s.policy = policy.release(s.policy, now, s.pcfg);
  const runs = s.runHolds.list.length;
  // Process holds end with their process, not here: a release must not stop the box under a running job.
  const kept = runs ? `; ${runs} snooze run hold${runs === 1 ? '' : 's'} stay${runs === 1 ? 's' : ''} until ${runs === 1 ? 'its command ends' : 'their commands end'}` : '';
  const message = `${what.length ? MESSAGES.released(what.join(' and ')) : MESSAGES.nothingToRelease}${kept}`;
  return holdChanged(host, conn, 'release', { changed: what.length > 0, message }, { had_hold: what.length > 0, runs_kept: runs });
}

/**
 * Root ends a process hold (`sudo snooze release --pid N`); the process keeps running. Only
 * on the admin channel: a member may bind a hold to any process the agent can see, pid 1
 * included, so without this a member's hold could keep the instance up for good with no
 * one able to end it, root included (a restart restores it). Members end their own by
 * ending the job, as before: a member's release must not stop the box under another's job.
 */
function releaseRun(host: HandlerHost, pid: number, conn: Connection): Promise<HoldReply> {
  if (!conn.privileged) {
    throw new RequestError(MESSAGES.releasePidNeedsRoot(pid), 'FORBIDDEN');
  }
  const s = host.state;
  const now = host.now();
  const held = s.runHolds.list.filter((h) => h.pid === pid);
  if (held.length === 0) {
    const pids = s.runHolds.list.map((h) => h.pid);
    throw new RequestError(`No snooze run / --while hold is on pid ${pid}${pids.length ? ` (held: pid ${pids.slice(0, 8).join(', ')}${pids.length > 8 ? ', …' : ''})` : ''}; nothing changed`, 'INVALID_PARAMS');
  }
  s.runHolds.drop(held);
  if (s.lastSample) s.lastSample = withRuns(s.lastSample, runsKeepAwake(s.runHolds.list, now));
  const h = held[0]!;
  const message = `Ended the hold on pid ${pid} (${plainText(h.command, 120)}); the process keeps running, and the idle countdown resumes`;
  return holdChanged(host, conn, 'release', { changed: true, message }, { had_hold: true, run_released: { pid, command: h.command, reason: h.reason, since: rfc3339Seconds(h.since) }, runs_kept: s.runHolds.list.length });
}

/** Holds survive a restart (saved first), are recorded with who asked, and every subscriber sees them at once. */
async function holdChanged(
  host: HandlerHost,
  conn: Connection,
  type: 'postpone' | 'stay_awake' | 'release',
  outcome: HoldOutcome,
  details: Record<string, unknown>,
): Promise<HoldReply> {
  await host.persistHolds();
  await host.record({ type, by: requesterOf(conn), message: outcome.message, details: { ...details, changed: outcome.changed } });
  return { ...host.broadcastStatus(), outcome };
}
