/**
 * Agent footprint and socket latency, each beside a baseline from the same run:
 * - RSS and CPU of the agent at 1 sample/s with one subscriber vs a bare Node process, off
 *   EC2 and on a presented EC2 host before and after a cloud call;
 * - STATUS latency with 50 concurrent clients vs a minimal Node socket server that
 *   answers a canned reply of the same size (the floor of Node + Unix sockets here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminSocketPath } from '../contract/paths.js';
import type { HistoryEvent } from '../contract/protocol.js';
import { FakeEc2 } from '../test/fakes/ec2.js';
import { FakeImds } from '../test/fakes/imds.js';
import { presentDmi } from '../test/fakes/dmi.js';
import { fakeAwsEnv } from '../test/fakes/aws-env.js';

// npm runs benches from the repository root; the bench is bundled elsewhere, so no import.meta paths.
const ROOT = process.cwd();
const SNOOZED = path.join(ROOT, 'dist/agent/snoozed.js');
const CLK_TCK = 100;
const BENCH_INSTANCE = 'i-0be0c0ffee0123456';

function procCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function procRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitSocket(p: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.createConnection(p, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`no socket at ${p}`);
}

export interface BenchAgentOptions {
  /** Extra config keys. */
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Run the bundle as `node snoozed.js`, without its #! line's flags (the --lite-mode trade-off). */
  plainNode?: boolean;
}

/**
 * Starts the built agent the way `npm run agent` and /usr/bin/snoozed do: the file itself
 * is run, so its `#!/usr/bin/env -S node …` line gives the node flags every launcher uses.
 */
export async function startBenchAgent(opts: BenchAgentOptions = {}): Promise<{ proc: ChildProcess; socket: string; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-bench-'));
  const socket = path.join(dir, 'agent.sock');
  const config = path.join(dir, 'snooze.json');
  writeFileSync(config, JSON.stringify({ check_interval_seconds: 1, naptime_minutes: 30, history_path: path.join(dir, 'history.jsonl'), gpu_monitoring_enabled: false, ...opts.config }));
  const args = ['--config', config, '--socket', socket, '--log-level', 'warn'];
  const proc = spawn(opts.plainNode ? process.execPath : SNOOZED, opts.plainNode ? [SNOOZED, ...args] : args, {
    env: { ...process.env, CLOUDSNOOZE_TTY_WARNINGS: '0', CLOUDSNOOZE_DMI_DIR: path.join(dir, 'no-dmi'), ...opts.env },
    stdio: 'ignore',
  });
  await waitSocket(socket);
  return { proc, socket, dir };
}

async function measure(pid: number, seconds: number): Promise<{ cpu_percent: number; rss_mb: number }> {
  const t0 = procCpuTicks(pid);
  const w0 = process.hrtime.bigint();
  let rssMax = 0;
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    rssMax = Math.max(rssMax, procRssMb(pid));
  }
  const ticks = procCpuTicks(pid) - t0;
  const wall = Number(process.hrtime.bigint() - w0) / 1e9;
  return { cpu_percent: (ticks / CLK_TCK / wall) * 100, rss_mb: rssMax };
}

/** One subscriber, as the desktop app would be; resolves each event frame to `onEvent`. */
function subscribe(socket: string, onEvent: (e: HistoryEvent) => void = () => undefined): net.Socket {
  const sub = net.createConnection(socket, () => sub.write('{"command":"SUBSCRIBE","params":{}}\n'));
  let buf = '';
  sub.on('data', (d) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const f = JSON.parse(line) as { frame?: string; data?: HistoryEvent };
        if (f.frame === 'event' && f.data) onEvent(f.data);
      } catch {
        // not a frame
      }
    }
  });
  sub.on('error', () => undefined);
  return sub;
}

function ask(socket: string, command: string, params: Record<string, unknown>): Promise<{ success: boolean; error?: string }> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socket, () => s.write(`${JSON.stringify({ command, params })}\n`));
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i < 0) return;
      s.destroy();
      resolve(JSON.parse(buf.slice(0, i)) as { success: boolean; error?: string });
    });
    s.on('error', reject);
  });
}

