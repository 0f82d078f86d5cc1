// Draws the tray icons (one per state, for light and dark panels, every size the
// platforms ask for, plus @2x) and the app icon with pure Node, so the artwork is
// reproducible from this file and needs no image tool. Run: node scripts/make-icons.mjs
// The output PNGs under assets/ are committed; a unit test re-renders one and compares.
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TRAY_STATES = ['active', 'countdown', 'warning', 'postponed', 'awake', 'offline', 'error'];
export const TRAY_VARIANTS = ['light', 'dark'];
export const TRAY_SIZES = [16, 22, 24, 32, 48, 64];
export const APP_SIZES = [256, 512];

// ---------------------------------------------------------------------------
// PNG encoding (RGBA, 8 bit, filter 0 on every row)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------
// Shapes in unit coordinates (0..1), sampled 4x4 per pixel for smooth edges

const disk = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r0, r1) => (x, y) => {
  const d = (x - cx) ** 2 + (y - cy) ** 2;
  return d >= r0 * r0 && d <= r1 * r1;
};
const not = (f) => (x, y) => !f(x, y);
const and = (...fs) => (x, y) => fs.every((f) => f(x, y));
const or = (...fs) => (x, y) => fs.some((f) => f(x, y));
/** A segment from (x0,y0) to (x1,y1) with round caps, half-width w. */
const line = (x0, y0, x1, y1, w) => (x, y) => {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)));
  return (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 <= w * w;
};
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

const moon = and(disk(0.44, 0.5, 0.4), not(disk(0.64, 0.36, 0.33)));
const sun = or(
  disk(0.42, 0.48, 0.2),
  ...Array.from({ length: 8 }, (_, i) => {
    const a = (i * Math.PI) / 4;
    return line(0.42 + Math.cos(a) * 0.28, 0.48 + Math.sin(a) * 0.28, 0.42 + Math.cos(a) * 0.38, 0.48 + Math.sin(a) * 0.38, 0.045);
  }),
);

const BX = 0.74;
const BY = 0.74;
const BR = 0.25;
const badgeGap = disk(BX, BY, BR + 0.07);
const badge = disk(BX, BY, BR);

const COLORS = {
  active: [0x2d, 0xa4, 0x4e],
  countdown: [0xd9, 0x8e, 0x04],
  warning: [0xd1, 0x24, 0x2f],
  postponed: [0x21, 0x6e, 0xdb],
  awake: [0xf0, 0xa8, 0x00],
  offline: [0x8c, 0x95, 0x9f],
  error: [0xb3, 0x1d, 0x28],
};
const WHITE = [0xff, 0xff, 0xff];

/** The white mark inside the state badge: shape as well as colour tells the states apart. */
const BADGE_MARK = {
  active: null,
  countdown: or(line(BX, BY, BX, BY - 0.15, 0.035), line(BX, BY, BX + 0.11, BY, 0.035)),
  warning: or(line(BX, BY - 0.15, BX, BY + 0.03, 0.04), disk(BX, BY + 0.12, 0.045)),
  postponed: or(rect(BX - 0.11, BY - 0.12, BX - 0.04, BY + 0.12), rect(BX + 0.04, BY - 0.12, BX + 0.11, BY + 0.12)),
  awake: null,
  offline: rect(BX - 0.13, BY - 0.035, BX + 0.13, BY + 0.035),
  error: or(line(BX - 0.1, BY - 0.1, BX + 0.1, BY + 0.1, 0.04), line(BX - 0.1, BY + 0.1, BX + 0.1, BY - 0.1, 0.04)),
};

/** Layers painted in order: [shape, rgb, alpha]. A null rgb erases (punches a transparent gap). */
function trayLayers(state, variant) {
  const fg = variant === 'dark' ? [0xf2, 0xf2, 0xf2] : [0x24, 0x29, 0x2f];
  if (state === 'awake') return [[sun, COLORS.awake, 1]];
  const glyphAlpha = state === 'offline' ? 0.55 : 1;
  return [
    [and(moon, not(badgeGap)), fg, glyphAlpha],
    [badge, COLORS[state], 1],
    ...(BADGE_MARK[state] ? [[and(badge, BADGE_MARK[state]), WHITE, 1]] : []),
  ];
}

function appLayers() {
  const rounded = (x, y) => {
    const r = 0.2;
    const cx = Math.min(Math.max(x, 0.04 + r), 0.96 - r);
    const cy = Math.min(Math.max(y, 0.04 + r), 0.96 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
  const bigMoon = and(disk(0.46, 0.52, 0.3), not(disk(0.62, 0.41, 0.25)));
  return [
    [rounded, [0x1b, 0x26, 0x3b], 1],
    [bigMoon, [0xf5, 0xe6, 0xb8], 1],
    [or(disk(0.72, 0.26, 0.025), disk(0.8, 0.44, 0.018), disk(0.66, 0.72, 0.02)), [0xf5, 0xe6, 0xb8], 1],
    [ring(0.5, 0.5, 0.44, 0.455), [0x3a, 0x4a, 0x6b], 1],
  ];
}

export function render(size, layers) {
  const px = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (const [shape, rgb, alpha] of layers) {
        let hits = 0;
        for (let sy = 0; sy < S; sy++) {
          for (let sx = 0; sx < S; sx++) if (shape((x + (sx + 0.5) / S) / size, (y + (sy + 0.5) / S) / size)) hits++;
        }
        const cover = (hits / (S * S)) * alpha;
        if (cover === 0) continue;
        // "over" compositing in straight alpha
        const outA = cover + a * (1 - cover);
        r = (rgb[0] * cover + r * a * (1 - cover)) / outA;
        g = (rgb[1] * cover + g * a * (1 - cover)) / outA;
        b = (rgb[2] * cover + b * a * (1 - cover)) / outA;
        a = outA;
      }
      const i = (y * size + x) * 4;
      px[i] = Math.round(r);
      px[i + 1] = Math.round(g);
      px[i + 2] = Math.round(b);
      px[i + 3] = Math.round(a * 255);
    }
  }
  return encodePng(size, size, px);
}

export function trayIconPng(state, variant, pixels) {
  return render(pixels, trayLayers(state, variant));
}

export function appIconPng(pixels) {
  return render(pixels, appLayers());
}

/** File names the main process loads: assets/tray/<state>-<variant>-<size>.png (+ @2x beside it). */
export function trayFileName(state, variant, size, scale = 1) {
  return `${state}-${variant}-${size}${scale === 2 ? '@2x' : ''}.png`;
}

function main() {
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets');
  const trayDir = path.join(root, 'tray');
  const appDir = path.join(root, 'icons');
  mkdirSync(trayDir, { recursive: true });
  mkdirSync(appDir, { recursive: true });
  let n = 0;
  for (const state of TRAY_STATES) {
    for (const variant of TRAY_VARIANTS) {
      for (const size of TRAY_SIZES) {
        writeFileSync(path.join(trayDir, trayFileName(state, variant, size)), trayIconPng(state, variant, size));
        writeFileSync(path.join(trayDir, trayFileName(state, variant, size, 2)), trayIconPng(state, variant, size * 2));
        n += 2;
      }
    }
  }
  for (const size of APP_SIZES) {
    // electron-builder's Linux icon set wants NxN.png file names in one folder.
    writeFileSync(path.join(appDir, `${size}x${size}.png`), appIconPng(size));
    n++;
  }
  writeFileSync(path.join(root, 'icon.png'), appIconPng(512));
  console.log(`wrote ${n + 1} PNGs under ${path.relative(process.cwd(), root) || root}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
