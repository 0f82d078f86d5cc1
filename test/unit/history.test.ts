import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyReply } from '../../agent/history-reply.js';
import { History } from '../../agent/history.js';

const quiet = () => undefined;
const file = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'cs-hist-')), 'h.jsonl');

describe('history', () => {
  it('appends durably, survives reopening, and answers newest first with filters', async () => {
    const f = file();
    let t = Date.parse('2026-01-01T00:00:00Z');
    const h = await History.open(f, 100, quiet, () => t);
    await h.append({ type: 'agent_start', message: 'start' });
    t += 60_000;
    await h.append({ type: 'postpone', message: 'p', details: { minutes: 30 } });
    t += 60_000;
    await h.append({ type: 'release', message: 'r' });
    await h.close();
    const h2 = await History.open(f, 100, quiet);
    const all = h2.query({ limit: 10, details: false });
    expect(all.map((e) => e.type)).toEqual(['release', 'postpone', 'agent_start']);
    expect(all[1]!.details).toBeUndefined();
    expect(h2.query({ limit: 10, details: true })[1]!.details).toEqual({ minutes: 30 });
    expect(h2.query({ limit: 10, details: false, type: 'postpone' })).toHaveLength(1);
    expect(h2.query({ limit: 10, details: false, since: '2026-01-01T00:01:00Z' })).toHaveLength(2);
    const next = await h2.append({ type: 'warning', message: 'w' });
    expect(next.id).toBe(4);
    await h2.close();
  });

  it('skips a torn last line and garbage lines without failing, and cuts the torn tail off', async () => {
    const f = file();
    writeFileSync(
      f,
      '{"id":1,"time":"2026-01-01T00:00:00Z","type":"agent_start","message":"a"}\nnot json\n{"id":2,"time":"2026-01-01T00:00:01Z","type":"warning","message":"w"}\n{"id":3,"time":"2026-01',
    );
    const warnings: string[] = [];
    const h = await History.open(f, 100, (_l, m) => warnings.push(m));
    expect(h.query({ limit: 10, details: false }).map((e) => e.id)).toEqual([2, 1]);
    expect(warnings.join(' ')).toMatch(/torn last line/);
    expect(warnings.join(' ')).toMatch(/1 unreadable/);
    await h.append({ type: 'release', message: 'r' });
    await h.close();
    const lines = readFileSync(f, 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1)!).id).toBe(3);
  });

  it('stays bounded by history_max_events', async () => {
    const f = file();
    const h = await History.open(f, 10, quiet);
    for (let i = 0; i < 40; i++) await h.append({ type: 'warning', message: `w${i}` });
    await h.close();
    const lines = readFileSync(f, 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(20);
    const h2 = await History.open(f, 10, quiet);
    expect(h2.size).toBeLessThanOrEqual(10);
    expect(h2.query({ limit: 1, details: false })[0]!.message).toBe('w39');
    await h2.close();
  });

  it('trims the default HISTORY reply to fit one 4 KiB read', async () => {
    const h = await History.open(file(), 100, quiet);
    for (let i = 0; i < 10; i++) await h.append({ type: 'warning', message: 'x'.repeat(600) });
    const r = historyReply(h, { limit: 10, details: false });
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify({ success: true, data: r })) + 1).toBeLessThanOrEqual(4096);
    expect(historyReply(h, { limit: 20, details: false }).events).toHaveLength(10);
    await h.close();
  });

  it('compacts without duplicating or reordering events still queued for writing', async () => {
    const f = file();
    const h = await History.open(f, 10, quiet);
    // 25 appends queued at once: compaction happens while later ones wait.
    await Promise.all(Array.from({ length: 25 }, (_, i) => h.append({ type: 'warning', message: `w${i}` })));
    await h.close();
    const ids = readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id as number);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(ids.at(-1)).toBe(25);
    const h2 = await History.open(f, 10, quiet);
    expect(h2.query({ limit: 100, details: false }).map((e) => e.id)).toEqual([...ids].slice(-10).reverse());
    await h2.close();
  });
  it('pages with before_id: older events only, newest first, a filter applied within the page, stable while new events arrive', async () => {
    const f = file();
    const h = await History.open(f, 100, quiet);
    for (let i = 1; i <= 25; i++) await h.append({ type: i % 5 === 0 ? 'warning' : 'postpone', message: `e${i}` });
    const ids = (q: Parameters<History['query']>[0]) => h.query(q).map((e) => e.id);
    expect(ids({ limit: 10, details: false })).toEqual([25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(ids({ limit: 10, details: false, before_id: 16 })).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6]);
    // A new event does not shift the next page.
    await h.append({ type: 'release', message: 'new' });
    expect(ids({ limit: 10, details: false, before_id: 6 })).toEqual([5, 4, 3, 2, 1]);
    expect(ids({ limit: 2, details: false, before_id: 1 })).toEqual([]);
    // An id past the newest is the first page; with a type filter, matches below the id.
    expect(ids({ limit: 3, details: false, before_id: 1000 })).toEqual([26, 25, 24]);
    expect(ids({ limit: 10, details: false, type: 'warning', before_id: 20 })).toEqual([15, 10, 5]);
    await h.close();
  });
});

