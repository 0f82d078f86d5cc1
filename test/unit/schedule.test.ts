import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDays, scheduleSchema, type ScheduleConfig } from '../../contract/schedule.js';
import { evaluateSchedule, ScheduleClock, zonedInstant } from '../../agent/schedule.js';

const at = (iso: string) => Date.parse(iso);
const sched = (timezone: string, windows: ScheduleConfig['windows']): ScheduleConfig => scheduleSchema.parse({ timezone, windows });
const office = (tz: string) => sched(tz, [{ days: 'mon-fri', from: '09:00', to: '18:00', keep_awake: true }]);

describe('parseDays', () => {
  it('reads single days, ranges, lists and wrapping ranges', () => {
    expect([...parseDays('mon-fri')!].sort()).toEqual([1, 2, 3, 4, 5]);
    expect([...parseDays('sat,sun')!].sort()).toEqual([0, 6]);
    expect([...parseDays('fri-mon')!].sort()).toEqual([0, 1, 5, 6]);
    expect([...parseDays('Mon, wed-thu')!].sort()).toEqual([1, 3, 4]);
    expect(parseDays('monday')).toBeNull();
    expect(parseDays('')).toBeNull();
  });
});

describe('schedule schema', () => {
  it('names the offending field', () => {
    const r = scheduleSchema.safeParse({ timezone: 'Mars/Olympus', windows: [{ days: 'mon', from: '25:00', to: '09:00', keep_awake: true }] });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['timezone', 'windows.0.from']));
  });
  it('needs exactly one effect per window, and distinct from/to', () => {
    expect(scheduleSchema.safeParse({ windows: [{ days: 'mon', from: '09:00', to: '10:00' }] }).success).toBe(false);
    expect(scheduleSchema.safeParse({ windows: [{ days: 'mon', from: '09:00', to: '10:00', keep_awake: true, naptime_minutes: 5 }] }).success).toBe(false);
    expect(scheduleSchema.safeParse({ windows: [{ days: 'mon', from: '09:00', to: '09:00', keep_awake: true }] }).success).toBe(false);
    expect(scheduleSchema.safeParse({ windows: [{ days: 'sat-sun', from: '00:00', to: '24:00', naptime_minutes: 10 }] }).success).toBe(true);
  });
});

describe('evaluateSchedule', () => {
  it('opens an office-hours window in the zone, not in UTC', () => {
    // Monday 2026-11-30: 09:30 in Berlin is 08:30 UTC.
    const s = evaluateSchedule(office('Europe/Berlin'), at('2026-11-30T08:30:00Z'));
    expect(s.keep_awake).toBe(true);
    expect(s.open).toEqual(['keep awake mon-fri 09:00–18:00 Europe/Berlin']);
    expect(s.next_change).toBe('2026-11-30T17:00:00Z');
    const before = evaluateSchedule(office('Europe/Berlin'), at('2026-11-30T07:59:59Z'));
    expect(before.keep_awake).toBe(false);
    expect(before.next_change).toBe('2026-11-30T08:00:00Z');
  });

  it('a window crossing midnight stays open into the next day', () => {
    const night = sched('America/New_York', [{ days: 'fri', from: '22:00', to: '07:00', naptime_minutes: 10 }]);
    // Saturday 2026-12-05 03:00 in New York (UTC-5) = 08:00 UTC: Friday's window.
    const s = evaluateSchedule(night, at('2026-12-05T08:00:00Z'));
    expect(s.naptime_minutes).toBe(10);
    expect(s.next_change).toBe('2026-12-05T12:00:00Z');
    // Friday 21:59 local: not yet.
    expect(evaluateSchedule(night, at('2026-12-05T02:59:00Z')).naptime_minutes).toBeNull();
  });

  it('24:00 is the end of the day, and the weekend window runs whole days', () => {
    const weekend = sched('UTC', [{ days: 'sat-sun', from: '00:00', to: '24:00', naptime_minutes: 10 }]);
    expect(evaluateSchedule(weekend, at('2026-12-05T00:00:00Z')).naptime_minutes).toBe(10);
    expect(evaluateSchedule(weekend, at('2026-12-06T23:59:59Z')).naptime_minutes).toBe(10);
    const mon = evaluateSchedule(weekend, at('2026-12-07T00:00:00Z'));
    expect(mon.naptime_minutes).toBeNull();
    expect(mon.next_change).toBe('2026-12-12T00:00:00Z');
  });

  it('overlapping naptime windows: the longest wins; keep-awake is reported beside them', () => {
    const s = sched('UTC', [
      { days: 'mon', from: '00:00', to: '12:00', naptime_minutes: 5 },
      { days: 'mon', from: '06:00', to: '08:00', naptime_minutes: 20 },
      { days: 'mon', from: '07:00', to: '09:00', keep_awake: true },
    ]);
    const r = evaluateSchedule(s, at('2026-11-30T07:30:00Z'));
    expect(r.naptime_minutes).toBe(20);
    expect(r.keep_awake).toBe(true);
    expect(r.open).toHaveLength(3);
  });

  it('without windows nothing is open and nothing changes', () => {
    expect(evaluateSchedule(sched('UTC', []), Date.now())).toMatchObject({ open: [], keep_awake: false, next_change: null });
  });
});

