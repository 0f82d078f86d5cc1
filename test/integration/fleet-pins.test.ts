/**
 * Settings pinned by instance tags, with the real agent on a presented EC2 host: tags from
 * instance metadata (the fake IMDS serves the fake EC2 instance's live tags) and, when the
 * instance does not allow tags in metadata, from DescribeTags in the cloud-task child.
 */
import path from 'node:path';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../lib/client.js';
import { ALWAYS_IDLE, runCli, startAgent, tempDir, waitFor, type AgentHandle, events, waitEvent } from '../helpers/agent.js';
import type { FakeInstance } from '../fakes/ec2.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { withFakeAws } from '../helpers/aws.js';
import { startDashboardServer } from '../../agent/dashboard/server.js';
import { DASHBOARD_TOKEN_HEADER } from '../../contract/dashboard-http.js';
import { openSession, req } from '../helpers/dashboard.js';

const ID = 'i-0b1c2d3e4f5a60719';
const NAP_TAG = 'CloudSnooze:Config:naptime_minutes';
const { ec2, imds, dmi } = withFakeAws({ imds: { instanceId: ID, instanceType: 't3.large', region: 'us-east-1' }, dmi: 'board_vendor' });
let inst: FakeInstance;
const agents: AgentHandle[] = [];

beforeEach(() => {
  inst = ec2.addInstance({ id: ID, type: 't3.large', tags: { Name: 'ml-box' } });
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

/** The file says 30 minutes: only a pin can make this agent stop within the test. */
async function agent(config: Record<string, unknown> = {}): Promise<AgentHandle> {
  const dir = tempDir('cs-pins-');
  mkdirSync(path.join(dir, 'dev'), { recursive: true });
  const a = await startAgent({ dir, config: { ...ALWAYS_IDLE, naptime_minutes: 30, ...config }, env: fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url, dmiDir: dmi.dir }) });
  agents.push(a);
  return a;
}


