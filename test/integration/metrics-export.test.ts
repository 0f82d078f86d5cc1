/**
 * The Prometheus exporter (issue 10): a real agent with `metrics_listen` serves /metrics that a
 * strict text-format parser accepts and whose values are STATUS's; `metrics_textfile` holds the
 * same families; the HTTP side is bounded; a non-loopback address needs metrics_allow_remote;
 * an agent without either never carries prom-client (its own bundle chunk).
 */
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALWAYS_IDLE, ROOT, SNOOZED, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';
import { parsePrometheusText, promValue } from '../helpers/prom-text.js';
import { freePort, rawHttp } from '../helpers/raw-http.js';

describe('Prometheus exporter', () => {
  let agent: AgentHandle;
  let port: number;
  let textfile: string;
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  beforeAll(async () => {
    port = await freePort();
    const dir = tempDir('cs-metrics-');
    textfile = path.join(dir, 'textfile', 'cloudsnooze.prom');
    // A naptime of 3 s: the agent warns and records a (local-mode) stop within seconds.
    agent = await startAgent({ dir, config: { ...ALWAYS_IDLE, metrics_listen: `127.0.0.1:${port}`, metrics_textfile: textfile } });
  });

  afterAll(async () => {
    await agent?.stop();
  });

  it('serves /metrics that parses strictly, with the values STATUS gives', async () => {
    await waitFor(() => agent.output().includes('metrics: serving'), 10_000, 'exporter to listen');
    // After a warning and a local-mode stop, hold it with a postpone so the values stay put.
    await waitFor(async () => (await agent.req('HISTORY', { type: 'dry_run_stop' })).events.length > 0, 20_000, 'a local-mode stop');
    const st = await agent.req('POSTPONE', { minutes: 30 });
    const fams = parsePrometheusText(await scrape());

    expect(promValue(fams, 'cloudsnooze_state', { state: st.state })).toBe(1);
    expect(st.postponed_until).not.toBeNull();
    expect(promValue(fams, 'cloudsnooze_state', { state: 'idle' })).toBe(0);
    expect(promValue(fams, 'cloudsnooze_mode', { mode: 'local' })).toBe(1);
    expect(promValue(fams, 'cloudsnooze_info', { version: st.version, mode: 'local' })).toBe(1);
    for (const [k, v] of Object.entries(st.thresholds)) {
      if (v !== null) expect(promValue(fams, 'cloudsnooze_threshold', { metric: k }), k).toBe(v);
    }
    // Sampled every second: the scrape's reading is one of the last few; the memory share moves little.
    expect(promValue(fams, 'cloudsnooze_metric', { metric: 'memory_percent' })).toBeCloseTo(st.metrics.memory_percent!, -1);
    expect(promValue(fams, 'cloudsnooze_holds', { kind: 'postpone' })).toBe(1);
    expect(promValue(fams, 'cloudsnooze_holds', { kind: 'stay_awake' })).toBe(0);
    expect(promValue(fams, 'cloudsnooze_holds', { kind: 'run' })).toBe(st.runs_total);
    expect(Number.isNaN(promValue(fams, 'cloudsnooze_seconds_until_stop'))).toBe(st.seconds_until_stop === null);
    expect(promValue(fams, 'cloudsnooze_naptime_seconds')).toBeCloseTo(st.effective_naptime_minutes * 60, 6);
    expect(fams.get('cloudsnooze_events_total')?.type).toBe('counter');
    expect(promValue(fams, 'cloudsnooze_events_total', { type: 'warning' })).toBeGreaterThanOrEqual(1);
    expect(promValue(fams, 'cloudsnooze_events_total', { type: 'dry_run_stop' })).toBeGreaterThanOrEqual(1);
    expect(promValue(fams, 'cloudsnooze_events_total', { type: 'postpone' })).toBe(1);
    // Blockers by kind: every kind is present, and they sum to STATUS's blockers.
    const blockers = fams.get('cloudsnooze_blockers')!.samples;
    expect(blockers.map((b) => b.labels.kind).sort()).toEqual(['cpu', 'disk_io', 'gpu', 'inhibitor', 'input', 'memory', 'network', 'process', 'schedule', 'snooze_run'].sort());
    expect(blockers.reduce((s, b) => s + b.value, 0)).toBe(st.blockers.length);
    // Sampling duration: a histogram with a sample per check.
    const h = fams.get('cloudsnooze_sample_duration_seconds')!;
    expect(h.type).toBe('histogram');
    expect(promValue(fams, 'cloudsnooze_sample_duration_seconds', {}, 'cloudsnooze_sample_duration_seconds_count')).toBeGreaterThan(2);
    expect(promValue(fams, 'cloudsnooze_sample_duration_seconds', { le: '+Inf' }, 'cloudsnooze_sample_duration_seconds_bucket')).toBeGreaterThan(2);
  }, 40_000);

  it('seconds_until_stop follows the countdown once the hold is released', async () => {
    const st = await agent.req('RELEASE');
    const fams = parsePrometheusText(await scrape());
    const v = promValue(fams, 'cloudsnooze_seconds_until_stop')!;
    if (st.seconds_until_stop === null) expect(Number.isNaN(v)).toBe(true);
    else expect(Math.abs(v - st.seconds_until_stop)).toBeLessThanOrEqual(2);
  });

  it('writes the same families to metrics_textfile, atomically replaced and world-readable for node_exporter', async () => {
    await waitFor(() => statSync(textfile, { throwIfNoEntry: false }), 10_000, 'the textfile');
    const fromFile = parsePrometheusText(readFileSync(textfile, 'utf8'));
    const fromHttp = parsePrometheusText(await scrape());
    expect([...fromFile.keys()].sort()).toEqual([...fromHttp.keys()].sort());
    expect(statSync(textfile).mode & 0o777).toBe(0o644);
  });

  it('is bounded: /metrics only, GET only, no body, at most 16 connections', async () => {
    expect((await rawHttp(port, 'GET /other HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')).status).toBe(404);
    expect((await rawHttp(port, 'POST /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')).status).toBe(405);
    expect((await rawHttp(port, 'GET /metrics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello')).status).toBe(413);
    expect((await rawHttp(port, `GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).status).toBe(431);

    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r));
        held.push(s);
      }
      // The 17th is closed at once by the server.
      const extra = net.connect(port, '127.0.0.1');
      extra.on('error', () => undefined);
      const closed = await new Promise<boolean>((resolve) => {
        extra.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 3000);
      });
      expect(closed).toBe(true);
    } finally {
      for (const s of held) s.destroy();
    }
    // Slots come back: a scrape works again.
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).status === 200, 5000, 'a scrape after the flood');
  }, 30_000);

  it('silent or dripping connections lose their slot on the server\'s own deadline: 16 of them do not starve scrapes for good', async () => {
    const held: net.Socket[] = [];
    const closedAt: number[] = [];
    const t0 = Date.now();
    try {
      for (let i = 0; i < 16; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        s.once('close', () => closedAt.push(Date.now() - t0));
        await new Promise((r) => s.once('connect', r));
        // Half of them send nothing; the other half drip a request line a byte a second.
        if (i % 2) {
          const line = 'GET /metrics HTTP/1.1\r\nX-Drip: ';
          let j = 0;
          const t = setInterval(() => (s.writable ? s.write(line[j++ % line.length]!) : clearInterval(t)), 1000);
          s.once('close', () => clearInterval(t));
        }
        held.push(s);
      }
      // Node's own timers leave all 16 open for good (Node 20); the exporter's deadline is 5 s.
      await waitFor(() => closedAt.length === 16, 15_000, 'the server closing all 16 idle connections');
      expect(Math.max(...closedAt)).toBeLessThan(12_000);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    } finally {
      for (const s of held) s.destroy();
    }
  }, 30_000);
});

describe('metrics_listen configuration', () => {
  it('refuses a non-loopback address without metrics_allow_remote, naming the key', async () => {
    const a = await startAgent({ config: { metrics_listen: '0.0.0.0:9947' }, waitReady: false });
    expect(await a.exited).toBe(78);
    expect(a.output()).toMatch(/metrics_listen: 0\.0\.0\.0:9947 is not a loopback address.*metrics_allow_remote/);
  });

  it('refuses a host name or a bad port', async () => {
    const a = await startAgent({ config: { metrics_listen: 'metrics.example.com:9947' }, waitReady: false });
    expect(await a.exited).toBe(78);
    expect(a.output()).toMatch(/metrics_listen: .*host must be an IP address or localhost/);
  });

  it('an agent without metrics_listen / metrics_textfile never loads prom-client: it is only in its own chunk', () => {
    const agentBundle = readFileSync(SNOOZED, 'utf8');
    expect(agentBundle).not.toMatch(/require\("prom-client"\)|cloudsnooze_sample_duration_seconds|prom-client\/lib/);
    expect(agentBundle).toContain('import("./chunks/metrics-exporter.js")');
    const chunk = readFileSync(path.join(ROOT, 'dist/agent/chunks/metrics-exporter.js'), 'utf8');
    expect(chunk).toContain('cloudsnooze_sample_duration_seconds');
    expect(chunk).toMatch(/prom-client\/lib\/registry/);
  });
});