describe('DST: never skipped, never doubled', () => {
  const cases = [
    // zone, spring day, fall day: a window over the skipped/doubled hour.
    { tz: 'Europe/Berlin', spring: '2026-03-29', fall: '2026-10-25', from: '02:30', to: '04:00', springStart: '2026-03-29T01:00:00Z', doubled: ['02:10', '02:40'] },
    { tz: 'America/New_York', spring: '2026-03-08', fall: '2026-11-01', from: '02:30', to: '04:00', springStart: '2026-03-08T07:00:00Z', doubled: ['01:10', '01:40'] },
    // Southern hemisphere: the spring change is in October, the fall change in April.
    { tz: 'Australia/Sydney', spring: '2026-10-04', fall: '2026-04-05', from: '02:30', to: '04:00', springStart: '2026-10-03T16:00:00Z', doubled: ['02:10', '02:40'] },
  ];
  for (const c of cases) {
    it(`${c.tz}: a window starting in the skipped hour opens at the jump`, () => {
      const [y, m, d] = c.spring.split('-').map(Number) as [number, number, number];
      expect(new Date(zonedInstant({ y, m, d }, 150, c.tz)).toISOString()).toBe(new Date(at(c.springStart)).toISOString());
      const s = sched(c.tz, [{ days: 'mon-sun', from: c.from, to: c.to, keep_awake: true }]);
      expect(evaluateSchedule(s, at(c.springStart) - 1000).keep_awake).toBe(false);
      expect(evaluateSchedule(s, at(c.springStart)).keep_awake).toBe(true);
    });
    it(`${c.tz}: a window in the doubled hour opens once`, () => {
      const s = sched(c.tz, [{ days: 'mon-sun', from: c.doubled[0]!, to: c.doubled[1]!, keep_awake: true }]);
      const [y, m, d] = c.fall.split('-').map(Number) as [number, number, number];
      // Walk the fall-back day minute by minute and count openings.
      const dayStart = zonedInstant({ y, m, d }, 0, c.tz);
      let openings = 0;
      let openMinutes = 0;
      let was = false;
      for (let t = dayStart; t < dayStart + 26 * 3600_000; t += 5 * 60_000) {
        const now = evaluateSchedule(s, t).keep_awake;
        if (now && !was) openings++;
        if (now) openMinutes += 5;
        was = now;
      }
      expect(openings).toBe(1);
      expect(openMinutes).toBe(30);
    });
  }
  it('Lord Howe: a 30-minute DST shift is followed too', () => {
    // 2026-10-04 02:00 → 02:30 local (UTC+10:30 → +11).
    const t = zonedInstant({ y: 2026, m: 10, d: 4 }, 135, 'Australia/Lord_Howe');
    expect(new Date(t).toISOString()).toBe('2026-10-03T15:30:00.000Z');
  });
});

describe('properties over random instants', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];
  const windowArb = fc.record({
    days: fc.constantFrom('mon-fri', 'sat,sun', 'mon-sun', 'fri', 'sun-tue'),
    from: fc.integer({ min: 0, max: 95 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`),
    to: fc.integer({ min: 1, max: 96 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`),
  });
  const instant = fc.integer({ min: at('2025-01-01T00:00:00Z'), max: at('2028-12-31T00:00:00Z') });

  it('the answer holds until next_change, and changes there', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), windowArb, instant, fc.double({ min: 0, max: 1, noNaN: true }), (tz, w, t, frac) => {
        fc.pre(w.from !== w.to);
        const s = sched(tz, [{ ...w, keep_awake: true }]);
        const r = evaluateSchedule(s, t);
        if (r.next_change === null) {
          // Nothing ever changes (a window open all week): any later instant agrees.
          expect(evaluateSchedule(s, t + Math.floor(frac * 7 * 86_400_000)).keep_awake).toBe(r.keep_awake);
          return;
        }
        const next = Date.parse(r.next_change);
        expect(next).toBeGreaterThan(t - 1000);
        const mid = t + Math.floor((next - t) * frac * 0.999);
        expect(evaluateSchedule(s, mid).keep_awake).toBe(r.keep_awake);
        expect(evaluateSchedule(s, next).keep_awake).not.toBe(r.keep_awake);
      }),
      { numRuns: 200 },
    );
  });

  it('the cache answers exactly what a fresh evaluation answers', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), windowArb, fc.array(fc.integer({ min: 0, max: 3 * 86_400_000 }), { minLength: 1, maxLength: 20 }), (tz, w, steps) => {
        fc.pre(w.from !== w.to);
        const s = sched(tz, [{ ...w, naptime_minutes: 7 }]);
        const clock = new ScheduleClock();
        let t = at('2026-03-01T00:00:00Z');
        for (const dt of steps.sort((a, b) => a - b)) {
          const now = t + dt;
          expect(clock.at(s, now)).toEqual(evaluateSchedule(s, now));
        }
        t += 1;
      }),
      { numRuns: 60 },
    );
  });

  it('an always-open window never reports a change at the edge of the week it looks ahead (found by the property above)', () => {
    const s = sched('Europe/Berlin', [{ days: 'mon-sun', from: '00:00', to: '24:00', naptime_minutes: 7 }]);
    const clock = new ScheduleClock();
    for (const now of [at('2026-03-02T22:59:59.999Z'), at('2026-03-02T23:00:00Z'), at('2026-03-29T01:30:00Z')]) {
      expect(evaluateSchedule(s, now).next_change).toBeNull();
      expect(clock.at(s, now)).toEqual(evaluateSchedule(s, now));
    }
  });
});
