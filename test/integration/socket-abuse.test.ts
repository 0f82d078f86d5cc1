/**
 * Socket abuse: thousands of generated bad requests and hundreds of connections that never
 * finish a request, while a separate client keeps asking STATUS. Bounded in count and time.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentError } from '../../lib/client.js';
import { ERROR_CODES, type Reply } from '../../contract/protocol.js';
import { ALWAYS_IDLE, startAgent, type AgentHandle } from '../helpers/agent.js';

/** Small seeded PRNG so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}

/** One bad request per line; each must get exactly one error reply on the same connection. */
function badRequest(r: () => number): string {
  const pick = Math.floor(r() * 9);
  const n = (k: number) => Math.floor(r() * k);
  switch (pick) {
    case 0: {
      // Random bytes that do not start a JSON object, no newline inside.
      const bytes = Array.from({ length: 1 + n(200) }, () => String.fromCharCode(0x21 + n(0x5a)).replace(/[{\n]/g, 'x'));
      return `${bytes.join('')}\n`;
    }
    case 1:
      return `{"command": ${JSON.stringify(['STATUS', 'POSTPONE', 'HISTORY'][n(3)])}, "params": ${['[1]', '"x"', '7', 'null'][n(4)]}}\n`;
    case 2:
      return `{"command": ${['42', 'true', 'null', '["STATUS"]', '{"a":1}'][n(5)]}}\n`;
    case 3:
      return `{"command": "${['FLY', 'status', 'STATUSX', '', 'DROP TABLE'][n(5)]}", "params": {}}\n`;
    case 4:
      return `{"command": "POSTPONE", "params": {"minutes": ${['"soon"', '-5', '0', '1e9', 'null', '[]'][n(6)]}}}\n`;
    case 5:
      return `{"command": "CONFIG_SET", "params": {"values": {"${['cpu_threshold_percent', 'naptime_minutes', 'bogus_key'][n(3)]}": ${['-1', '"high"', '1e12', '{}'][n(4)]}}}}\n`;
    case 6: {
      const d = 40 + n(500);
      return `{"command":"STATUS","params":{"a":${'['.repeat(d)}${']'.repeat(d)}}}\n`;
    }
    case 7:
      return `{"command": "HISTORY", "params": {"limit": ${['0', '100000', '"ten"', '1.5'][n(4)]}}}\n`;
    default:
      // JSON, but not an object.
      return `${['"STATUS"', '12345', 'true', '[{"command":"STATUS"}]', `"${'x'.repeat(n(1000))}"`][n(5)]}\n`;
  }
}

describe('socket abuse', () => {
  let a: AgentHandle;
  beforeAll(async () => {
    a = await startAgent({ config: { ...ALWAYS_IDLE, naptime_minutes: 60 } });
  });
  afterAll(async () => {
    await a?.stop('SIGKILL');
  });

  it('survives 10,000 bad requests and 500 stuck connections while STATUS keeps answering', async () => {
    const rssBefore = rssMb(a.proc.pid!);
    let stop = false;
    let statusOk = 0;
    const statusErrors: string[] = [];
    const poller = (async () => {
      while (!stop) {
        try {
          await a.req('STATUS');
          statusOk++;
        } catch (err) {
          statusErrors.push((err as Error).message);
        }
      }
    })();

    // 500 connections that never finish a request (they hold half an object).
    const stuck: net.Socket[] = [];
    for (let i = 0; i < 500; i++) {
      const s = net.createConnection(a.socket, () => s.write('{"command": "STAT'));
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      stuck.push(s);
    }

    // 10,000 bad requests over 40 connections, 250 each, pipelined.
    const r = rng(12345);
    const total = { sent: 0, replies: 0, invalid: 0 };
    const codes = new Set<string>(ERROR_CODES);
    await Promise.all(
      Array.from({ length: 40 }, () => {
        const lines = Array.from({ length: 250 }, () => badRequest(r));
        total.sent += lines.length;
        return new Promise<void>((resolve, reject) => {
          const s = net.createConnection(a.socket);
          let buf = '';
          let got = 0;
          s.on('connect', () => {
            // Write in random-size pieces so requests straddle packets.
            const all = lines.join('');
            let off = 0;
            const pump = () => {
              while (off < all.length) {
                const k = 1 + Math.floor(r() * 4096);
                const ok = s.write(all.slice(off, off + k));
                off += k;
                if (!ok) return s.once('drain', pump);
              }
            };
            pump();
          });
          s.on('data', (d) => {
            buf += d;
            let i: number;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              got++;
              total.replies++;
              try {
                const rep = JSON.parse(line) as Reply<unknown>;
                if (rep.success !== false || !codes.has(rep.code) || typeof rep.error !== 'string') total.invalid++;
              } catch {
                total.invalid++;
              }
              if (got === lines.length) {
                s.destroy();
                resolve();
              }
            }
          });
          s.on('error', reject);
          s.on('close', () => resolve());
        });
      }),
    );

    // 1 MiB lines and half-closed connections.
    const oneMiB = await Promise.all(
      Array.from({ length: 10 }, () =>
        new Promise<string>((resolve) => {
          const s = net.createConnection(a.socket, () => s.write(`{"command":"STATUS","x":"${'y'.repeat(1 << 20)}"}\n`));
          let buf = '';
          s.on('data', (d) => (buf += d));
          s.on('close', () => resolve(buf));
          s.on('error', () => resolve(buf));
        }),
      ),
    );
    for (const b of oneMiB) expect(JSON.parse(b.split('\n')[0]!).code).toBe('TOO_LARGE');
    const halfClosed = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        new Promise<string>((resolve) => {
          const s = net.createConnection(a.socket, () => s.end(i % 2 ? '{"command":"STATUS","par' : 'garbage without newline'));
          let buf = '';
          s.on('data', (d) => (buf += d));
          s.on('close', () => resolve(buf));
          s.on('error', () => resolve(buf));
        }),
      ),
    );
    for (const b of halfClosed) expect(JSON.parse(b.trim()).code).toBe('BAD_REQUEST');

    stop = true;
    await poller;
    for (const s of stuck) s.destroy();

    expect(total.replies).toBe(total.sent);
    expect(total.invalid).toBe(0);
    expect(statusErrors).toEqual([]);
    expect(statusOk).toBeGreaterThan(0);
    expect(a.proc.exitCode).toBeNull();
    const rssAfter = rssMb(a.proc.pid!);
    expect(rssAfter - rssBefore).toBeLessThan(150);
    expect((await a.req('STATUS')).state).toBeDefined();
  });

  it('keeps a consistent state under concurrent CONFIG_SET, POSTPONE, STAY_AWAKE and RELEASE', async () => {
    const r = rng(777);
    const acks = { postpone: 0, stay: 0, release: 0, config: 0, busy: 0 };
    // Past the change budget (socket-bounds.test.ts) a change is refused with BUSY and records nothing.
    const busy = (err: AgentError) => {
      if (err.code !== 'BUSY') throw err;
      acks.busy++;
    };
    const ops = Array.from({ length: 200 }, (_, i) => {
      const k = Math.floor(r() * 4);
      if (k === 0) return a.req('CONFIG_SET', { values: { naptime_minutes: 10 + i, cpu_threshold_percent: 99 } }).then(() => acks.config++, busy);
      if (k === 1) return a.req('POSTPONE', { minutes: 1 + i }).then(() => acks.postpone++, busy);
      if (k === 2) return a.req('STAY_AWAKE', { minutes: 5 + i, reason: `op${i}` }).then(() => acks.stay++, busy);
      return a.req('RELEASE').then(() => acks.release++, busy);
    });
    await Promise.all(ops);
    expect(acks.postpone + acks.stay + acks.release + acks.config).toBeGreaterThan(10);
    const cfg = await a.req('CONFIG_GET');
    // config set writes only the keys it changes into the owner's file, so the file holds a
    // subset of the running config, and every key it holds agrees with it.
    const onDisk = JSON.parse(readFileSync(a.configPath, 'utf8')) as Record<string, unknown>;
    if (acks.config > 0) expect(Object.keys(onDisk)).toEqual(expect.arrayContaining(['naptime_minutes', 'cpu_threshold_percent']));
    expect(onDisk).toEqual(Object.fromEntries(Object.keys(onDisk).map((k) => [k, (cfg as Record<string, unknown>)[k]])));
    const holds = JSON.parse(readFileSync(path.join(a.dir, 'holds.json'), 'utf8'));
    const st = await a.req('STATUS');
    expect(st.stay_awake === null).toBe(holds.stayAwake === null);
    expect(st.postponed_until === null).toBe(holds.postponedUntil === null || holds.postponedUntil <= Date.now());
    const hist = (await a.req('HISTORY', { limit: 1000 })).events;
    expect(hist.filter((e) => e.type === 'postpone')).toHaveLength(acks.postpone);
    expect(hist.filter((e) => e.type === 'stay_awake')).toHaveLength(acks.stay);
    expect(hist.filter((e) => e.type === 'release')).toHaveLength(acks.release);
  });
});
