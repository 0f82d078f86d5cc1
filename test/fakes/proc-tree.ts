/** A fake /proc, /sys and /dev under one temp folder, with counters a test moves on, for the sampler. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SamplerOptions } from '../../agent/metrics/sampler.js';

/** Every tree of this test file lives under this temp folder; removeTrees() deletes it. */
export const fakeRoot = mkdtempSync(join(tmpdir(), 'cs-sampler-'));
export const removeTrees = () => rmSync(fakeRoot, { recursive: true, force: true });
let treeN = 0;

export interface Counters {
  busy: number;
  idle: number;
  self: number;
  eth0: [number, number];
  lo: [number, number];
  sda: [number, number];
  sda1: [number, number];
  loop0: [number, number];
}

export const start: Counters = {
  busy: 10_000,
  idle: 50_000,
  self: 200,
  eth0: [1_000_000, 500_000],
  lo: [7_000_000, 7_000_000],
  sda: [200_000, 100_000],
  sda1: [190_000, 90_000],
  loop0: [800, 0],
};

const NET_HEADER =
  'Inter-|   Receive                                                |  Transmit\n' +
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';

function netLine(name: string, [rx, tx]: [number, number]): string {
  return `${name.padStart(6)}: ${rx} 10 0 0 0 0 0 0 ${tx} 10 0 0 0 0 0 0\n`;
}

function diskLine(major: number, minor: number, name: string, [r, w]: [number, number]): string {
  return `${major} ${minor} ${name} 10 0 ${r} 5 10 0 ${w} 5 0 10 10 0 0 0 0 0 0\n`;
}

/** A fake /proc, /sys and /dev under one temp dir. */
export class Tree {
  readonly root = join(fakeRoot, `t${treeN++}`);
  readonly proc = join(this.root, 'proc');
  readonly sys = join(this.root, 'sys');
  readonly dev = join(this.root, 'dev');

  constructor(c: Counters) {
    mkdirSync(join(this.proc, 'self'), { recursive: true });
    mkdirSync(join(this.proc, 'net'), { recursive: true });
    mkdirSync(join(this.sys, 'block', 'sda', 'sda1'), { recursive: true });
    writeFileSync(join(this.sys, 'block', 'sda', 'sda1', 'partition'), '1\n');
    mkdirSync(join(this.sys, 'block', 'loop0'), { recursive: true });
    mkdirSync(join(this.dev, 'pts'), { recursive: true });
    writeFileSync(join(this.proc, 'meminfo'), 'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 750 kB\n');
    this.write(c);
  }

  write(c: Counters): void {
    // Busy split over user/system/softirq; idle over idle/iowait.
    const user = c.busy - 2000;
    writeFileSync(join(this.proc, 'stat'), `cpu  ${user} 0 1500 ${c.idle - 100} 100 0 500 0 0 0\ncpu0 1 2 3 4\n`);
    writeFileSync(join(this.proc, 'self', 'stat'), `99 (node) S 1 1 1 0 -1 0 0 0 0 0 ${c.self} 0 0 0 20 0 1 0\n`);
    writeFileSync(join(this.proc, 'net', 'dev'), NET_HEADER + netLine('lo', c.lo) + netLine('eth0', c.eth0));
    writeFileSync(
      join(this.proc, 'diskstats'),
      diskLine(7, 0, 'loop0', c.loop0) + diskLine(8, 0, 'sda', c.sda) + diskLine(8, 1, 'sda1', c.sda1),
    );
  }

  private ticks = 0;
  /** Let time pass on the fake CPU: with no tick between samples the CPU % is unknown. */
  advance(): void {
    this.ticks += 100;
    this.write(step(start, { idle: this.ticks }));
  }

  opts(extra: Partial<SamplerOptions> = {}): SamplerOptions {
    // inhibitDir: the host's own logind locks must not reach these tests.
    return { procRoot: this.proc, sysRoot: this.sys, devRoot: this.dev, inhibitDir: join(this.root, 'inhibit'), gpuEnabled: () => false, env: { PATH: '' }, ...extra };
  }
}

export function step(c: Counters, d: Partial<Record<keyof Counters, number | [number, number]>>): Counters {
  const out = structuredClone(c);
  for (const [k, v] of Object.entries(d) as Array<[keyof Counters, number | [number, number]]>) {
    const cur = out[k];
    if (typeof cur === 'number' && typeof v === 'number') (out[k] as number) = cur + v;
    else if (Array.isArray(cur) && Array.isArray(v)) (out[k] as [number, number]) = [cur[0] + v[0], cur[1] + v[1]];
  }
  return out;
}
