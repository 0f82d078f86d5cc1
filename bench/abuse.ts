/**
 * The agent under abuse, each figure beside the same agent at rest in the same run:
 * - peak RSS while one client pipelines STATUS requests for 8 s and never reads, vs idle RSS;
 * - STATUS from another client during that flood (answered, worst latency);
 * - descriptors after a full connection table, refused clients and the flood are gone, vs before;
 * - SIGTERM to exit with 300 idle connections, subscribers, a non-reader and a full table,
 *   vs SIGTERM to exit of an agent with no clients.
 */
import type { ChildProcess } from 'node:child_process';
import { fdCount, floodPipelined, openAnswered, openIdle, rssMb, sleep, STATUS_REQUEST, statusPoller } from '../test/helpers/abuse.js';
import { startBenchAgent } from './agent.js';

/** contract/socket-limits.ts MAX_CONNECTIONS: the public socket's table. */
const TABLE = 768;
const SUBSCRIBE = '{"command":"SUBSCRIBE","params":{}}';

export interface AbuseFigures {
  idle_rss_mb: number;
  flood_peak_rss_mb: number;
  flood_mb_accepted: number;
  status_during_flood_ok: number;
  status_during_flood_failed: number;
  status_during_flood_max_ms: number;
  fds_before: number;
  fds_after: number;
  sigterm_loaded_ms: number;
  sigterm_idle_ms: number;
}

async function sigtermMs(proc: ChildProcess): Promise<number> {
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const t0 = performance.now();
  proc.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)]);
  if (timedOut) {
    proc.kill('SIGKILL');
    return Infinity;
  }
  return performance.now() - t0;
}

export async function benchAbuse(): Promise<AbuseFigures> {
  const { proc, socket } = await startBenchAgent({ config: { naptime_minutes: 600 } });
  const pid = proc.pid!;
  await sleep(3000); // let start-up settle
  const idle = rssMb(pid);
  const fdsBefore = fdCount(pid);

  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 50);
  const poller = statusPoller(socket, 100);
  const flood = await floodPipelined(socket, { seconds: 8, maxBytes: 33 << 20 });
  await sleep(500);
  clearInterval(sampler);
  const polled = await poller.stop();
  flood.sock.destroy();

  // A full table of answered clients, then refused ones that read and close, and ones that hold on.
  const held = await openAnswered(socket, TABLE);
  const closers = await openAnswered(socket, 50);
  for (const c of closers) c.sock.end();
  const holders = await openAnswered(socket, 50, STATUS_REQUEST, false);
  for (const c of [...held, ...holders]) c.sock.destroy();
  await sleep(2000);
  const fdsAfter = fdCount(pid);

  // Shutdown under load.
  const load = [
    ...(await openIdle(socket, 300)),
    ...(await openAnswered(socket, 20, SUBSCRIBE)).map((a) => a.sock),
    (await floodPipelined(socket, { seconds: 1, maxBytes: 4 << 20 })).sock,
    ...(await openAnswered(socket, TABLE, STATUS_REQUEST, false)).map((a) => a.sock),
  ];
  const loadedMs = await sigtermMs(proc);
  for (const s of load) s.destroy();

  const quiet = await startBenchAgent({ config: { naptime_minutes: 600 } });
  await sleep(2000);
  const idleMs = await sigtermMs(quiet.proc);

  return {
    idle_rss_mb: idle,
    flood_peak_rss_mb: peak,
    flood_mb_accepted: flood.bytesWritten / 1e6,
    status_during_flood_ok: polled.ok,
    status_during_flood_failed: polled.failures.length,
    status_during_flood_max_ms: polled.maxMs,
    fds_before: fdsBefore,
    fds_after: fdsAfter,
    sigterm_loaded_ms: loadedMs,
    sigterm_idle_ms: idleMs,
  };
}
