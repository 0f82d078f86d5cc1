/** X11 input idle through a stand-in xprintidle (a shell script run as a child process). */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputTracker, listInputSources } from '../../agent/metrics/input.js';
import { devBase, fakeDev, removeDevs } from '../fakes/dev.js';

afterAll(removeDevs);

describe('x11 through xprintidle', () => {
  const bin = join(devBase, 'xbin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'xprintidle'), '#!/bin/sh\n[ "$DISPLAY" = ":7" ] || exit 1\necho 42000\n');
  chmodSync(join(bin, 'xprintidle'), 0o755);

  it('is a source where DISPLAY is set and xprintidle is on PATH', async () => {
    const now = Date.now();
    const dev = fakeDev({ pts: { '0': 300 }, now });
    const t = new InputTracker(dev, { PATH: bin, DISPLAY: ':7' });
    const r = await t.read(now);
    expect(r.sources).toEqual(['pts', 'x11']);
    expect(r.idleSecs).toBe(42);
    expect(listInputSources({ devRoot: dev, env: { PATH: bin, DISPLAY: ':7' } })).toEqual(['pts', 'x11']);
  });

  it('is not a source without DISPLAY, or when xprintidle fails', async () => {
    const now = Date.now();
    const dev = fakeDev({ now });
    expect((await new InputTracker(dev, { PATH: bin }).read(now)).sources).toEqual([]);
    const failing = await new InputTracker(dev, { PATH: bin, DISPLAY: ':0' }).read(now);
    expect(failing).toEqual({ idleSecs: null, sources: [], error: null });
  });
});
