import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputTracker, listInputSources, REPORT_TTL_MS } from '../../agent/metrics/input.js';
import { devBase, fakeDev, removeDevs } from '../fakes/dev.js';

afterAll(removeDevs);

const noX = { PATH: '' };
/** Root-owned fake consoles need root to create. */
const asRoot = process.getuid?.() === 0;

describe('terminal input', () => {
  it('idle is since the most recent input on any pts', async () => {
    const now = Date.now();
    const dev = fakeDev({ pts: { '0': 600, '3': 125 }, now });
    const t = new InputTracker(dev, noX);
    const r = await t.read(now);
    expect(r.sources).toEqual(['pts']);
    expect(r.idleSecs).toBe(125);
    expect(r.error).toBeNull();
    expect(t.sources(now)).toEqual(['pts']);
  });

  it.runIf(asRoot)('counts consoles a user is logged in on, not the root-owned unused ones', async () => {
    const now = Date.now();
    const dev = fakeDev({ ttys: { tty1: { idle: 40, user: true }, tty2: { idle: 5, user: false }, tty63: { idle: 1, user: false } }, now });
    const r = await new InputTracker(dev, noX).read(now);
    expect(r.sources).toEqual(['tty']);
    expect(r.idleSecs).toBe(40);
  });

  it.runIf(asRoot)('only root-owned consoles and no pts: no source', async () => {
    const now = Date.now();
    const dev = fakeDev({ ttys: { tty1: { idle: 5, user: false } }, now });
    const r = await new InputTracker(dev, noX).read(now);
    expect(r).toEqual({ idleSecs: null, sources: [], error: null });
  });

  it('no /dev at all: idle null, no sources, not an error', async () => {
    const t = new InputTracker(join(devBase, 'nope'), noX);
    expect(await t.read(Date.now())).toEqual({ idleSecs: null, sources: [], error: null });
    expect(t.sources(Date.now())).toEqual([]);
    expect(listInputSources({ devRoot: join(devBase, 'nope'), env: noX })).toEqual([]);
  });

  it('input in the future (clock skew) is idle 0, not negative', async () => {
    const now = Date.now();
    const dev = fakeDev({ pts: { '1': -30 }, now });
    expect((await new InputTracker(dev, noX).read(now)).idleSecs).toBe(0);
  });

  it('listInputSources names what the host has', () => {
    const now = Date.now();
    const dev = fakeDev({ pts: { '0': 1 }, ttys: { tty1: { idle: 1, user: true } }, now });
    expect(listInputSources({ devRoot: dev, env: noX })).toEqual(['pts', 'tty']);
  });
});

describe('desktop reports', () => {
  it('are a source for two minutes, their idle growing with time', async () => {
    const dev = fakeDev({ now: Date.now() });
    const t = new InputTracker(dev, noX);
    const t0 = 1_000_000;
    t.report('desktop', 10, t0);
    expect(await t.read(t0)).toMatchObject({ idleSecs: 10, sources: ['desktop'] });
    expect(await t.read(t0 + 30_000)).toMatchObject({ idleSecs: 40, sources: ['desktop'] });
    expect(await t.read(t0 + REPORT_TTL_MS)).toMatchObject({ idleSecs: 130, sources: ['desktop'] });
    expect(await t.read(t0 + REPORT_TTL_MS + 1)).toEqual({ idleSecs: null, sources: [], error: null });
  });

  it('the most recent input over all sources wins', async () => {
    const now = Date.now();
    const dev = fakeDev({ pts: { '0': 500 }, now });
    const t = new InputTracker(dev, noX);
    t.report('desktop', 3, now - 2000);
    t.report('vnc', 900, now);
    const r = await t.read(now);
    expect(r.sources).toEqual(['pts', 'desktop', 'vnc']);
    expect(r.idleSecs).toBe(5);
    // A newer report from the same source replaces the old one.
    t.report('desktop', 700, now);
    expect((await t.read(now)).idleSecs).toBe(500);
  });

  it('ignores nonsense idle values', async () => {
    const dev = fakeDev({ now: Date.now() });
    const t = new InputTracker(dev, noX);
    t.report('desktop', -1, 0);
    t.report('desktop', Number.NaN, 0);
    expect((await t.read(0)).sources).toEqual([]);
  });
});
