/**
 * Hostile and careless clients of the agent's socket, shared by the bounds tests and
 * `npm run bench` so both measure the same abuse. No vitest imports: the bench bundles it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

export const STATUS_REQUEST = '{"command":"STATUS","params":{}}';

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** User plus system CPU ticks (1/100 s) of a process. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function connect(socket: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(socket);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Runs `make` n times, a batch at a time: a burst of connects beyond the listen backlog fails with EAGAIN. */
async function inBatches<T>(n: number, make: () => Promise<T>, batch = 100): Promise<T[]> {
  const out: T[] = [];
  for (let done = 0; done < n; done += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - done) }, make))));
  return out;
}

/** `n` connections that connect and send nothing. */
export async function openIdle(socket: string, n: number): Promise<net.Socket[]> {
  const out = await inBatches(n, () => connect(socket));
  for (const s of out) s.on('error', () => undefined);
  return out;
}

export interface Answered {
  sock: net.Socket;
  /** The first reply line (a STATUS reply, or the agent's refusal). */
  first: string;
}

/**
 * `n` connections that each send `request` and wait for one reply line, then stay open
 * (reading further data only when `keepReading`). A refused connection's reply is its refusal;
 * one closed without a word answers "".
 */
export function openAnswered(socket: string, n: number, request = STATUS_REQUEST, keepReading = true): Promise<Answered[]> {
  return inBatches(
    n,
    () =>
      new Promise<Answered>((resolve) => {
        const s = net.createConnection(socket, () => s.write(`${request}\n`));
        let buf = '';
        const onData = (d: Buffer) => {
          buf += d.toString();
          const i = buf.indexOf('\n');
          if (i < 0) return;
          if (!keepReading) {
            s.off('data', onData);
            s.pause();
          }
          resolve({ sock: s, first: buf.slice(0, i) });
        };
        s.on('data', onData);
        // A connection closed without a word (past every limit) answers "".
        s.on('error', () => resolve({ sock: s, first: buf }));
        s.on('close', () => resolve({ sock: s, first: buf }));
      }),
  );
}

export interface FloodResult {
  bytesWritten: number;
  requests: number;
  seconds: number;
}

/**
 * One connection that pipelines STATUS requests as fast as the agent takes them and never
 * reads a reply. It writes only when its own buffer has room, so `bytesWritten` is about
 * what the agent took in (plus one socket buffer). Stops after `seconds`, after `maxBytes`, or when `abort()` says so.
 * Returns with the socket still open (the caller destroys it).
 */
export async function floodPipelined(
  socket: string,
  opts: { seconds: number; maxBytes: number; abort?: () => boolean },
): Promise<FloodResult & { sock: net.Socket }> {
  const sock = await connect(socket);
  sock.on('error', () => undefined);
  const chunk = Buffer.from(`${STATUS_REQUEST}\n`.repeat(Math.floor(65536 / (STATUS_REQUEST.length + 1))));
  const perChunk = Math.floor(65536 / (STATUS_REQUEST.length + 1));
  const t0 = performance.now();
  const deadline = t0 + opts.seconds * 1000;
  let bytes = 0;
  let requests = 0;
  while (performance.now() < deadline && bytes < opts.maxBytes && !opts.abort?.() && !sock.destroyed) {
    if (sock.writableNeedDrain) {
      // The agent stopped reading: wait for room (never queue here), but keep checking the clock.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          sock.off('drain', done);
          resolve();
        };
        const t = setTimeout(done, 100);
        sock.on('drain', done);
      });
      continue;
    }
    sock.write(chunk);
    bytes += chunk.length;
    requests += perChunk;
  }
  return { sock, bytesWritten: bytes, requests, seconds: (performance.now() - t0) / 1000 };
}

/** Asks STATUS on a fresh connection every `everyMs` until stopped; counts answers and failures. */
export function statusPoller(socket: string, everyMs = 100, timeoutMs = 5000) {
  const result = { ok: 0, failures: [] as string[], maxMs: 0 };
  let stopped = false;
  const ask = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const s = net.createConnection(socket, () => s.write(STATUS_REQUEST));
      let buf = '';
      let finished = false;
      const done = (err: string | null) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        s.destroy();
        if (err) result.failures.push(err);
        else {
          result.ok++;
          result.maxMs = Math.max(result.maxMs, performance.now() - t0);
        }
        resolve();
      };
      const timer = setTimeout(() => done(`no STATUS reply within ${timeoutMs} ms`), timeoutMs);
      s.on('data', (d) => {
        buf += d.toString();
        const i = buf.indexOf('\n');
        if (i < 0) return;
        const rep = JSON.parse(buf.slice(0, i)) as { success: boolean; error?: string };
        done(rep.success ? null : `STATUS refused: ${rep.error}`);
      });
      s.on('error', (err) => done(err.message));
      s.on('close', () => done('closed before a reply'));
    });
  const loop = (async () => {
    while (!stopped) {
      await ask();
      await sleep(everyMs);
    }
  })();
  return {
    result,
    async stop() {
      stopped = true;
      await loop;
      return result;
    },
  };
}

/** Polls until fn() is true or the time is up; returns whether it became true. */
export async function eventually(fn: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fn()) return true;
    await sleep(everyMs);
  }
  return fn();
}
