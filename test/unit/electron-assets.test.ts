import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TRAY_ICONS } from '../../electron/tray-view.js';
// @ts-expect-error -- a plain .mjs script without type declarations
import * as icons from '../../scripts/make-icons.mjs';

interface IconModule {
  TRAY_STATES: string[];
  TRAY_VARIANTS: string[];
  TRAY_SIZES: number[];
  APP_SIZES: number[];
  crc32(b: Buffer): number;
  trayIconPng(state: string, variant: string, px: number): Buffer;
  trayFileName(state: string, variant: string, size: number, scale?: number): string;
}
const m = icons as IconModule;
const assets = path.join(import.meta.dirname, '..', '..', 'assets');

/** Checks signature, chunk CRCs and returns IHDR facts. */
function inspectPng(buf: Buffer) {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  const types: string[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const crc = buf.readUInt32BE(off + 8 + len);
    expect(m.crc32(buf.subarray(off + 4, off + 8 + len)), `${type} CRC`).toBe(crc);
    types.push(type);
    off += 12 + len;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), depth: buf[24], colorType: buf[25] };
}

describe('icon assets', () => {
  it('CRC-32 matches the PNG specification check value', () => {
    expect(m.crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('the script draws exactly the icons the tray can show', () => {
    expect([...m.TRAY_STATES].sort()).toEqual([...TRAY_ICONS].sort());
  });

  it('every tray PNG is valid and has its nominal size (1x and @2x)', () => {
    for (const state of m.TRAY_STATES)
      for (const variant of m.TRAY_VARIANTS)
        for (const size of m.TRAY_SIZES) {
          for (const scale of [1, 2]) {
            const f = path.join(assets, 'tray', m.trayFileName(state, variant, size, scale));
            expect(inspectPng(readFileSync(f))).toEqual({ width: size * scale, height: size * scale, depth: 8, colorType: 6 });
          }
        }
  });

  it('app icons exist at 256 and 512', () => {
    for (const size of m.APP_SIZES) expect(inspectPng(readFileSync(path.join(assets, 'icons', `${size}x${size}.png`)))).toMatchObject({ width: size, height: size });
    expect(inspectPng(readFileSync(path.join(assets, 'icon.png')))).toMatchObject({ width: 512 });
  });

  it('the committed PNGs are what the script draws (re-run node scripts/make-icons.mjs after changing it)', () => {
    for (const [state, variant, size] of [['warning', 'dark', 22], ['active', 'light', 16]] as const) {
      expect(m.trayIconPng(state, variant, size).equals(readFileSync(path.join(assets, 'tray', m.trayFileName(state, variant, size))))).toBe(true);
    }
  });

  it('states look different from each other (no two states share artwork)', () => {
    const seen = new Set(m.TRAY_STATES.map((s) => readFileSync(path.join(assets, 'tray', m.trayFileName(s, 'dark', 22))).toString('base64')));
    expect(seen.size).toBe(m.TRAY_STATES.length);
  });
});
