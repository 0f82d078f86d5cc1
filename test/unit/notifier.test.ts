import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../contract/protocol.js';
import { DEFAULT_NOTIFICATIONS } from '../../contract/notifications.js';
import { Notifier } from '../../agent/notify/notifier.js';
import { noticeBody, noticeText } from '../../agent/notify/notice.js';

const ctx = { instance: { id: 'i-0abc', type: 't3.small', region: 'us-east-1', source: 'ec2' as const }, name: 'box\u001b[2J', metrics: null };
let nextId = 1;
const ev = (type: HistoryEvent['type'], message = `${type} happened`, details: Record<string, unknown> = {}): HistoryEvent => ({ id: nextId++, time: '2026-01-31T12:00:00Z', type, message, details });

function notifier(post: (body: string) => Promise<void>, limits = {}) {
  const logs: string[] = [];
  const n = new Notifier({
    config: { ...DEFAULT_NOTIFICATIONS, webhook_url: 'http://127.0.0.1:9/hook' },
    log: (_l, m) => logs.push(m),
    post: (_u, body) => post(body),
    random: () => 0,
    limits: { backoff: { baseMs: 1, maxMs: 4, jitter: 'none' }, ...limits },
  });
  return { n, logs };
}

describe('notices', () => {
  it('text is the history message as one inert sentence; the body carries the event fields flat', () => {
    expect(noticeText({ message: 'Stopped: idle' }, ctx)).toBe('CloudSnooze on box\\u001b[2J (i-0abc): Stopped: idle.');
    const b = noticeBody(ev('warning', 'Idle: stops soon', { stop_at: '2026-01-31T12:05:00Z', seconds_until_stop: 300 }), ctx);
    expect(b).toMatchObject({ event: 'warning', instance_id: 'i-0abc', stops_at: '2026-01-31T12:05:00Z', seconds_until_stop: 300, instance_type: 't3.small', region: 'us-east-1' });
    const s = noticeBody(ev('stop', 'Stopped: x', { reason: 'r', instance: ctx.instance, tags: { a: 'b' } }), ctx);
    expect(s).toMatchObject({ event: 'stop', stopped_at: '2026-01-31T12:00:00Z', reason: 'r' });
    expect(s).not.toHaveProperty('tags');
    expect(s).not.toHaveProperty('instance');
  });
});

describe('Notifier', () => {
  it('delivers in order, only the configured events, and counts', async () => {
    const got: string[] = [];
    const { n } = notifier(async (b) => void got.push((JSON.parse(b) as { event: string }).event));
    n.offer(ev('agent_start'), ctx);
    n.offer(ev('warning'), ctx);
    n.offer(ev('stop'), ctx);
    await n.idle();
    expect(got).toEqual(['warning', 'stop']);
    expect(n.stats().webhook).toMatchObject({ sent: 2, failed: 0, queued: 0 });
  });

  it('retries with backoff within the window, then gives up, logs and counts', async () => {
    let tries = 0;
    let t = 0;
    const logs: string[] = [];
    const attempts: string[] = [];
    const n = new Notifier({
      onAttempt: (target, ok) => attempts.push(`${target}:${ok}`),
      config: { ...DEFAULT_NOTIFICATIONS, webhook_url: 'http://127.0.0.1:9/hook' },
      log: (_l, m) => logs.push(m),
      post: async () => {
        tries++;
        t += 100;
        throw new Error('HTTP 500');
      },
      now: () => t,
      limits: { backoff: { baseMs: 1, maxMs: 1, jitter: 'none' }, windowMs: 450 },
    });
    n.offer(ev('stop'), ctx);
    await n.idle();
    expect(tries).toBe(5);
    expect(n.stats().webhook).toMatchObject({ sent: 0, failed: 1, retries: 4, last_error: 'HTTP 500' });
    expect(logs.at(-1)).toMatch(/webhook notice of stop not delivered after 5 tries: HTTP 500; given up/);
    // Every attempt reaches the metrics counter.
    expect(attempts).toEqual(Array(5).fill('webhook:false'));
  });

  it('the queue is bounded: the oldest waiting notice is dropped; offer never waits', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: number[] = [];
    const { n } = notifier(async (b) => {
      await gate;
      got.push((JSON.parse(b) as { history_id: number }).history_id);
    }, { maxQueue: 3 });
    const ids = [ev('warning'), ev('warning'), ev('warning'), ev('warning'), ev('warning')].map((e) => (n.offer(e, ctx), e.id));
    expect(n.stats().webhook).toMatchObject({ queued: 3, dropped: 2 });
    release();
    await n.idle();
    // The one in flight and the two newest.
    expect(got).toEqual([ids[0], ids[3], ids[4]]);
  });

  it('close() cancels the attempt in flight and drops the rest at once', async () => {
    const { n } = notifier((_b) => new Promise<void>(() => undefined));
    n.offer(ev('warning'), ctx);
    n.offer(ev('stop'), ctx);
    n.close();
    expect(n.stats().webhook.dropped).toBe(2);
    n.offer(ev('stop'), ctx);
    expect(n.stats().webhook.queued).toBe(0);
  });

  it('SNS without a publisher (local mode) fails with a reason, never throws into the caller', async () => {
    const n = new Notifier({ config: { ...DEFAULT_NOTIFICATIONS, sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:t' }, log: () => undefined, limits: { windowMs: 0 } });
    n.offer(ev('stop'), ctx);
    await n.idle();
    expect(n.stats().sns).toMatchObject({ failed: 1, last_error: expect.stringMatching(/SNS needs the agent on EC2/) });
  });
});
