/**
 * Issue 12's warning spam, with the real agent: short activity spikes (desktop input reports
 * over the socket) inside its countdowns give at most one warning banner per idle spell and
 * exactly one cancellation line per warned spell, on the terminals and in history alike.
 * Terminal banners are captured in a fake /dev/pts/0 (a plain file the agent writes to).
 */
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../contract/protocol.js';
import { ALWAYS_IDLE, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';

let a: AgentHandle | null = null;
afterEach(async () => {
  await a?.stop();
  a = null;
});

const TYPES = new Set(['warning', 'countdown_cancelled', 'dry_run_stop']);

async function spellEvents(h: AgentHandle): Promise<HistoryEvent[]> {
  const { events } = await h.req('HISTORY', { limit: 100 });
  return events.filter((e) => TYPES.has(e.type)).reverse();
}

describe('one warning per idle spell (real agent)', () => {
  it('four short spikes: a banner and a history warning per warned spell, one cancellation naming what woke it, none for unwarned spells', async () => {
    const dir = tempDir('cs-spells-');
    const pts = path.join(dir, 'dev', 'pts', '0');
    mkdirSync(path.dirname(pts), { recursive: true });
    writeFileSync(pts, '');
    // The terminal itself was last used an hour ago: only the spikes are input.
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(pts, hourAgo, hourAgo);
    a = await startAgent({
      dir,
      // Naptime 6 s, warning 3 s before it, one sample a second; input counts for 2 s after a report.
      config: { ...ALWAYS_IDLE, naptime_minutes: 0.1, warning_minutes: 0.05, check_interval_seconds: 1, input_idle_threshold_secs: 2 },
      env: { CLOUDSNOOZE_TTY_WARNINGS: '1' },
    });
    const h = a;
    const count = async (type: string) => (await spellEvents(h)).filter((e) => e.type === type).length;
    const spike = () => h.req('INPUT_ACTIVITY', { idle_secs: 0 });

    // Spell 1 is warned; spike 1 cancels it, and spike 2 lands while the box is still active.
    await waitFor(async () => (await count('warning')) === 1, 20_000, 'first warning');
    await spike();
    await waitFor(async () => (await count('countdown_cancelled')) === 1, 10_000, 'first cancellation');
    await spike();
    // Spell 2 is cut short before its warning by spike 3: no warning, so nothing to cancel.
    await waitFor(async () => {
      const st = await h.req('STATUS');
      return st.state === 'idle' && st.seconds_until_stop !== null && st.seconds_until_stop >= 5;
    }, 15_000, 'a fresh idle spell');
    await spike();
    // Spell 3 is warned; spike 4 cancels it.
    await waitFor(async () => (await count('warning')) === 2, 20_000, 'second warning');
    await spike();
    await waitFor(async () => (await count('countdown_cancelled')) === 2, 10_000, 'second cancellation');
    await h.stop();

    const events = await spellEventsFromFile(h.historyPath);
    expect(events.map((e) => e.type)).toEqual(['warning', 'countdown_cancelled', 'warning', 'countdown_cancelled']);
    for (const e of events.filter((x) => x.type === 'countdown_cancelled')) expect(e.message).toMatch(/^Stop cancelled: input \d s ago$/);
    for (const e of events.filter((x) => x.type === 'warning')) {
      // Local mode says "would", and the time is local with its zone, not UTC ISO.
      expect(e.message).toMatch(/^Idle: this instance would be stopped in 3 seconds \(at \d\d:\d\d:\d\d \S+\) — local mode: not on EC2, nothing is stopped$/);
    }

    // The terminal got the same lines, once each, in the same order.
    const banners = readFileSync(pts, 'utf8')
      .split('\r\n')
      // The warning rings the bell (BEL) before its banner; the cancellation does not.
      .map((l) => (l.startsWith('\u0007') ? l.slice(1) : l))
      .filter((l) => l.startsWith('*** CloudSnooze:'));
    expect(banners.map((l) => (l.includes('Stop cancelled') ? 'cancelled' : 'warning'))).toEqual(['warning', 'cancelled', 'warning', 'cancelled']);
    expect(banners[1]).toMatch(/^\*\*\* CloudSnooze: Stop cancelled: input \d s ago \*\*\*$/);
  }, 90_000);
});

async function spellEventsFromFile(file: string): Promise<HistoryEvent[]> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HistoryEvent)
    .filter((e) => TYPES.has(e.type));
}
