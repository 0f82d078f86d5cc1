/**
 * What a notice says (docs/fleet.md, "Notices in Slack/SNS"): pure. One JSON object per
 * history event, the same for the webhook and SNS: `event` (the history type),
 * `instance_id`, `text` (one sentence a person reads, made from the history message, so a
 * Slack incoming webhook shows it as is) and the event's fields.
 */
import type { HistoryEvent, InstanceInfo, Metrics } from '../../contract/protocol.js';
import { inert } from '../../contract/text.js';

export interface NoticeContext {
  instance: InstanceInfo;
  /** The instance's Name tag, when read. */
  name: string | null;
  /** The metrics of the sample the event follows. */
  metrics: Metrics | null;
}

export type NoticeBody = Record<string, unknown> & { event: HistoryEvent['type']; instance_id: string | null; text: string };

/** Longest `text`: a tag value or a cloud error in the message must not make a notice huge. */
const MAX_TEXT = 600;

/** "CloudSnooze on ml-box-3 (i-0abc…): Stopped: System idle for 30 minutes (threshold: 30 minutes)." */
export function noticeText(ev: Pick<HistoryEvent, 'message'>, ctx: Pick<NoticeContext, 'instance' | 'name'>): string {
  const id = ctx.instance.id ?? 'this host';
  const who = ctx.name ? `${ctx.name} (${id})` : id;
  // Inert: a Name tag or an error message may hold control characters; one line, one sentence.
  let text = inert(`CloudSnooze on ${who}: ${ev.message}`);
  if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT - 1)}…`;
  return slackSafe(/[.!?…]$/.test(text) ? text : `${text}.`);
}

/**
 * Slack reads `<!channel>`, `<@U123>` and `<https://…|label>` in a message's text as a mention
 * or a link: a Name tag (anyone allowed to tag the instance writes it) or a cloud error would
 * ping the whole channel or plant a link under CloudSnooze's name. Slack's own escaping of
 * `&`, `<` and `>` shows them as typed; the exact strings stay in the other fields (`name`).
 */
export function slackSafe(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function noticeBody(ev: HistoryEvent, ctx: NoticeContext): NoticeBody {
  const d = ev.details ?? {};
  // The instance is given flat (instance_id, instance_type, region); the stop tags repeat the metrics.
  const { instance: _instance, tags: _tags, ...fields } = d as Record<string, unknown>;
  const timeField = ev.type === 'stop' ? { stopped_at: ev.time } : ev.type === 'warning' && typeof d.stop_at === 'string' ? { stops_at: d.stop_at } : {};
  return {
    ...fields,
    event: ev.type,
    instance_id: ctx.instance.id,
    text: noticeText(ev, ctx),
    time: ev.time,
    ...timeField,
    instance_type: ctx.instance.type,
    region: ctx.instance.region,
    name: ctx.name,
    ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
    history_id: ev.id,
  };
}
