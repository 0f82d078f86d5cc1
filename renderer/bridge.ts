/**
 * The one place the store is fed from: a snapshot (status, ten minutes of samples,
 * history, config), then the push stream; every reconnect takes a fresh snapshot so
 * nothing missed while offline lingers. Works with any CloudSnoozeApi: the preload's
 * in Electron, the HTTP transport in a browser.
 */
import type { Config, ConfigPatch } from '../contract/config-schema.js';
import type { HistoryEvent, Status } from '../contract/protocol.js';
import type { CloudSnoozeApi, ConnectionState, HistoryQuery, Result } from '../contract/ipc.js';
import { keyOfError, readableAgentError } from './format.js';
import { HISTORY_KEEP, appendPoint, pointFromSample, pointFromStatus, trimWindow, type RendererStore } from './store.js';

export const SNAPSHOT_SAMPLE_SECONDS = 600;
export const SNAPSHOT_HISTORY_LIMIT = 50;
export const POSTPONE_MINUTES = 30;
/** How long the first paint may say "connecting" before an offline state counts as an outage. */
export const CONNECT_GRACE_MS = 4000;

export interface Bridge {
  start(): void;
  stop(): void;
  /** Take a fresh snapshot now (also done on every reconnect). */
  snapshot(): Promise<void>;
  postpone(minutes?: number): Promise<void>;
  /** No minutes: until released. A blank reason is left out (the agent then says "Stay awake requested"). */
  stayAwake(minutes?: number, reason?: string): Promise<void>;
  release(): Promise<void>;
  /** Send only the changed keys; on error the agent's message lands next to its field and nothing changes. */
  saveConfig(patch: ConfigPatch): Promise<boolean>;
  /** The same save through the desktop's unlock (pkexec): the user authenticates as root for it. */
  unlockAndSave(patch: ConfigPatch): Promise<boolean>;
  clearSettingsFeedback(): void;
  loadHistory(limit: number): Promise<void>;
  /** One page of history for the History view; the store's recent events are left alone. */
  queryHistory(query: HistoryQuery): Promise<Result<{ events: HistoryEvent[] }>>;
}

/** A call that throws (IPC gone, a bug in a transport) becomes a failed Result, never a stuck UI. */
async function settle<T>(run: () => Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await run();
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), code: 'PROTOCOL' };
  }
}

