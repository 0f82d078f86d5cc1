/**
 * What the Prometheus exporter counts, kept by the agent whether or not the exporter is
 * loaded (a few numbers): events from the history frames, and sampling time. The exporter
 * (exporter.ts, its own bundle chunk with prom-client) reads them at each scrape.
 */
import type { HistoryEvent, HistoryType } from '../../contract/protocol.js';

/** History types counted as `cloudsnooze_events_total{type=...}`. */
export const COUNTED_EVENTS = ['warning', 'stop', 'stop_failed', 'dry_run_stop', 'postpone', 'stay_awake', 'config_change'] as const satisfies readonly HistoryType[];

export class AgentCounters {
  readonly events: Record<(typeof COUNTED_EVENTS)[number], number> = Object.fromEntries(COUNTED_EVENTS.map((t) => [t, 0])) as Record<(typeof COUNTED_EVENTS)[number], number>;
  /**
   * Notice delivery (webhook/SNS): the notifier (agent/notify/notifier.ts) calls
   * `countNotification(channel, ok)` per delivery attempt's outcome. Keys "channel|result".
   * Bounded: channels are the agent's own names, results "ok" | "failed".
   */
  readonly notifications = new Map<string, number>();
  /** Set by the exporter once loaded: each sample's duration goes to its histogram. */
  sampleSink: ((seconds: number) => void) | null = null;

  onEvent(e: Pick<HistoryEvent, 'type'>): void {
    if (Object.hasOwn(this.events, e.type)) this.events[e.type as (typeof COUNTED_EVENTS)[number]]++;
  }

  countNotification(channel: 'webhook' | 'sns', ok: boolean): void {
    const k = `${channel}|${ok ? 'ok' : 'failed'}`;
    this.notifications.set(k, (this.notifications.get(k) ?? 0) + 1);
  }

  onSample(seconds: number): void {
    this.sampleSink?.(seconds);
  }
}
