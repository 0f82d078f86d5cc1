import { describe, expect, it, vi } from 'vitest';
import { IdleSourceJudge, STUCK_AFTER_MS, STUCK_REASON } from '../../electron/idle-source.js';
import { startInputReporter, type InputReport } from '../../electron/agent-connection.js';
import { InputTracker } from '../../agent/metrics/input.js';
import { unavailableSourceLine } from '../../agent/cli/doctor.js';

const T0 = Date.UTC(2025, 2, 1, 10);

describe('IdleSourceJudge (finding 2: a display stuck at 0 s idle)', () => {
  it('a source that never reports above 0 for five minutes is unavailable, not constant activity', () => {
    const j = new IdleSourceJudge();
    for (let t = 0; t < STUCK_AFTER_MS; t += 5000) expect(j.read(0, T0 + t)).toEqual({ available: true, idleSecs: 0 });
    expect(j.read(0, T0 + STUCK_AFTER_MS)).toEqual({ available: false, reason: STUCK_REASON });
    expect(j.read(0, T0 + STUCK_AFTER_MS + 5000).available).toBe(false);
  });

  it('one reading above 0 proves the source: a user typing all the time afterwards is still input', () => {
    const j = new IdleSourceJudge();
    expect(j.read(3.4, T0)).toEqual({ available: true, idleSecs: 3 });
    for (let t = 5000; t <= 3 * STUCK_AFTER_MS; t += 5000) expect(j.read(0, T0 + t)).toEqual({ available: true, idleSecs: 0 });
  });

  it('a stuck source that starts working is believed again', () => {
    const j = new IdleSourceJudge();
    for (let t = 0; t <= STUCK_AFTER_MS; t += 5000) j.read(0, T0 + t);
    expect(j.read(0, T0 + STUCK_AFTER_MS + 5000).available).toBe(false);
    expect(j.read(42, T0 + STUCK_AFTER_MS + 10_000)).toEqual({ available: true, idleSecs: 42 });
  });

  it('a few readings over a long time (a suspended laptop) are not enough', () => {
    const j = new IdleSourceJudge();
    expect(j.read(0, T0).available).toBe(true);
    expect(j.read(0, T0 + 2 * STUCK_AFTER_MS).available).toBe(true);
  });

  it('a reading that is not a number is unavailable, not activity', () => {
    expect(new IdleSourceJudge().read(Number.NaN, T0).available).toBe(false);
  });
});

describe('input reporter with the judge', () => {
  it('reports the stuck source as unavailable to the agent and says so once', () => {
    vi.useFakeTimers({ now: T0 });
    try {
      const sent: InputReport[] = [];
      const said: (string | null)[] = [];
      let idle = 0;
      const stop = startInputReporter({
        getIdleSeconds: () => idle,
        isOnline: () => true,
        send: async (r) => void sent.push(r),
        onAvailability: (r) => void said.push(r),
      });
      vi.advanceTimersByTime(STUCK_AFTER_MS + 10_000);
      expect(sent.at(0)).toEqual({ idle_secs: 0 });
      expect(sent.at(-1)).toEqual({ idle_secs: 0, available: false });
      expect(said).toEqual([STUCK_REASON]);
      idle = 7;
      vi.advanceTimersByTime(5000);
      expect(sent.at(-1)).toEqual({ idle_secs: 7 });
      expect(said).toEqual([STUCK_REASON, null]);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('agent side: a source reported unavailable', () => {
  it('leaves the sources and the idle reading, is listed as unavailable, and is forgotten when its reporter goes quiet', async () => {
    const t = new InputTracker('/nonexistent-dev', {});
    t.report('desktop', 0, T0);
    expect(t.sources(T0)).toEqual(['desktop']);
    expect((await t.read(T0)).idleSecs).toBe(0);
    t.report('desktop', 0, T0 + 1000, false);
    expect(t.sources(T0 + 1000)).toEqual([]);
    expect((await t.read(T0 + 1000)).idleSecs).toBeNull();
    expect(t.unavailableSources(T0 + 1000)).toEqual(['desktop']);
    expect(t.unavailableSources(T0 + 1000 + 121_000)).toEqual([]);
  });

  it('reporter names stay bounded across both lists', () => {
    const t = new InputTracker('/nonexistent-dev', {});
    for (let i = 0; i < 10; i++) t.report(`r${i}`, 5, T0 + i, i % 2 === 0);
    expect(t.sources(T0 + 10).length + t.unavailableSources(T0 + 10).length).toBe(4);
  });

  it('snooze doctor names it and says what still counts', () => {
    expect(unavailableSourceLine('desktop')).toMatch(/desktop: unavailable .*always reports 0 s.*terminals still are/);
  });
});
