/** The logger's writer and the change budget: small pieces the agent's survival depends on. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, MAX_LOG_BACKLOG_BYTES, streamWriter } from '../../agent/log.js';
import { TokenBucket } from '../../agent/rate-limit.js';

/** A stream that takes lines, or fails every write with EPIPE as a pipe with no reader does. */
function stream(mode: 'ok' | 'epipe' | 'throws' | 'stalled') {
  const lines: string[] = [];
  let writes = 0;
  const w = new Writable({
    highWaterMark: 16,
    write(chunk, _enc, cb) {
      writes++;
      if (mode === 'epipe') return cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      if (mode === 'stalled') return; // never calls back: lines queue up
      lines.push(String(chunk));
      cb();
    },
  });
  if (mode === 'throws') {
    w.write = () => {
      writes++;
      throw new Error('boom');
    };
  }
  return { w, lines, writes: () => writes };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('log writer', () => {
  it('drops a stream that fails with EPIPE, notes it once on the other, and never throws or loops', async () => {
    const out = stream('epipe');
    const err = stream('ok');
    const log = createLogger('debug', streamWriter(out.w, err.w)).log;
    for (let i = 0; i < 100; i++) log('info', `line ${i}`);
    await tick();
    for (let i = 0; i < 100; i++) log('info', `later ${i}`);
    await tick();
    expect(out.writes()).toBeLessThan(100);
    expect(err.lines.filter((l) => l.includes('stdout failed (EPIPE)'))).toHaveLength(1);
    log('error', 'still reported');
    expect(err.lines.at(-1)).toContain('still reported');
  });

  it('survives both streams failing, and a stream whose write throws', async () => {
    const out = stream('epipe');
    const err = stream('epipe');
    const log = createLogger('debug', streamWriter(out.w, err.w)).log;
    for (let i = 0; i < 50; i++) {
      log('info', 'x');
      log('error', 'y');
      await tick();
    }
    expect(out.writes() + err.writes()).toBeLessThan(10);
    const t = stream('throws');
    const ok = stream('ok');
    const log2 = createLogger('debug', streamWriter(t.w, ok.w)).log;
    expect(() => log2('info', 'a')).not.toThrow();
    expect(() => log2('info', 'b')).not.toThrow();
    expect(t.writes()).toBe(1);
    expect(ok.lines.join('')).toMatch(/stdout failed \(boom\)/);
  });

  it('drops lines for a stream that stops taking them instead of queueing without bound', () => {
    const out = stream('stalled');
    const err = stream('ok');
    const log = createLogger('debug', streamWriter(out.w, err.w)).log;
    const line = 'z'.repeat(1000);
    for (let i = 0; i < 5000; i++) log('info', line);
    expect(out.w.writableLength).toBeLessThan(MAX_LOG_BACKLOG_BYTES + 2000);
    expect(err.lines.filter((l) => l.includes('not taking lines'))).toHaveLength(1);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at its rate', () => {
    let now = 0;
    const b = new TokenBucket(3, 6, () => now);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    expect(b.retryAfterMs()).toBe(10_000);
    now += 10_000;
    expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    now += 600_000;
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
  });
});