export interface AgentFootprint {
  seconds: number;
  /** Off EC2 (local mode), as `npm run agent` runs on a workstation. */
  local_cpu_percent: number;
  local_rss_mb: number;
  /** On a presented EC2 host (fake IMDS and EC2), before its first cloud call. */
  agent_cpu_percent: number;
  agent_rss_mb: number;
  /** The same agent after it tagged and stopped the (fake) instance through a cloud-task child. */
  after_cloud_cpu_percent: number;
  after_cloud_rss_mb: number;
  /** Wall time from the decision to the recorded stop (child start and SDK load included). */
  cloud_call_ms: number;
  /** A bare `node -e 'setInterval(()=>{},1000)'` over the same windows. */
  baseline_cpu_percent: number;
  baseline_rss_mb: number;
  after_baseline_rss_mb: number;
}

/**
 * Resident memory and CPU at 1 sample/s with one subscriber, beside a bare Node process
 * measured over the same seconds: an agent off EC2, and an agent on a presented EC2 host
 * (the loopback fake IMDS and EC2 of test/fakes) before and after a cloud call. The call
 * is a real stop: the naptime is cut to 3 s over the socket, the agent warns, then its
 * cloud-task child writes the tags and stops the fake instance; the naptime is put back
 * and the same agent is measured again.
 */
export async function benchAgentFootprint(seconds = Number(process.env.BENCH_AGENT_SECONDS ?? 40)): Promise<AgentFootprint> {
  const ec2 = await FakeEc2.start();
  const imds = await FakeImds.start({ instanceId: BENCH_INSTANCE, instanceType: 't3.medium', region: 'us-east-1' });
  ec2.addInstance({ id: BENCH_INSTANCE, type: 't3.medium' });
  const dmi = presentDmi('board_vendor');
  const procs: ChildProcess[] = [];
  const socks: net.Socket[] = [];
  try {
    const local = await startBenchAgent();
    const cloud = await startBenchAgent({
      // Thresholds nothing reaches: the host is idle whenever the naptime says so.
      config: { cpu_threshold_percent: 100, memory_threshold_percent: 100, network_threshold_kbps: 1e7, disk_io_threshold_kbps: 1e7, warning_minutes: 0.02 },
      env: fakeAwsEnv({ ec2Url: ec2.url, imdsUrl: imds.url, dmiDir: dmi.dir }),
    });
    procs.push(local.proc, cloud.proc);
    const events: HistoryEvent[] = [];
    socks.push(subscribe(local.socket), subscribe(cloud.socket, (e) => events.push(e)));
    const base = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    procs.push(base);
    await sleep(3000); // let start-up settle
    const [l, before, baseline] = await Promise.all([measure(local.proc.pid!, seconds), measure(cloud.proc.pid!, seconds), measure(base.pid!, seconds)]);
    local.proc.kill('SIGTERM');

    const t0 = performance.now();
    const set = await ask(adminSocketPath(cloud.socket), 'CONFIG_SET', { values: { naptime_minutes: 0.05 } });
    if (!set.success) throw new Error(`CONFIG_SET: ${set.error}`);
    for (let i = 0; i < 600 && !events.some((e) => e.type === 'stop' || e.type === 'stop_failed'); i++) await sleep(100);
    const stop = events.find((e) => e.type === 'stop' || e.type === 'stop_failed');
    if (stop?.type !== 'stop') throw new Error(`no stop through the cloud-task child: ${stop ? stop.message : 'no event within 60 s'}`);
    const cloudMs = performance.now() - t0;
    await ask(adminSocketPath(cloud.socket), 'CONFIG_SET', { values: { naptime_minutes: 30 } });
    if (ec2.count('StopInstances') !== 1) throw new Error(`expected one StopInstances, the fake saw ${ec2.count('StopInstances')}`);
    await sleep(3000);
    const [after, afterBase] = await Promise.all([measure(cloud.proc.pid!, seconds), measure(base.pid!, seconds)]);
    return {
      seconds,
      local_cpu_percent: l.cpu_percent,
      local_rss_mb: l.rss_mb,
      agent_cpu_percent: before.cpu_percent,
      agent_rss_mb: before.rss_mb,
      after_cloud_cpu_percent: after.cpu_percent,
      after_cloud_rss_mb: after.rss_mb,
      cloud_call_ms: cloudMs,
      baseline_cpu_percent: baseline.cpu_percent,
      baseline_rss_mb: baseline.rss_mb,
      after_baseline_rss_mb: afterBase.rss_mb,
    };
  } finally {
    for (const s of socks) s.destroy();
    for (const p of procs) p.kill('SIGKILL');
    dmi.remove();
    await ec2.close();
    await imds.close();
  }
}