describe('settings pinned by instance tags', () => {
  it('a naptime tag read from instance metadata shortens the stop; config set of that key is refused (PINNED, naming the tag)', async () => {
    inst.tags.set(NAP_TAG, '0.05');
    imds.tags = () => inst.tags;
    const a = await agent();
    // The socket answers before the agent's start has read the tags (a few ms later).
    const view = await waitFor(async () => {
      const v = await a.req('CONFIG_GET');
      return v.sources?.naptime_minutes === 'tag' ? v : null;
    }, 10_000, 'the pinned naptime');
    expect(view.naptime_minutes).toBe(0.05);
    expect(view.sources?.check_interval_seconds).toBe('file');
    expect(view.sources?.hibernate).toBeUndefined();

    const refused = await a.req('CONFIG_SET', { values: { naptime_minutes: 60 } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AgentError);
    expect((refused as AgentError).code).toBe('PINNED');
    expect((refused as AgentError).message).toMatch(/naptime_minutes is pinned by the instance tag CloudSnooze:Config:naptime_minutes = "0.05"/);
    // On the field, so the Settings form marks the pinned one (and only it).
    expect((refused as AgentError).fields).toEqual({ naptime_minutes: 'Naptime is pinned by the instance tag CloudSnooze:Config:naptime_minutes = "0.05": change or remove the tag (snooze fleet policy set), not this setting; nothing changed' });
    const cli = await runCli(['--socket', a.socket, 'config', 'set', 'naptime_minutes', '60']);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toBe('snooze: Naptime is pinned by the instance tag CloudSnooze:Config:naptime_minutes = "0.05": change or remove the tag (snooze fleet policy set), not this setting; nothing changed\n');
    // The file still says 30: a tag's value never lands in snooze.json, and the refusal changed nothing.
    expect(JSON.parse(readFileSync(a.configPath, 'utf8')).naptime_minutes).toBe(30);
    // The dashboard relays the refusal as it is: code and the sentence naming the tag.
    const rendererDir = path.join(a.dir, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    const dash = await startDashboardServer({ socketPath: a.socket, rendererDir, port: 0, commandTimeoutMs: 5000 });
    try {
      const session = await openSession(dash.port, dash.token);
      const r = await req(dash.port, '/api/CONFIG_SET', {
        method: 'POST',
        headers: { [DASHBOARD_TOKEN_HEADER]: session, 'Content-Type': 'application/json' },
        body: JSON.stringify({ values: { naptime_minutes: 60 } }),
      });
      expect(JSON.parse(r.body)).toEqual({
        ok: false,
        code: 'PINNED',
        error: expect.stringMatching(/pinned by the instance tag CloudSnooze:Config:naptime_minutes/),
        fields: { naptime_minutes: expect.stringMatching(/^Naptime is pinned by the instance tag CloudSnooze:Config:naptime_minutes = "0.05": /) },
      });
    } finally {
      await dash.close();
    }
    const list = await runCli(['--socket', a.socket, 'config', 'list']);
    expect(list.stdout).toMatch(/^naptime_minutes\s+tag\s+0\.05$/m);

    const [stop] = await waitEvent(a, 'stop');
    expect(String(stop!.details!.reason)).toMatch(/threshold: 0\.05 minutes/);
    expect(inst.state).toBe('stopped');
    // Metadata answered: no DescribeTags for the pins (and no restart check, nothing was stopped before).
    expect(ec2.count('DescribeTags')).toBe(0);
    const pinned = (await events(a, 'config_change')).find((e) => /from instance tags/.test(e.message));
    expect(pinned?.message).toBe(`Config from instance tags: Naptime set to 3 seconds (tag ${NAP_TAG})`);
  });

  it('with tags not allowed in metadata, one DescribeTags of this instance (in the cloud-task child) gives the pins', async () => {
    inst.tags.set(NAP_TAG, '0.05');
    const a = await agent();
    const [stop] = await waitEvent(a, 'stop');
    expect(imds.count('GET', '/latest/meta-data/tags/instance')).toBeGreaterThan(0);
    expect(String(stop!.details!.reason)).toMatch(/threshold: 0\.05 minutes/);
    const reads = ec2.callsOf('DescribeTags');
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads[0]!.params).toMatchObject({ 'Filter.1.Name': 'resource-id', 'Filter.1.Value.1': ID, 'Filter.2.Name': 'key', 'Filter.2.Value.1': 'CloudSnooze:*' });
    expect((await a.req('CONFIG_GET')).sources?.naptime_minutes).toBe('tag');
  });

  it('a bad tag value is ignored, logged and recorded as a config_change with the error; the rest applies', async () => {
    inst.tags.set(NAP_TAG, 'soon');
    inst.tags.set('CloudSnooze:Config:cpu_threshold_percent', '99');
    inst.tags.set('CloudSnooze:Config:history_path', '/tmp/elsewhere');
    imds.tags = () => inst.tags;
    const a = await agent();
    const problems = await waitFor(async () => {
      const e = (await events(a, 'config_change')).filter((x) => /ignored/.test(x.message));
      return e.length >= 2 ? e : null;
    }, 10_000, 'config_change events for the bad tags');
    const byTag = Object.fromEntries(problems.map((e) => [e.details!.tag, e]));
    expect(byTag[NAP_TAG]!.message).toMatch(/Instance tag CloudSnooze:Config:naptime_minutes ignored: Naptime must be a number of minutes/);
    expect(byTag[NAP_TAG]!.details).toMatchObject({ value: 'soon', source: 'tag' });
    expect(byTag['CloudSnooze:Config:history_path']!.message).toMatch(/only be set in the config file/);
    const view = await a.req('CONFIG_GET');
    expect(view.naptime_minutes).toBe(30);
    expect(view.cpu_threshold_percent).toBe(99);
    expect(view.history_path).not.toBe('/tmp/elsewhere');
    expect(a.output()).toMatch(/fleet tags: Instance tag CloudSnooze:Config:naptime_minutes ignored/);
    expect((await a.req('STATUS')).state).not.toBe('monitor_only');
  });

  it('tags are read again every fleet_refresh_minutes: a new pin applies, a removed one gives the file value back', async () => {
    imds.tags = () => inst.tags;
    const a = await agent({ fleet_refresh_minutes: 0.05 });
    await waitFor(async () => (await events(a, 'agent_start')).length > 0, 10_000, 'agent_start');
    expect((await a.req('CONFIG_GET')).naptime_minutes).toBe(30);
    inst.tags.set(NAP_TAG, '45');
    await waitFor(async () => (await a.req('CONFIG_GET')).naptime_minutes === 45, 15_000, 'the new pin');
    expect((await a.req('STATUS')).naptime_minutes).toBe(45);
    inst.tags.delete(NAP_TAG);
    await waitFor(async () => (await a.req('CONFIG_GET')).sources?.naptime_minutes === 'file', 15_000, 'the pin removed');
    expect((await a.req('CONFIG_GET')).naptime_minutes).toBe(30);
    expect((await events(a, 'config_change')).map((e) => e.message)).toEqual(
      expect.arrayContaining([`Config from instance tags: Naptime set to 45 minutes (tag ${NAP_TAG})`, `Config from instance tags: Naptime no longer pinned (tag ${NAP_TAG} removed)`]),
    );
  });

  it('Disabled=true gives monitor_only with the tag as the reason, and nothing is stopped', async () => {
    inst.tags.set(NAP_TAG, '0.05');
    inst.tags.set('CloudSnooze:Disabled', 'true');
    imds.tags = () => inst.tags;
    const a = await agent();
    // The first decision waits for the tags; the socket may answer a few ms before they are read.
    const st = await waitFor(async () => {
      const x = await a.req('STATUS');
      return x.state === 'monitor_only' ? x : null;
    }, 10_000, 'monitor_only');
    expect(st.error).toMatch(/CloudSnooze:Disabled = true/);
    expect(st.seconds_until_stop).toBeNull();
    // What a person on the instance reads: the tag as the reason of the state, once, and no "Error:" for a choice.
    const shown = await runCli(['--socket', a.socket, 'status']);
    expect(shown.stdout).toMatch(/^State: {4}Monitor only \(cannot act\) — instance tag CloudSnooze:Disabled = true: CloudSnooze watches but never warns or stops this instance$/m);
    expect(shown.stdout).not.toMatch(/^Error:/m);
    expect(shown.stdout).not.toMatch(/monitoring only/i);
    // Three naptimes pass: still running, no warning, no stop.
    await new Promise((r) => setTimeout(r, 9_000));
    expect(ec2.count('StopInstances')).toBe(0);
    expect(inst.state).toBe('running');
    expect(await events(a, 'warning')).toEqual([]);
    expect((await events(a, 'config_change')).some((e) => /Monitoring only: instance tag CloudSnooze:Disabled = true/.test(e.message))).toBe(true);
  });
});