export function createBridge(api: CloudSnoozeApi, store: RendererStore): Bridge {
  const unsubs: Array<() => void> = [];
  // A snapshot superseded by a newer one (reconnect while loading) must not overwrite it.
  let snapshotSeq = 0;

  const applyStatus = (status: Status) => {
    const s = store.getState();
    const point = pointFromStatus(status);
    const points = point ? appendPoint(s.live.points, point) : null;
    store.setState({
      policy: { ...s.policy, status, receivedAt: Date.now(), blockers: status.blockers },
      instance: sameInstance(s.instance, status.instance) ? s.instance : status.instance,
      ...(points ? { live: { points, rev: s.live.rev + 1 } } : {}),
    });
  };

  const applyEvent = (event: HistoryEvent) => {
    const h = store.getState().history;
    if (h.events.some((e) => e.id === event.id)) return;
    store.setState({ history: { ...h, events: [event, ...h.events].slice(0, HISTORY_KEEP) } });
    // Settings changed elsewhere (CLI, tray, another tab): show what the agent now runs with.
    if (event.type === 'config_change') {
      void settle(() => api.getConfig()).then((r) => {
        if (r.ok) store.setState({ settings: { ...store.getState().settings, config: r.data } });
      });
    }
  };

  const setOffline = (error: string, settled = false) => {
    const c = store.getState().connection;
    const nowSettled = c.settled || settled;
    if (!c.online && c.error === error && c.settled === nowSettled) return;
    store.setState({ connection: { ...c, online: false, error, settled: nowSettled } });
  };

  const markSettled = () => {
    const c = store.getState().connection;
    if (!c.settled) store.setState({ connection: { ...c, settled: true } });
  };
  let graceTimer: ReturnType<typeof setTimeout> | null = null;

  // A push is the outcome of a real attempt; the first getConnection() may only say "still looking".
  const onConnection = (state: ConnectionState, pushed = true) => {
    if (state.online) {
      void snapshot();
    } else {
      setOffline(state.error, pushed);
    }
  };

  async function snapshot(): Promise<void> {
    const seq = ++snapshotSeq;
    const [status, samples, history, config] = await Promise.all([
      settle(() => api.getStatus()),
      settle(() => api.getSamples(SNAPSHOT_SAMPLE_SECONDS)),
      settle(() => api.getHistory({ limit: SNAPSHOT_HISTORY_LIMIT })),
      settle(() => api.getConfig()),
    ]);
    // Asked beside the snapshot: a read-only page must say so before the user edits anything.
    void api.getSettingsAccess().then(
      (access) => store.setState({ settings: { ...store.getState().settings, access } }),
      () => undefined,
    );
    if (seq !== snapshotSeq) return;
    if (!status.ok) {
      setOffline(status.error);
      return;
    }
    const s = store.getState();
    let points = samples.ok ? trimWindow(samples.data.samples.map(pointFromSample)) : s.live.points;
    const p = pointFromStatus(status.data);
    if (p) points = appendPoint(points, p) ?? points;
    store.setState({
      connection: { online: true, error: null, everOnline: true, settled: true },
      // An error from before the outage is stale now.
      policy: { ...s.policy, status: status.data, receivedAt: Date.now(), blockers: status.data.blockers, actionError: null },
      instance: status.data.instance,
      live: { points, rev: s.live.rev + 1 },
      history: history.ok ? { events: history.data.events, error: null } : { ...s.history, error: history.error },
      settings: config.ok ? { ...s.settings, config: config.data } : s.settings,
    });
  }

  async function save(patch: ConfigPatch, run: () => Promise<Result<Config>>): Promise<boolean> {
    const s0 = store.getState();
    store.setState({ settings: { ...s0.settings, saving: true, errors: {}, notice: null } });
    const r = await settle(run);
    const s = store.getState();
    if (r.ok) {
      const n = Object.keys(patch).length;
      store.setState({
        settings: { ...s.settings, config: r.data, errors: {}, saving: false, notice: `Saved (${n} setting${n === 1 ? '' : 's'} changed)` },
      });
      return true;
    }
    const errors = settingsErrors(r, Object.keys(patch), Object.keys(s.settings.config ?? {}));
    store.setState({ settings: { ...s.settings, saving: false, errors, notice: null } });
    return false;
  }

  const action = async (run: () => ReturnType<CloudSnoozeApi['release']>) => {
    const r = await settle(run);
    const s = store.getState();
    if (r.ok) {
      store.setState({ policy: { ...s.policy, actionError: null, actionNote: outcomeOf(r.data) } });
      applyStatus(r.data);
    } else {
      store.setState({ policy: { ...s.policy, actionError: r.error, actionNote: null } });
    }
  };

  return {
    start() {
      unsubs.push(api.onStatus(applyStatus), api.onEvent(applyEvent), api.onConnection((c) => onConnection(c)));
      void api.getConnection().then(
        (c) => onConnection(c, false),
        (err: unknown) => setOffline(err instanceof Error ? err.message : String(err), true),
      );
      graceTimer = setTimeout(markSettled, CONNECT_GRACE_MS);
    },
    stop() {
      if (graceTimer) clearTimeout(graceTimer);
      graceTimer = null;
      for (const u of unsubs.splice(0)) u();
      snapshotSeq++;
    },
    snapshot,
    postpone: (minutes = POSTPONE_MINUTES) => action(() => api.postpone(minutes)),
    stayAwake: (minutes, reason) => {
      const why = reason?.trim();
      return action(() => api.stayAwake(minutes, why ? why : 'Stay awake from the dashboard'));
    },
    release: () => action(() => api.release()),
    saveConfig: (patch) => save(patch, () => api.setConfig(patch)),
    unlockAndSave: (patch) => save(patch, () => api.unlockSettings(patch)),
    clearSettingsFeedback() {
      const s = store.getState().settings;
      if (s.notice || Object.keys(s.errors).length) store.setState({ settings: { ...s, errors: {}, notice: null } });
    },
    queryHistory: (query) => settle(() => api.getHistory(query)),
    async loadHistory(limit) {
      const r = await settle(() => api.getHistory({ limit }));
      const h = store.getState().history;
      store.setState({ history: r.ok ? { events: r.data.events, error: null } : { ...h, error: r.error } });
    },
  };
}

/**
 * The agent's account of what a hold command changed ("the stop time did not move"), the
 * same words as its history event. Agents that predate it send a bare Status: no note.
 */
export function outcomeOf(reply: Status): string | null {
  const o = (reply as Status & { outcome?: { changed?: unknown; message?: unknown } }).outcome;
  return o && typeof o.message === 'string' && o.message ? o.message : null;
}

/**
 * A refused save as messages by config key, so each lands on its field. The agent's
 * `fields` when it sent them; otherwise its one sentence, split at "; " and each part put
 * on the key it names (an older agent). What names no key goes under `_`.
 */
export function settingsErrors(r: { error: string; fields?: Record<string, string> }, patchKeys: string[], allKeys: string[]): Record<string, string> {
  if (r.fields && Object.keys(r.fields).length > 0) return { ...r.fields };
  const errors: Record<string, string> = {};
  const loose: string[] = [];
  for (const part of readableAgentError(r.error).split(/;\s+/)) {
    const key = keyOfError(part, patchKeys) ?? keyOfError(part, allKeys);
    if (key && !errors[key]) errors[key] = part;
    else loose.push(part);
  }
  if (loose.length) errors._ = loose.join('; ');
  return errors;
}

function sameInstance(a: Status['instance'] | null, b: Status['instance']): boolean {
  return !!a && a.id === b.id && a.type === b.type && a.region === b.region && a.source === b.source;
}
