/**
 * A tag writer against the Slack notice: the instance's Name tag (any IAM principal allowed to
 * tag the instance, operators included, writes it) lands in every notice's `text`. Slack turns
 * `<!channel>` into a mention of everyone and `<url|label>` into a link, so the text must show
 * them as typed (docs/fleet.md, "Notices in Slack/SNS"; docs/security.md, fleet table).
 */
import { describe, expect, it } from 'vitest';
import { noticeBody, noticeText } from '../../agent/notify/notice.js';
import type { HistoryEvent } from '../../contract/protocol.js';

const name = 'ml-box <!channel> <https://evil.example/login|Restart your instance here> & <@U0ADMIN>';
const ctx = { instance: { id: 'i-0abc', type: 't3.micro', region: 'eu-west-1', source: 'ec2' as const }, name, metrics: null };
const ev: HistoryEvent = { id: 7, time: '2026-01-31T12:00:00Z', type: 'stop', message: 'Stopped: System idle for 30 minutes (threshold: 30 minutes)', details: { reason: 'x' } };

describe('notice text against Slack markup in a Name tag', () => {
  it('carries no < or > (no mention, no link) and shows the tag as typed through Slack\'s escaping', () => {
    const text = noticeText(ev, ctx);
    expect(text).not.toMatch(/[<>]/);
    expect(text).toBe(
      'CloudSnooze on ml-box &lt;!channel&gt; &lt;https://evil.example/login|Restart your instance here&gt; &amp; &lt;@U0ADMIN&gt; (i-0abc): ' +
        'Stopped: System idle for 30 minutes (threshold: 30 minutes).',
    );
  });

  it('keeps the exact Name in its own field, and a cloud error in a stop_failed text is escaped too', () => {
    expect(noticeBody(ev, ctx).name).toBe(name);
    const failed = noticeText({ message: 'Stop failed: <!here> UnauthorizedOperation' }, { instance: ctx.instance, name: null });
    expect(failed).toBe('CloudSnooze on i-0abc: Stop failed: &lt;!here&gt; UnauthorizedOperation.');
  });
});