/**
 * `clients` connections at once, each asking STATUS `perClient` times. With `pauseMs`
 * each client waits a random 0..2×pauseMs between requests (a realistic poller load);
 * with 0 they ask back to back (saturation: throughput).
 */
async function latencies(socket: string, clients: number, perClient: number, pauseMs = 0): Promise<{ ms: number[]; wallS: number }> {
  const ms: number[] = [];
  const w0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, () =>
      new Promise<void>((resolve, reject) => {
        const s = net.createConnection(socket);
        let n = 0;
        let t = 0;
        let buf = '';
        const send = () => {
          t = performance.now();
          s.write('{"command":"STATUS","params":{}}\n');
        };
        s.on('connect', send);
        s.on('data', (d) => {
          buf += d;
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            buf = buf.slice(i + 1);
            ms.push(performance.now() - t);
            if (++n >= perClient) {
              s.destroy();
              resolve();
              return;
            }
            if (pauseMs > 0) setTimeout(send, Math.random() * 2 * pauseMs);
            else send();
          }
        });
        s.on('error', reject);
      }),
    ),
  );
  return { ms, wallS: (performance.now() - w0) / 1000 };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface StatusLatency {
  clients: number;
  requests: number;
  p50_ms: number;
  p99_ms: number;
  rps: number;
  baseline_p50_ms: number;
  baseline_p99_ms: number;
  baseline_rps: number;
  /** The same agent run as plain `node snoozed.js` (no --lite-mode): what the flags cost under saturation. */
  plain_node_rps: number;
}

export async function benchStatusLatency(clients = 50, perClient = 100): Promise<StatusLatency> {
  const { proc, socket, dir } = await startBenchAgent();
  // Canned reply of the same size as a real STATUS reply.
  const reply = await new Promise<string>((resolve) => {
    const s = net.createConnection(socket, () => s.write('{"command":"STATUS","params":{}}\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString());
    });
  });
  const basePath = path.join(dir, 'baseline.sock');
  // The baseline server runs in its own process, like the agent.
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const net=require('net');const reply=${JSON.stringify(reply)};net.createServer(c=>{let b='';c.on('data',d=>{b+=d;let i;while((i=b.indexOf('\\n'))>=0){b=b.slice(i+1);c.write(reply)}});c.on('error',()=>{})}).listen(${JSON.stringify(basePath)})`,
    ],
    { stdio: 'ignore' },
  );
  await waitSocket(basePath);
  await latencies(socket, 5, 20); // warm-up
  // Latency: 50 clients polling at ~20 requests/s each (about 1000 requests/s in all).
  const ours = await latencies(socket, clients, perClient, 50);
  const base = await latencies(basePath, clients, perClient, 50);
  // Throughput: the same clients back to back.
  const oursMax = await latencies(socket, clients, perClient, 0);
  const baseMax = await latencies(basePath, clients, perClient, 0);
  proc.kill('SIGTERM');
  child.kill('SIGKILL');
  const plain = await startBenchAgent({ plainNode: true });
  await latencies(plain.socket, 5, 20); // warm-up
  const plainMax = await latencies(plain.socket, clients, perClient, 0);
  plain.proc.kill('SIGTERM');
  const a = ours.ms.sort((x, y) => x - y);
  const b = base.ms.sort((x, y) => x - y);
  return {
    clients,
    requests: a.length,
    p50_ms: pct(a, 50),
    p99_ms: pct(a, 99),
    rps: oursMax.ms.length / oursMax.wallS,
    baseline_p50_ms: pct(b, 50),
    baseline_p99_ms: pct(b, 99),
    baseline_rps: baseMax.ms.length / baseMax.wallS,
    plain_node_rps: plainMax.ms.length / plainMax.wallS,
  };
}
