/**
 * Finding 7 end to end: escape sequences a socket member puts in a stay-awake reason, or
 * anyone with CreateTags puts in a tag value, reach root's terminal only as visible text.
 * The real CLI (dist/agent/snooze.js) against a real agent, and against the fake EC2.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rfc3339Seconds } from '../../contract/protocol.js';
import { FakeEc2 } from '../fakes/ec2.js';
import { fakeAwsEnv } from '../fakes/aws-env.js';
import { ALWAYS_IDLE, runCli, startAgent, waitFor, type AgentHandle } from '../helpers/agent.js';

/** Clear screen, retitle the window, an OSC 8 hyperlink, 8-bit CSI, DEL, a bidi override, and a forged line. */
const REASON = 'deploy\x1b[2J\x1b[H\x1b]0;owned\x07 \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x9b2J\x7f \u202etxt.exe\u202c\nState:    Active';

// eslint-disable-next-line no-control-regex -- the test looks for exactly these characters
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function expectInert(text: string): void {
  expect(text).not.toMatch(ACTIVE);
}

describe('a hostile stay-awake reason, through the real agent and CLI', () => {
  let a: AgentHandle | null = null;
  afterEach(async () => {
    await a?.stop();
    a = null;
  });

  it('status, history (text, csv, json), status --json and the agent log show it inert; JSON still carries the exact reason', async () => {
    a = await startAgent({ config: { ...ALWAYS_IDLE, naptime_minutes: 60 } });
    await a.req('STAY_AWAKE', { reason: REASON });
    const sock = ['--socket', a.socket];

    const status = await runCli([...sock, 'status']);
    expect(status.code).toBe(0);
    expectInert(status.stdout);
    expect(status.stdout).toContain('deploy\\u001b[2J\\u001b[H\\u001b]0;owned\\u0007');
    expect(status.stdout).toContain('\\u009b2J\\u007f \\u202etxt.exe\\u202c');
    // The reason's newline cannot forge a line of output.
    expect(status.stdout.split('\n').filter((l) => l.startsWith('State:'))).toHaveLength(1);

    const text = await runCli([...sock, 'history']);
    expect(text.code).toBe(0);
    expectInert(text.stdout);
    expect(text.stdout).toMatch(/stay_awake\s+Stay awake until released: deploy\\u001b\[2J/);

    const csv = await runCli([...sock, 'history', '--format', 'csv']);
    expectInert(csv.stdout);
    const rows = csv.stdout.trim().split('\n');
    expect(rows.every((r) => /^(id|\d+),/.test(r))).toBe(true); // one line per event

    const json = await runCli([...sock, 'history', '--format', 'json']);
    expectInert(json.stdout);
    const events = JSON.parse(json.stdout) as { type: string; details?: { reason?: string } }[];
    expect(events.find((e) => e.type === 'stay_awake')?.details?.reason).toBe(REASON);

    const sj = await runCli([...sock, 'status', '--json']);
    expectInert(sj.stdout);
    expect((JSON.parse(sj.stdout) as { stay_awake: { reason: string } }).stay_awake.reason).toBe(REASON);

    // The agent logged the event (daemon: "stay_awake: ..."), inert and on one line.
    const logged = await waitFor(() => a!.output().split('\n').find((l) => l.includes('stay_awake:')), 5000, 'the stay_awake log line');
    expect(logged).toContain('deploy\\u001b[2J');
    expectInert(a.output());
  });
});

describe('snooze fleet with escape-laden tags from the fake EC2', () => {
  let ec2: FakeEc2;
  beforeAll(async () => {
    ec2 = await FakeEc2.start();
  });
  afterAll(async () => {
    await ec2.close();
  });

  it('list (table and --json) and restart refusals print tag values inert', async () => {
    const evil = '\x1b]0;pwned\x07\x1b[31mred\x1b[0m \u202eevil\u202c \x9b6n';
    const stopped = ec2.addInstance({
      state: 'stopped',
      type: 't3.micro',
      tags: { 'CloudSnooze:Status': 'Stopped', 'CloudSnooze:StopTimestamp': rfc3339Seconds(Date.now() - 3_600_000), 'CloudSnooze:StopReason': `idle ${evil}\nforged row` },
    });
    const odd = ec2.addInstance({ state: 'stopped', tags: { 'CloudSnooze:Status': `Paused${evil}` } });
    const env = fakeAwsEnv({ ec2Url: ec2.url });

    const list = await runCli(['fleet', 'list'], env);
    expect(list.code).toBe(0);
    expectInert(list.stdout + list.stderr);
    const row = list.stdout.split('\n').find((l) => l.startsWith(stopped.id));
    expect(row).toContain('idle \\u001b]0;pwned\\u0007\\u001b[31mred\\u001b[0m \\u202eevil\\u202c \\u009b6n\\u000aforged row');
    expect(list.stdout.split('\n').some((l) => l.startsWith('forged row'))).toBe(false);

    const json = await runCli(['fleet', 'list', '--json'], env);
    expectInert(json.stdout);
    const parsed = JSON.parse(json.stdout) as { instance_id: string; reason: string }[];
    expect(parsed.find((p) => p.instance_id === stopped.id)?.reason).toBe(`idle ${evil}\nforged row`);

    const restart = await runCli(['fleet', 'restart', odd.id], env);
    expect(restart.code).toBe(1);
    expectInert(restart.stderr);
    expect(restart.stderr).toContain('CloudSnooze:Status is Paused\\u001b]0;pwned\\u0007');
    expect(ec2.instance(odd.id).state).toBe('stopped');
  });
});
