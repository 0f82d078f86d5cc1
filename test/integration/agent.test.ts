/** The real agent process, driven only through its socket and the real CLI. */
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../lib/client.js';
import { groupId } from '../../agent/socket-path.js';
import type { HistoryEvent, Reply, Status } from '../../contract/protocol.js';
import { ALWAYS_IDLE, runCli, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';

const agents: AgentHandle[] = [];
async function agent(opts: Parameters<typeof startAgent>[0] = {}): Promise<AgentHandle> {
  const a = await startAgent(opts);
  agents.push(a);
  return a;
}
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop('SIGKILL')));
});

async function eventsOf(a: AgentHandle, type: HistoryEvent['type']): Promise<HistoryEvent[]> {
  return (await a.req('HISTORY', { type, limit: 100, details: true })).events;
}

/** Like the guide's Go example: one write with no newline, then a single read of up to 4096 bytes. */
function goStyle(socket: string, command: string): Promise<{ bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socket, () => s.write(JSON.stringify({ command, params: {} })));
    s.once('data', (buf) => {
      s.destroy();
      const slice = buf.subarray(0, 4096);
      resolve({ bytes: buf.length, text: slice.toString() });
    });
    s.on('error', reject);
  });
}

/** Raw exchange: send bytes, collect reply lines until `n` lines or close. */
function raw(socket: string, payload: string | Buffer, n = 1, timeoutMs = 5000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let buf = '';
    const s = net.createConnection(socket, () => s.write(payload));
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(lines);
    };
    const t = setTimeout(done, timeoutMs);
    s.on('data', (d) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (lines.length >= n) return done();
      }
    });
    s.on('close', done);
    s.on('error', reject);
  });
}

