/**
 * kill -9 the agent at random points while it appends history and writes config, 100
 * rounds: both files must still parse and no acknowledged event or setting may be lost.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../contract/config-schema.js';
import { History } from '../../agent/history.js';
import { ALWAYS_IDLE, startAgent, tempDir } from '../helpers/agent.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 100);

describe('crash safety', () => {
  it(`loses no acknowledged event or setting across ${ROUNDS} kill -9 rounds`, { timeout: 600_000 }, async () => {
    const dir = tempDir('cs-crash-');
    const ackedPostpones = new Set<number>();
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < ROUNDS; round++) {
      const a = await startAgent({ dir, config: { ...ALWAYS_IDLE, naptime_minutes: 60 } });
      const ackedConfig: number[] = [];
      const sentConfig: number[] = [];
      let stop = false;
      // History appends: POSTPONE with a unique number of minutes each.
      const appender = (async () => {
        // Unique per round and within POSTPONE's 7-day bound for every round (100 × 100 + 99 < 10 080).
        for (let i = 0; !stop && i < 100; i++) {
          const minutes = round * 100 + i + 1;
          try {
            await a.req('POSTPONE', { minutes });
            ackedPostpones.add(minutes);
          } catch {
            return;
          }
        }
      })();
      // Config writes: a sequence of naptimes; each acknowledged one must survive (or a later one).
      const writer = (async () => {
        for (let i = 0; !stop; i++) {
          const naptime = 10 + round + i / 1000;
          sentConfig.push(naptime);
          try {
            await a.req('CONFIG_SET', { values: { naptime_minutes: naptime } });
            ackedConfig.push(naptime);
          } catch {
            return;
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 30 + rand() * 300));
      a.proc.kill('SIGKILL');
      await a.exited;
      stop = true;
      await Promise.all([appender, writer]);

      // The config file parses, validates, and holds the last acknowledged value or one sent after it.
      const cfg = parseConfig(JSON.parse(readFileSync(a.configPath, 'utf8')));
      if (ackedConfig.length > 0) {
        const last = ackedConfig.at(-1)!;
        const allowed = sentConfig.slice(sentConfig.indexOf(last));
        expect(allowed, `round ${round}`).toContain(cfg.naptime_minutes);
      }
    }
    // The history parses (a torn tail is cut, not fatal) and holds every acknowledged POSTPONE.
    const warnings: string[] = [];
    const h = await History.open(`${dir}/history.jsonl`, 1_000_000, (_l, m) => warnings.push(m));
    const recorded = new Set(h.query({ limit: 1_000_000, details: true, type: 'postpone' }).map((e) => e.details!.minutes as number));
    await h.close();
    const lost = [...ackedPostpones].filter((m) => !recorded.has(m));
    expect(ackedPostpones.size).toBeGreaterThan(ROUNDS);
    expect(lost).toEqual([]);
    expect(warnings.filter((w) => /unreadable/.test(w))).toEqual([]);
  });
});
