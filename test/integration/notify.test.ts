/**
 * Notices with the real agent on a presented EC2 host: a webhook receiver on 127.0.0.1 and
 * the real SNS SDK (in the cloud-task child) against a fake SNS endpoint. Receivers that
 * fail or hang never delay the stop.
 */
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALWAYS_IDLE, startAgent, tempDir, waitFor, type AgentHandle, events, waitEvent } from '../helpers/agent.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { FakeSns } from '../fakes/sns.js';
import { withFakeAws } from '../helpers/aws.js';

const ID = 'i-0c1d2e3f4a5b60710';
const TOPIC = 'arn:aws:sns:us-west-2:123456789012:cloudsnooze-ops';
const { ec2, imds, dmi } = withFakeAws({ imds: { instanceId: ID, instanceType: 't3.small', region: 'us-east-1' }, dmi: 'board_vendor' });
let sns: FakeSns;
const agents: AgentHandle[] = [];

interface Receiver {
  url: string;
  bodies: Record<string, unknown>[];
  posts: number;
  /** Requests the agent has not yet closed (a hung receiver holds them until the agent gives up). */
  open: number;
  close(): Promise<void>;
}

/** A webhook receiver: answers `status`, or never answers when `hang`. */
async function receiver(behaviour: { status?: number; hang?: boolean } = {}): Promise<Receiver> {
  const bodies: Record<string, unknown>[] = [];
  const sockets = new Set<Socket>();
  const r = { posts: 0, open: 0 } as Receiver;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    r.open++;
    res.on('close', () => r.open--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.posts++;
      expect(req.method).toBe('POST');
      expect(req.headers['content-type']).toBe('application/json');
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      if (behaviour.hang) return;
      res.writeHead(behaviour.status ?? 200);
      res.end('ok');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/services/T000/B000/secret-token`,
    bodies,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  });
}

beforeAll(async () => {
  sns = await FakeSns.start();
});
afterAll(async () => {
  await sns.close();
});
beforeEach(() => {
  ec2.addInstance({ id: ID, type: 't3.small', tags: { Name: 'notebook-7' } });
  sns.published.length = 0;
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

async function agent(notifications: Record<string, unknown>, extra: (dir: string) => Record<string, unknown> = () => ({})): Promise<AgentHandle> {
  const dir = tempDir('cs-notify-');
  mkdirSync(path.join(dir, 'dev'), { recursive: true });
  imds.tags = () => ec2.instance(ID).tags;
  const a = await startAgent({
    dir,
    // Stop 3 s after idle, warned 1.2 s before.
    config: { ...ALWAYS_IDLE, notifications, ...extra(dir) },
    env: { ...fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url, dmiDir: dmi.dir }), AWS_ENDPOINT_URL_SNS: sns.url },
  });
  agents.push(a);
  return a;
}


/**
 * How late the stop may come after the time its warning announced: one sample interval and
 * the cloud-task child (SDK load, CreateTags, StopInstances) on a busy machine. A stop that
 * waited for a notice would come at least one webhook timeout (10 s) or retry window late.
 */
const LATE_MS = 9_000;

async function lateness(a: AgentHandle): Promise<number> {
  // HISTORY is newest first; the first cycle's events are the last ones.
  const warned = (await events(a, 'warning')).at(-1);
  const stopped = (await events(a, 'stop')).at(-1);
  return Date.parse(stopped!.time) - Date.parse(String(warned!.details!.stop_at));
}

describe('notifications', () => {
  it('the webhook gets warning then stop, each with instance_id and text; SNS is published the same bodies; CONFIG_GET redacts both', async () => {
    const hook = await receiver();
    try {
      const a = await agent({ webhook_url: hook.url, sns_topic_arn: TOPIC }, (dir) => ({ metrics_textfile: path.join(dir, 'cloudsnooze.prom') }));
      const view = await a.req('CONFIG_GET');
      expect(view.notifications).toEqual({ webhook_url: `http://127.0.0.1:${new URL(hook.url).port}/(redacted)`, sns_topic_arn: 'arn:aws:sns:us-west-2:(redacted)', events: ['warning', 'stop', 'stop_failed'] });
      expect(JSON.stringify(view)).not.toMatch(/secret-token|123456789012/);
      const refused = await a.req('CONFIG_SET', { values: { notifications: { webhook_url: 'http://127.0.0.1:1/x', sns_topic_arn: '', events: [] } } }).catch((e: Error) => e);
      expect((refused as Error).message).toMatch(/notifications can only be set in the config file/);

      await waitEvent(a, 'stop');
      await waitFor(() => hook.bodies.length >= 2 && sns.published.length >= 2, 15_000, `webhook and SNS notices; agent output:\n${a.output()}`);
      // The agent goes on after the (fake) stop: the first two notices are this cycle's.
      expect(hook.bodies.slice(0, 2).map((b) => b.event)).toEqual(['warning', 'stop']);
      const [warning, stop] = hook.bodies as [Record<string, unknown>, Record<string, unknown>];
      for (const b of [warning, stop]) {
        expect(b.instance_id).toBe(ID);
        expect(b).toMatchObject({ instance_type: 't3.small', region: 'us-east-1', name: 'notebook-7' });
        expect(b.text).toMatch(/^CloudSnooze on notebook-7 \(i-0c1d2e3f4a5b60710\): .+[.]$/);
      }
      const warned = (await events(a, 'warning')).at(-1);
      const stopped = (await events(a, 'stop')).at(-1);
      // The sentence is the history message's words.
      expect(warning.text).toBe(`CloudSnooze on notebook-7 (${ID}): ${warned!.message}.`);
      expect(stop.text).toBe(`CloudSnooze on notebook-7 (${ID}): ${stopped!.message}.`);
      expect(warning.stops_at).toBe(warned!.details!.stop_at);
      expect(stop).toMatchObject({ stopped_at: stopped!.time, reason: stopped!.details!.reason });
      expect(stop.metrics).toMatchObject({ cpu_percent: expect.any(Number) });

      // SNS: the same JSON, in the topic's own region, through the real SDK.
      expect(sns.published.slice(0, 2).map((p) => JSON.parse(p.message) as unknown)).toEqual(hook.bodies.slice(0, 2));
      expect(sns.published[0]).toMatchObject({ topicArn: TOPIC, region: 'us-west-2', subject: `CloudSnooze: warning ${ID}` });
      // Every delivery counts in the Prometheus text (the textfile exporter here). The agent keeps
      // running after the (fake) stop, so later cycles add more: at least the two seen above.
      const promFile = path.join(a.dir, 'cloudsnooze.prom');
      const count = (text: string, channel: string) => Number(new RegExp(`cloudsnooze_notifications_total\\{channel="${channel}",result="ok"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      await waitFor(() => {
        const text = existsSync(promFile) ? readFileSync(promFile, 'utf8') : '';
        return count(text, 'webhook') >= 2 && count(text, 'sns') >= 2;
      }, 35_000, 'notification counters in the textfile');
    } finally {
      await hook.close();
    }
  });

  it('a receiver answering 500 is retried with backoff and does not delay the stop', async () => {
    const hook = await receiver({ status: 500 });
    try {
      const a = await agent({ webhook_url: hook.url });
      await waitEvent(a, 'stop');
      expect(await lateness(a)).toBeLessThan(LATE_MS);
      expect(ec2.instance(ID).state).toBe('stopped');
      // The warning's notice was tried again (first retry after 1-2 s).
      await waitFor(() => hook.posts >= 3, 15_000, 'webhook retries');
      expect(hook.bodies[0]!.event).toBe('warning');
      expect(a.output()).toMatch(/notifications: webhook notice of warning failed \(HTTP 500[^)]*\); retrying in \d+ s/);
      expect(a.output()).not.toMatch(/secret-token/);
    } finally {
      await hook.close();
    }
  });

  it('a receiver that never answers does not delay the stop, and SIGTERM still exits at once', async () => {
    const hook = await receiver({ hang: true });
    try {
      const a = await agent({ webhook_url: hook.url });
      await waitEvent(a, 'stop');
      // The warning's POST is still hanging (the agent gives it 10 s): the stop did not wait for it.
      expect(hook.posts).toBe(1);
      expect(hook.open).toBe(1);
      expect(await lateness(a)).toBeLessThan(LATE_MS);
      const t = Date.now();
      a.proc.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      // The agent's own deadline is 1.5 s; a hung POST must not need it.
      expect(Date.now() - t).toBeLessThan(1500);
    } finally {
      await hook.close();
    }
  });
});