describe('agent process (local mode)', () => {
  it('records a dry_run_stop with the exact tags after the naptime, warning first, and keeps running', async () => {
    const a = await agent({ config: ALWAYS_IDLE });
    const stops = await waitFor(async () => {
      const e = await eventsOf(a, 'dry_run_stop');
      return e.length > 0 ? e : null;
    }, 30_000, 'dry_run_stop');
    const ev = stops[0]!;
    expect(ev.message).toMatch(/^Would have stopped \(local mode: not on EC2\), nothing was stopped: idle for \d+ seconds? \(naptime 3 seconds\)$/);
    const tags = ev.details!.tags as Record<string, string>;
    expect(tags['CloudSnooze:Status']).toBe('Stopped');
    expect(tags['CloudSnooze:StopTimestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(tags['CloudSnooze:StopReason']).toMatch(/^System idle for [\d.]+ minutes \(threshold: 0\.05 minutes\)$/);
    expect(tags['CloudSnooze:CPUPercent']).toMatch(/^\d+\.\d\d$/);
    expect(tags['CloudSnooze:MemoryPercent']).toMatch(/^\d+\.\d\d$/);
    expect(tags['CloudSnooze:NaptimeMinutes']).toBe('0');
    const warnings = await eventsOf(a, 'warning');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.at(-1)!.id).toBeLessThan(ev.id);
    // Still running, and the timer started again.
    const st = await a.req('STATUS');
    expect(['idle', 'warning', 'active']).toContain(st.state);
    expect(st.mode).toBe('local');
  });

  it('POSTPONE moves seconds_until_stop out; STAY_AWAKE blocks; RELEASE resumes', async () => {
    const a = await agent({ config: { ...ALWAYS_IDLE, naptime_minutes: 1, warning_minutes: 0.1 } });
    const counting = await waitFor(async () => {
      const s = await a.req('STATUS');
      return s.seconds_until_stop !== null ? s : null;
    }, 15_000, 'countdown');
    expect(counting.seconds_until_stop).toBeLessThanOrEqual(60);
    const post = await a.req('POSTPONE', { minutes: 30 });
    expect(post.state).toBe('postponed');
    expect(post.seconds_until_stop).toBeGreaterThan(29 * 60);
    expect(post.postponed_until).not.toBeNull();
    const again = await a.req('STATUS');
    expect(again.seconds_until_stop).toBeGreaterThan(29 * 60);

    const stay = await a.req('STAY_AWAKE', { reason: 'training run' });
    expect(stay.state).toBe('stay_awake');
    expect(stay.seconds_until_stop).toBeNull();
    expect(stay.stay_awake).toEqual({ until: null, reason: 'training run' });
    await new Promise((r) => setTimeout(r, 1500));
    const still = await a.req('STATUS');
    expect(still.state).toBe('stay_awake');
    expect(still.seconds_until_stop).toBeNull();

    const rel = await a.req('RELEASE');
    expect(rel.stay_awake).toBeNull();
    expect(rel.postponed_until).toBeNull();
    const resumed = await waitFor(async () => {
      const s = await a.req('STATUS');
      return s.seconds_until_stop !== null ? s : null;
    }, 10_000, 'countdown after release');
    expect(resumed.seconds_until_stop).toBeLessThanOrEqual(60);
    const types = (await a.req('HISTORY', { limit: 20 })).events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['postpone', 'stay_awake', 'release']));
  });

  it('never records a stop while staying awake, even past the naptime', async () => {
    const a = await agent({ config: ALWAYS_IDLE });
    await a.req('STAY_AWAKE', { reason: 'hold' });
    await new Promise((r) => setTimeout(r, 5000));
    expect(await eventsOf(a, 'dry_run_stop')).toHaveLength(0);
  });

  it('refuses an invalid CONFIG_SET, naming the key, and changes nothing', async () => {
    const a = await agent({ config: ALWAYS_IDLE });
    const before = await a.req('CONFIG_GET');
    const fileBefore = readFileSync(a.configPath, 'utf8');
    const err = await a.req('CONFIG_SET', { values: { cpu_threshold_percent: 150, naptime_minutes: 10 } }).catch((e: AgentError) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).code).toBe('INVALID_PARAMS');
    expect((err as AgentError).message).toMatch(/cpu_threshold_percent/);
    expect((err as AgentError).message).toMatch(/100/);
    expect(await a.req('CONFIG_GET')).toEqual(before);
    expect(readFileSync(a.configPath, 'utf8')).toBe(fileBefore);

    // Paths the agent writes as root are set in the file only, never by a socket client.
    const pathErr = await a.req('CONFIG_SET', { values: { history_path: '/etc/passwd' } }).catch((e: AgentError) => e);
    expect((pathErr as AgentError).code).toBe('INVALID_PARAMS');
    expect((pathErr as AgentError).message).toMatch(/history_path can only be set in the config file/);
    expect((pathErr as AgentError).fields).toEqual({ history_path: expect.stringMatching(/^History file can only be set in the config file .+, as root; nothing changed$/) });
    expect(readFileSync(a.configPath, 'utf8')).toBe(fileBefore);

    const ok = await a.req('CONFIG_SET', { values: { naptime_minutes: 45 } });
    expect(ok.naptime_minutes).toBe(45);
    expect(JSON.parse(readFileSync(a.configPath, 'utf8')).naptime_minutes).toBe(45);
    // Plain words for people; the raw values in details for machines (history --format json/csv).
    const change = (await eventsOf(a, 'config_change')).at(0)!;
    expect(change.message).toMatch(/^Naptime set to 45 minutes \(was .+\)$/);
    expect(change.message).not.toMatch(/naptime_minutes|=/);
    expect(change.details).toMatchObject({ changed: { naptime_minutes: { to: 45 } } });
  });

  it('answers garbage with errors while another client keeps getting STATUS', async () => {
    const a = await agent({ config: ALWAYS_IDLE });
    let statusOk = 0;
    let stop = false;
    const poller = (async () => {
      while (!stop) {
        await a.req('STATUS');
        statusOk++;
      }
    })();
    const cases: Array<[string | Buffer, string]> = [
      ['not json at all\n', 'BAD_REQUEST'],
      ['{"command": "STATUS", "params": {}\n', 'TIMEOUT'],
      ['{"command": 42}\n', 'BAD_REQUEST'],
      ['{"command": "FLY"}\n', 'UNKNOWN_COMMAND'],
      ['{"command": "POSTPONE", "params": {"minutes": "soon"}}\n', 'INVALID_PARAMS'],
      ['{"command": "HISTORY", "params": {"limit": -1}}', 'INVALID_PARAMS'],
      ['[1,2,3]\n', 'BAD_REQUEST'],
      [`${'['.repeat(100)}\n`, 'BAD_REQUEST'],
      [`{"a":${'{"a":'.repeat(100)}1${'}'.repeat(101)}\n`, 'BAD_REQUEST'],
      [Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a]), 'BAD_REQUEST'],
    ];
    for (const [payload, code] of cases) {
      const timeout = code === 'TIMEOUT' ? 15_000 : 5000;
      const [line] = await raw(a.socket, payload, 1, timeout);
      expect(line, `reply to ${String(payload).slice(0, 40)}`).toBeDefined();
      const reply = JSON.parse(line!) as Reply<unknown>;
      expect(reply.success).toBe(false);
      if (!reply.success) {
        expect(reply.code).toBe(code);
        expect(reply.error.length).toBeGreaterThan(5);
      }
    }
    // A 1 MiB line is refused and the connection closed.
    const big = await raw(a.socket, `{"command":"STATUS","params":{"x":"${'x'.repeat(1024 * 1024)}"}}\n`, 1);
    expect(JSON.parse(big[0]!).code).toBe('TOO_LARGE');
    // Several requests on one connection, in order.
    const multi = await raw(a.socket, '{"command":"STATUS"}{"command":"CONFIG_GET","params":{}}\n{"command":"NOPE"}\n', 3);
    expect(multi.map((l) => JSON.parse(l).success)).toEqual([true, true, false]);
    stop = true;
    await poller;
    expect(statusOk).toBeGreaterThan(5);
    expect(a.proc.exitCode).toBeNull();
  });

  it('gives a Go-style client (one write, no newline, one 4096-byte read) complete JSON for STATUS, CONFIG_GET and HISTORY', async () => {
    const a = await agent({ config: ALWAYS_IDLE });
    // Fill history with large events (tags in details) first.
    await waitFor(async () => (await eventsOf(a, 'dry_run_stop')).length >= 2, 30_000, 'two dry_run_stops');
    for (let i = 0; i < 12; i++) await a.req('POSTPONE', { minutes: 1 + i });
    await a.req('RELEASE');
    for (const cmd of ['STATUS', 'CONFIG_GET', 'HISTORY']) {
      const { bytes, text } = await goStyle(a.socket, cmd);
      expect(bytes, cmd).toBeLessThanOrEqual(4096);
      const parsed = JSON.parse(text) as Reply<unknown>;
      expect(parsed.success, cmd).toBe(true);
    }
    const h = await goStyle(a.socket, 'HISTORY');
    expect((JSON.parse(h.text) as { data: { events: unknown[] } }).data.events.length).toBeGreaterThan(3);
  });

  it('streams status frames and events to a subscriber', async () => {
    const a = await agent({ config: ALWAYS_IDLE });
    const lines = await raw(a.socket, '{"command":"SUBSCRIBE","params":{}}\n', 4, 10_000);
    expect(JSON.parse(lines[0]!)).toEqual({ success: true, data: { subscribed: true } });
    const frames = lines.slice(1).map((l) => JSON.parse(l) as { frame: string; data: Status });
    expect(frames.length).toBe(3);
    expect(frames.some((f) => f.frame === 'status' && typeof f.data.state === 'string')).toBe(true);
  });

  it('serves SAMPLES from its ring and takes INPUT_ACTIVITY reports as input', async () => {
    const a = await agent({ config: { ...ALWAYS_IDLE, naptime_minutes: 5 } });
    await waitFor(async () => (await a.req('SAMPLES', { seconds: 60 })).samples.length >= 3, 15_000, 'samples');
    const { samples } = await a.req('SAMPLES', { seconds: 60 });
    expect(samples.every((s, i) => i === 0 || s.t > samples[i - 1]!.t)).toBe(true);
    expect(typeof samples[0]!.memory_percent).toBe('number');
    await a.req('INPUT_ACTIVITY', { idle_secs: 2 });
    const st = await waitFor(async () => {
      const s = await a.req('STATUS');
      return s.blockers.some((b) => b.metric === 'input') ? s : null;
    }, 10_000, 'input blocker');
    expect(st.input_sources).toContain('desktop');
    expect(st.state).toBe('active');
    // The desktop app finds its display stuck at 0 s: the source leaves the decision and is named.
    await a.req('INPUT_ACTIVITY', { idle_secs: 0, available: false });
    const off = await waitFor(async () => {
      const s = await a.req('STATUS');
      return !s.blockers.some((b) => b.metric === 'input') ? s : null;
    }, 10_000, 'no input blocker');
    expect(off.input_sources).not.toContain('desktop');
    expect(off.input_unavailable).toEqual(['desktop']);
  });

  it('writes the warning to logged-in terminals', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'dev', 'pts'), { recursive: true });
    const pts = path.join(dir, 'dev', 'pts', '0');
    writeFileSync(pts, '');
    // The fake pts is also an input source; a zero threshold keeps it from blocking.
    const a = await agent({ dir, config: { ...ALWAYS_IDLE, input_idle_threshold_secs: 0 }, env: { CLOUDSNOOZE_TTY_WARNINGS: '1' } });
    await waitFor(() => readFileSync(pts, 'utf8').includes('CloudSnooze'), 20_000, 'terminal warning');
    expect(readFileSync(pts, 'utf8')).toMatch(/would be stopped in/);
    await a.stop();
  });

  it('shuts down cleanly on SIGTERM, keeps history across restarts, and skips a torn last line', async () => {
    const dir = tempDir();
    const a = await agent({ dir, config: ALWAYS_IDLE });
    await a.req('POSTPONE', { minutes: 5 });
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(existsSync(a.socket)).toBe(false);
    // Simulate a crash mid-append.
    writeFileSync(a.historyPath, readFileSync(a.historyPath, 'utf8') + '{"id":999,"time":"2026-01-01T00:00:0');
    const b = await agent({ dir, config: ALWAYS_IDLE });
    const events = (await b.req('HISTORY', { limit: 50 })).events;
    expect(events.filter((e) => e.type === 'agent_start')).toHaveLength(2);
    expect(events.some((e) => e.type === 'postpone')).toBe(true);
    expect(events.some((e) => e.id === 999)).toBe(false);
    // The postpone hold survived the restart.
    expect((await b.req('STATUS')).postponed_until).not.toBeNull();
  });

  it('socket: mode 0660; refuses a regular file or folder; replaces a stale socket; a second agent refuses', async () => {
    const dir = tempDir();
    const a = await agent({ dir, config: ALWAYS_IDLE });
    expect(statSync(a.socket).mode & 0o777).toBe(0o660);
    // socket_group names a group that does not exist here: the socket keeps the agent's own group.
    expect(statSync(a.socket).gid).toBe(process.getgid!());
    const second = await startAgent({ dir, config: ALWAYS_IDLE, waitReady: false });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/already listening/);
    // Stale: kill -9 leaves the socket file behind.
    await a.stop('SIGKILL');
    expect(existsSync(a.socket)).toBe(true);
    const c = await agent({ dir, config: ALWAYS_IDLE });
    expect(c.output()).toMatch(/replaced a stale socket/);
    await c.stop();

    const fileDir = tempDir();
    writeFileSync(path.join(fileDir, 'agent.sock'), 'precious');
    const f = await startAgent({ dir: fileDir, config: ALWAYS_IDLE, waitReady: false });
    expect(await f.exited).toBe(1);
    expect(f.output()).toMatch(/regular file/);
    expect(readFileSync(path.join(fileDir, 'agent.sock'), 'utf8')).toBe('precious');
    const folderDir = tempDir();
    mkdirSync(path.join(folderDir, 'agent.sock'));
    const g = await startAgent({ dir: folderDir, config: ALWAYS_IDLE, waitReady: false });
    expect(await g.exited).toBe(1);
    expect(g.output()).toMatch(/directory/);
  });

  it('gives the socket the configured group when that group exists', async () => {
    const gid = groupId('daemon');
    if (gid === null || process.getuid!() !== 0) return; // needs root and a Debian-like group database
    const a = await agent({ config: { ...ALWAYS_IDLE, socket_group: 'daemon' } });
    expect(statSync(a.socket).gid).toBe(gid);
    expect(statSync(a.socket).mode & 0o777).toBe(0o660);
    expect(a.output()).toMatch(/group daemon/);
  });

  it('starts with defaults when the config file is missing, and refuses a bad config file naming the key', async () => {
    const dir = tempDir();
    const a = await agent({ dir, noConfigFile: true, env: {} , args: [] , config: {} }).catch((e) => e as Error);
    // With no file, history_path defaults to /var/lib/cloudsnooze: fine as root, a clear error otherwise.
    if (!(a instanceof Error)) {
      expect(a.output()).toMatch(/not found, using defaults/);
      expect((await a.req('CONFIG_GET')).naptime_minutes).toBe(30);
    }
    const bad = tempDir();
    writeFileSync(path.join(bad, 'snooze.json'), JSON.stringify({ naptime_minutes: 0.001 }));
    const b = await startAgent({ dir: bad, noConfigFile: true, waitReady: false });
    expect(await b.exited).toBe(78);
    expect(b.output()).toMatch(/naptime_minutes: Naptime must be at least 0\.05 minutes \(3 seconds\) \(you entered 0\.001\)/);
  });
});

