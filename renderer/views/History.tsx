/** History: every event the agent recorded, newest first. */
import { useEffect, useState } from 'react';
import type { HistoryType } from '../../contract/protocol.js';
import { useBridge, useRenderer } from '../context.js';
import { dateTime } from '../format.js';

const TYPE_WORDS: Record<HistoryType, string> = {
  agent_start: 'Agent start',
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
  countdown_cancelled: 'Stop cancelled',
};

export function EventType({ type }: { type: HistoryType }) {
  return <span className={`badge type-${type}`}>{TYPE_WORDS[type] ?? type}</span>;
}

export const HISTORY_VIEW_LIMIT = 200;

export function History() {
  const bridge = useBridge();
  const events = useRenderer((s) => s.history.events);
  const error = useRenderer((s) => s.history.error);
  const online = useRenderer((s) => s.connection.online);
  const [loading, setLoading] = useState(false);

  const load = () => {
    setLoading(true);
    void bridge.loadHistory(HISTORY_VIEW_LIMIT).finally(() => setLoading(false));
  };
  // The snapshot holds only the recent events; the full list is loaded when the view opens.
  useEffect(() => {
    if (online) load();
  }, [online]);

  return (
    <section className="card history" aria-labelledby="history-title">
      <div className="card-head">
        <h2 id="history-title">History</h2>
        <button type="button" onClick={load} disabled={!online || loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      {error && <p className="form-error">{error}</p>}
      {events.length === 0 ? (
        <p className="muted">No events recorded yet.</p>
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
              {events.map((e) => (
                <tr key={e.id}>
                  <td className="nowrap">
                    <time dateTime={e.time}>{dateTime(e.time)}</time>
                  </td>
                  <td>
                    <EventType type={e.type} />
                  </td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
