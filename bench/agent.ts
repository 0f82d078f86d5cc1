/**
 * Agent footprint and socket latency, each beside a baseline from the same run:
 * - RSS and CPU of the agent at 1 sample/s with one subscriber vs a bare Node process;
 * - STATUS latency with 50 concurrent clients vs a minimal Node socket server that
 *   answers a canned reply of the same size (the floor of Node + Unix sockets here).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// npm runs benches from the repository root; the bench is bundled elsewhere, so no import.meta paths.
const ROOT = process.cwd();
const SNOOZED = path.join(ROOT, 'dist/agent/snoozed.js');
const CLK_TCK = 100;

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

export async function startBenchAgent(extra: Record<string, unknown> = {}): Promise<{ proc: ChildProcess; socket: string; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-bench-'));
  const socket = path.join(dir, 'agent.sock');
  const config = path.join(dir, 'snooze.json');
  writeFileSync(config, JSON.stringify({ check_interval_seconds: 1, naptime_minutes: 30, history_path: path.join(dir, 'history.jsonl'), gpu_monitoring_enabled: false, ...extra }));
  const proc = spawn(process.execPath, [SNOOZED, '--config', config, '--socket', socket, '--log-level', 'warn'], {
    env: { ...process.env, CLOUDSNOOZE_TTY_WARNINGS: '0', CLOUDSNOOZE_DMI_DIR: path.join(dir, 'no-dmi') },
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

export interface AgentFootprint {
  seconds: number;
  agent_cpu_percent: number;
  agent_rss_mb: number;
  baseline_cpu_percent: number;
  baseline_rss_mb: number;
}

export async function benchAgentFootprint(seconds = Number(process.env.BENCH_AGENT_SECONDS ?? 60)): Promise<AgentFootprint> {
  const { proc, socket } = await startBenchAgent();
  // One subscriber, as the desktop app would be.
  const sub = net.createConnection(socket, () => sub.write('{"command":"SUBSCRIBE","params":{}}\n'));
  sub.on('data', () => undefined);
  const base = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(3000); // let start-up settle
  const [agent, baseline] = await Promise.all([measure(proc.pid!, seconds), measure(base.pid!, seconds)]);
  sub.destroy();
  proc.kill('SIGTERM');
  base.kill('SIGKILL');
  return { seconds, agent_cpu_percent: agent.cpu_percent, agent_rss_mb: agent.rss_mb, baseline_cpu_percent: baseline.cpu_percent, baseline_rss_mb: baseline.rss_mb };
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
  };
}