describe('snooze CLI against the real agent', () => {
  it('status, config, history formats, postpone / stay-awake / release, and distinct exit codes', async () => {
    const a = await agent({ config: { ...ALWAYS_IDLE, naptime_minutes: 2 } });
    const s = ['--socket', a.socket];
    const st = await runCli([...s, 'status']);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/local mode/);
    expect(st.stdout).toMatch(/CPU\s+[\d.]+ %\s+100 %/);
    const js = await runCli([...s, 'status', '--json']);
    expect(JSON.parse(js.stdout).mode).toBe('local');

    expect((await runCli([...s, 'config', 'get', 'naptime_minutes'])).stdout.trim()).toBe('2');
    const set = await runCli([...s, 'config', 'set', 'cpu_threshold_percent', '99.5']);
    expect(set.code).toBe(0);
    expect((await a.req('CONFIG_GET')).cpu_threshold_percent).toBe(99.5);
    const refused = await runCli([...s, 'config', 'set', 'cpu_threshold_percent', '150']);
    expect(refused.code).toBe(4);
    expect(refused.stderr.trim()).toBe('snooze: CPU threshold must be at most 100 % (you entered 150)');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect((await runCli([...s, 'config', 'set', 'nope', '1'])).code).toBe(2);

    expect((await runCli([...s, 'postpone', '1h'])).code).toBe(0);
    // The hold, not the countdown: on a saturated CI core the box is busy and has no stop time.
    const held = (await a.req('STATUS')).postponed_until;
    expect(Date.parse(held ?? '') - Date.now()).toBeGreaterThan(3500_000);
    expect((await runCli([...s, 'postpone', 'soon'])).code).toBe(2);
    const sa = await runCli([...s, 'stay-awake', '--for', '2h', '--reason', 'demo']);
    expect(sa.code).toBe(0);
    expect((await a.req('STATUS')).stay_awake?.reason).toBe('demo');
    expect((await runCli([...s, 'release'])).code).toBe(0);
    expect((await a.req('STATUS')).stay_awake).toBeNull();

    const csv = await runCli([...s, 'history', '--format', 'csv', '--limit', '50']);
    expect(csv.stdout.split('\n')[0]).toBe('id,time,type,message,details');
    expect(csv.stdout).toMatch(/,stay_awake,/);
    const hj = JSON.parse((await runCli([...s, 'history', '--format', 'json', '--since', '1h'])).stdout) as HistoryEvent[];
    expect(hj[0]!.type).toBe('agent_start');
    expect((await runCli([...s, 'history', '--format', 'xml'])).code).toBe(2);
    const doc = await runCli([...s, 'doctor', '--config', a.configPath]);
    expect(doc.stdout).toMatch(/agent answers on/);
    expect(doc.stdout).toMatch(/input sources/);
    expect(doc.stdout).toMatch(/GPU tool/);
    expect(doc.stdout).toContain(`✓ config ${a.configPath} (the file the running agent loaded) is valid`);
    // Another file than the agent's: checked, and said not to be the one in force; config set would not create it.
    const elsewhere = path.join(a.dir, 'candidate.json');
    const other = await runCli([...s, 'doctor', '--config', elsewhere]);
    expect(other.stdout).toContain(`ℹ config ${elsewhere} does not exist\n`);
    expect(other.stdout).toContain(`ℹ the running agent loaded ${a.configPath}, not ${elsewhere}: it uses this file only if started with --config ${elsewhere}\n`);
    expect(other.stdout).not.toContain('config set creates it');
    expect(other.code).toBe(0);
  });

  it('says the agent is not running in one line with exit code 3', async () => {
    const r = await runCli(['--socket', path.join(tempDir(), 'none.sock'), 'status']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not running/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
