/** History: every event the agent recorded, newest first, a page at a time, filtered by type, exported as CSV. */
import { useEffect, useRef, useState } from 'react';
import { HISTORY_LIMIT_MAX, HISTORY_TYPES, type HistoryEvent, type HistoryType } from '../../contract/protocol.js';
import { HISTORY_MAX_EVENTS_MAX } from '../../contract/config-schema.js';
import { useBridge, useRenderer } from '../context.js';
import { dateTime } from '../format.js';
import { historyCsv, historyCsvName } from '../history-csv.js';
import { runtimeZoneName, zoneText } from '../../contract/time-format.js';

// `countdown_cancelled` is optional here until the agent side of issue 12 adds the type; then the mapped type requires it.
const TYPE_WORDS: { [K in HistoryType]: string } & { countdown_cancelled?: string } = {
  agent_start: 'Agent start',
  countdown_cancelled: 'Stop cancelled',
  warning: 'Warning',
  postpone: 'Postpone',
  stay_awake: 'Stay awake',
  release: 'Release',
  config_change: 'Settings',
  dry_run_stop: 'Dry-run stop',
  stop: 'Stop',
  stop_failed: 'Stop failed',
  restart_marked: 'Restart marked',
  pre_stop: 'Pre-stop hook',
};

export function EventType({ type }: { type: HistoryType }) {
  return <span className={`badge type-${type}`}>{(TYPE_WORDS as Record<string, string>)[type] ?? type}</span>;
}

/** Rows per page. */
export const HISTORY_PAGE_SIZE = 50;
/** CSV export asks in chunks of the protocol's largest limit, up to the agent's largest history. */
const EXPORT_CHUNK = HISTORY_LIMIT_MAX;
const EXPORT_MAX_EVENTS = HISTORY_MAX_EVENTS_MAX;

interface Page {
  events: HistoryEvent[];
  /** An older page exists. */
  more: boolean;
  /** Which page these events are (1 = newest): the range shown is the loaded page's, never one still loading. */
  number: number;
}

export function History() {
  const bridge = useBridge();
  const online = useRenderer((s) => s.connection.online);
  // The newest event the agent pushed: the first page refreshes when it changes.
  const newestId = useRenderer((s) => s.history.events[0]?.id ?? 0);
  const [type, setType] = useState<HistoryType | ''>('');
  /** The before_id of each page shown so far; the last is the current page (undefined: the newest). */
  const [cursors, setCursors] = useState<Array<number | undefined>>([undefined]);
  const [page, setPage] = useState<Page>({ events: [], more: false, number: 1 });
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [exportNote, setExportNote] = useState<string | null>(null);
  const seq = useRef(0);
  const cursor = cursors[cursors.length - 1];
  const pageNo = cursors.length;

  const load = () => {
    const mine = ++seq.current;
    setLoading(true);
    // One more than a page: whether an older page exists, without a count the agent does not keep.
    const q = { limit: HISTORY_PAGE_SIZE + 1, ...(type ? { type } : {}), ...(cursor !== undefined ? { before_id: cursor } : {}) };
    void bridge.queryHistory(q).then((r) => {
      if (mine !== seq.current) return;
      setLoading(false);
      if (!r.ok) return setError(r.error);
      setError(null);
      setPage({ events: r.data.events.slice(0, HISTORY_PAGE_SIZE), more: r.data.events.length > HISTORY_PAGE_SIZE, number: pageNo });
    });
  };
  useEffect(() => {
    if (online) load();
    // A new event shifts only the newest page; older pages are stable by id.
  }, [online, type, cursor, pageNo === 1 ? newestId : 0]);

  const chooseType = (t: HistoryType | '') => {
    setType(t);
    setCursors([undefined]);
  };
  const older = () => {
    const last = page.events[page.events.length - 1];
    if (last) setCursors((c) => [...c, last.id]);
  };
  const newer = () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c));

  const exportCsv = async () => {
    setExportNote('Preparing the CSV…');
    const all: HistoryEvent[] = [];
    let before: number | undefined;
    while (all.length < EXPORT_MAX_EVENTS) {
      const r = await bridge.queryHistory({ limit: EXPORT_CHUNK, ...(type ? { type } : {}), ...(before !== undefined ? { before_id: before } : {}) });
      if (!r.ok) return setExportNote(`Export failed: ${r.error}`);
      all.push(...r.data.events);
      const last = r.data.events[r.data.events.length - 1];
      if (r.data.events.length < EXPORT_CHUNK || !last) break;
      before = last.id;
    }
    download(historyCsvName(Date.now(), type || null), historyCsv(all));
    setExportNote(`Exported ${all.length} ${all.length === 1 ? 'event' : 'events'} (times in UTC).`);
  };

  const first = (page.number - 1) * HISTORY_PAGE_SIZE + 1;
  const now = Date.now();
  return (
    <section className="card history" aria-labelledby="history-title">
      <div className="card-head wrap">
        <h2 id="history-title">History</h2>
        <div className="history-tools">
          <label htmlFor="history-type">Type</label>
          <select id="history-type" value={type} onChange={(e) => chooseType(e.currentTarget.value as HistoryType | '')}>
            <option value="">All events</option>
            {HISTORY_TYPES.map((t) => (
              <option key={t} value={t}>
                {(TYPE_WORDS as Record<string, string>)[t] ?? t}
              </option>
            ))}
          </select>
          <button type="button" onClick={load} disabled={!online || loading}>
            {loading ? 'Loading…' : 'Refresh'}
          </button>
          <button type="button" onClick={() => void exportCsv()} disabled={!online}>
            Export CSV
          </button>
        </div>
      </div>
      <p className="muted small" data-testid="history-zone">
        Times in your browser’s time zone ({zoneText(now, runtimeZoneName())}); the CSV export has them in UTC.
      </p>
      <p className="muted small live-note" role="status" data-testid="export-note">
        {exportNote ?? ''}
      </p>
      {error && <p className="form-error">{error}</p>}
      {page.events.length === 0 ? (
        <p className="muted">{type ? 'No events of this type.' : 'No events recorded yet.'}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Type</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody data-testid="history-rows">
              {page.events.map((e) => (
                <tr key={e.id} data-id={e.id}>
                  <td className="nowrap">
                    <time dateTime={e.time} title={e.time}>
                      {dateTime(e.time)}
                    </time>
                  </td>
                  <td>
                    <EventType type={e.type} />
                  </td>
                  <td className="message">{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="History pages">
        <button type="button" onClick={newer} disabled={pageNo === 1 || loading || page.number !== pageNo}>
          ← Newer
        </button>
        <span data-testid="page-range">
          {page.events.length > 0 ? `Events ${first}–${first + page.events.length - 1}` : ''}
        </span>
        <button type="button" onClick={older} disabled={!page.more || loading || page.number !== pageNo}>
          Older →
        </button>
      </nav>
    </section>
  );
}

/** Saves text as a file through a temporary link; nothing leaves the machine. */
function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
