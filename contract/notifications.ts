/**
 * The `notifications` config key (schema in zod/mini) and what CONFIG_GET shows of it.
 * The webhook URL and the SNS topic ARN may carry secrets (a Slack incoming-webhook URL
 * is its own password), so the key is file-only and CONFIG_GET shows them redacted.
 */
import * as z from 'zod/mini';
import './zod-locale.js';

/** History types a notice can be sent for. */
export const NOTIFY_EVENTS = ['warning', 'stop', 'stop_failed', 'dry_run_stop', 'restart_marked', 'config_change', 'agent_start'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const DEFAULT_NOTIFY_EVENTS: NotifyEvent[] = ['warning', 'stop', 'stop_failed'];

/** Long enough for any Slack, Teams or PagerDuty URL; short enough to keep CONFIG_GET small. */
export const MAX_WEBHOOK_URL = 2000;

/** scheme, authority (userinfo@host:port) and the rest; no URL class here: contract has neither DOM nor Node. */
const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/;

/** Why `u` cannot be a webhook URL, or null. Only http(s): a file: or gopher: URL must never be fetched by root. */
export function webhookUrlProblem(u: string): string | null {
  if (u === '') return null;
  // eslint-disable-next-line no-control-regex -- a URL with spaces or controls is a pasting accident, not a URL
  if (/[\u0000-\u0020\u007f]/.test(u)) return 'must be an http:// or https:// URL without spaces or control characters';
  const m = URL_PARTS.exec(u);
  if (!m) return 'must be an http:// or https:// URL (got something that is not a URL)';
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return `must be an http:// or https:// URL (got a ${scheme}: URL)`;
  const host = m[2]!.slice(m[2]!.lastIndexOf('@') + 1);
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) return 'must name a host, such as https://hooks.slack.com/...';
  return null;
}

/** `arn:aws:sns:us-east-1:123456789012:topic` (also aws-cn, aws-us-gov, FIFO topics). */
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export const notificationsSchema = z.strictObject({
  webhook_url: z._default(
    z.string().check(
      z.maxLength(MAX_WEBHOOK_URL),
      z.superRefine((u, ctx) => {
        const problem = webhookUrlProblem(u);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    ),
    '',
  ),
  sns_topic_arn: z._default(z.string().check(z.regex(new RegExp(`^$|${SNS_TOPIC_ARN.source}`), 'must be empty or an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:cloudsnooze')), ''),
  events: z._default(z.array(z.enum(NOTIFY_EVENTS)).check(z.maxLength(NOTIFY_EVENTS.length)), DEFAULT_NOTIFY_EVENTS),
});

export type Notifications = z.output<typeof notificationsSchema>;
export const DEFAULT_NOTIFICATIONS: Notifications = { webhook_url: '', sns_topic_arn: '', events: DEFAULT_NOTIFY_EVENTS };

export const REDACTED = '(redacted)';

/** What CONFIG_GET shows: whether each target is set and where it points (host, region), never the secret part. */
export function redactNotifications(n: Notifications): Notifications {
  let webhook = '';
  if (n.webhook_url) {
    // Scheme and host only: the path and any user:password@ are the secret parts.
    const m = URL_PARTS.exec(n.webhook_url);
    webhook = m ? `${m[1]!.toLowerCase()}://${m[2]!.slice(m[2]!.lastIndexOf('@') + 1)}/${REDACTED}` : REDACTED;
  }
  const arn = n.sns_topic_arn ? `${n.sns_topic_arn.split(':').slice(0, 4).join(':')}:${REDACTED}` : '';
  return { ...n, webhook_url: webhook, sns_topic_arn: arn };
}
