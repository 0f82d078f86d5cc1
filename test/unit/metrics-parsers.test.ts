import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CounterSet, counterDelta } from '../../agent/metrics/counters.js';
import { isWholeDisk, WholeDiskFilter } from '../../agent/metrics/disks.js';
import { parseNvidiaSmi, parseRocmSmi, summarizeGpus } from '../../agent/metrics/gpu.js';
import { parseDiskstats, parseMeminfo, parseNetDev, parseProcStat, parseSelfStat } from '../../agent/metrics/procfs.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/proc/${name}`, import.meta.url), 'latin1');

describe('parseProcStat', () => {
  it('reads the aggregate cpu line, steal and guest not counted as busy', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const t = parseProcStat(fixture('stat'));
    const busy = 10132153 + 290696 + 3084719 + 0 + 25195;
    expect(t).toEqual({ busy, total: busy + 46828483 + 16683 + 0 });
  });

  it('accepts the four-column line of old kernels', () => {
    expect(parseProcStat(fixture('stat-old-kernel'))).toEqual({ busy: 1320, total: 6320 });
  });

  it('finds the cpu line when it is not first', () => {
    expect(parseProcStat('intr 1 2\ncpu  1 2 3 4 5 6 7 8 9 10\n')).toEqual({ busy: 1 + 2 + 3 + 6 + 7, total: 1 + 2 + 3 + 6 + 7 + 4 + 5 + 8 });
  });

  it('refuses text that is not /proc/stat', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeNull();
    expect(parseProcStat('cpu  1 2 x 4\n')).toBeNull();
    expect(parseProcStat('cpu  1 2\n')).toBeNull();
  });
});

describe('parseSelfStat', () => {
  it('sums utime, stime, cutime and cstime, counting fields after the last parenthesis', () => {
    expect(parseSelfStat(fixture('self-stat'))).toBe(150 + 50 + 7 + 3);
  });

  it('refuses truncated or garbled text', () => {
    expect(parseSelfStat('4242 (x) S 1 2 3')).toBeNull();
    expect(parseSelfStat('no parenthesis here')).toBeNull();
    expect(parseSelfStat('1 (x) S 1 1 1 0 -1 0 0 0 0 0 a b c d 20')).toBeNull();
  });
});

describe('parseMeminfo', () => {
  it('is 1 - MemAvailable/MemTotal', () => {
    expect(parseMeminfo(fixture('meminfo'))).toBeCloseTo(25, 10);
  });

  it('falls back to MemFree + Buffers + Cached without MemAvailable', () => {
    expect(parseMeminfo(fixture('meminfo-no-available'))).toBeCloseTo(75, 10);
  });

  it('refuses text without MemTotal or with MemTotal 0', () => {
    expect(parseMeminfo('MemFree: 10 kB\n')).toBeNull();
    expect(parseMeminfo('MemTotal: 0 kB\nMemAvailable: 0 kB\n')).toBeNull();
    expect(parseMeminfo('')).toBeNull();
  });
});

describe('parseNetDev', () => {
  it('reads rx and tx bytes per interface, loopback left out', () => {
    expect(parseNetDev(fixture('net-dev'))).toEqual([
      { name: 'eth0', rx: 1000000, tx: 500000 },
      { name: 'docker0', rx: 30000, tx: 20000 },
      { name: 'wlan0', rx: 4294967000, tx: 2 ** 64 - 2048 },
    ]);
  });

  it('refuses text without the two header lines or with short rows', () => {
    expect(parseNetDev('eth0: 1 2 3 4 5 6 7 8 9 10\n')).toBeNull();
    const [h1, h2] = fixture('net-dev').split('\n');
    expect(parseNetDev(`${h1}\n${h2}\n eth0: 1 2 3\n`)).toBeNull();
    expect(parseNetDev(`${h1}\n${h2}\n`)).toEqual([]);
  });
});

describe('parseDiskstats', () => {
  it('reads sectors read and written for every device, old 14-column rows included', () => {
    const d = parseDiskstats(fixture('diskstats'))!;
    expect(d.map((x) => x.name)).toEqual(['loop0', 'ram0', 'sda', 'sda1', 'nvme0n1', 'nvme0n1p1', 'dm-0', 'md0', 'zram0', 'mmcblk0', 'mmcblk0p1']);
    expect(d.find((x) => x.name === 'sda')).toEqual({ name: 'sda', sectorsRead: 200000, sectorsWritten: 100000 });
    expect(d.find((x) => x.name === 'mmcblk0')).toEqual({ name: 'mmcblk0', sectorsRead: 7000, sectorsWritten: 3000 });
  });

  it('refuses garbled rows', () => {
    expect(parseDiskstats('8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n')).toBeNull();
    expect(parseDiskstats('8 0 sda 1 2 3\n')).toBeNull();
  });
});

describe('counterDelta', () => {
  it('is the difference while the counter grows', () => {
    expect(counterDelta(100, 250)).toBe(150);
    expect(counterDelta(7, 7)).toBe(0);
  });

  it('handles a 32-bit wrap', () => {
    expect(counterDelta(2 ** 32 - 100, 50)).toBe(150);
  });

  it('handles a 64-bit wrap', () => {
    // Near 2^64 doubles are 2048 apart, so the delta is approximate.
    expect(counterDelta(2 ** 64 - 4096, 1000)).toBeCloseTo(5096, -4);
    expect(counterDelta(2 ** 64 - 4096, 1000)).toBeGreaterThan(0);
  });

  it('treats a reset (driver reload) as no traffic, not a spike', () => {
    expect(counterDelta(123_456_789, 10)).toBe(0);
    expect(counterDelta(2 ** 40, 5)).toBe(0);
    // Low half of 32-bit range: a reset, not a wrap.
    expect(counterDelta(1_000_000, 500)).toBe(0);
  });
});

describe('CounterSet', () => {
  it('sums deltas per key, ignores new keys, forgets vanished ones', () => {
    const c = new CounterSet();
    c.begin();
    c.add('a', 100);
    c.add('b', 2 ** 32 - 10);
    expect(c.finish()).toBeNull(); // no baseline yet

    c.begin();
    c.add('a', 160); // +60
    c.add('b', 5); // 32-bit wrap: +15
    c.add('new', 1e12); // first seen: counts nothing
    expect(c.finish()).toBe(75);

    c.begin();
    c.add('new', 1e12 + 1); // +1
    // 'a' vanished, then comes back with a fresh counter: no contribution
    expect(c.finish()).toBe(1);
    c.begin();
    c.add('a', 3);
    expect(c.finish()).toBe(0);
  });

  it('has no baseline after reset', () => {
    const c = new CounterSet();
    c.begin();
    c.add('a', 1);
    c.finish();
    c.reset();
    c.begin();
    c.add('a', 5);
    expect(c.finish()).toBeNull();
  });
});

describe('whole disks', () => {
  const root = mkdtempSync(join(tmpdir(), 'cs-sys-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const disks = ['sda', 'nvme0n1', 'mmcblk0', 'loop0', 'ram0', 'dm-0', 'md0', 'zram0', 'nvme0c0n1'];
  const parts: Array<[string, string]> = [
    ['sda', 'sda1'],
    ['nvme0n1', 'nvme0n1p1'],
    ['mmcblk0', 'mmcblk0p1'],
    ['md0', 'md0p1'],
  ];
  for (const d of disks) mkdirSync(join(root, 'block', d), { recursive: true });
  for (const [d, p] of parts) {
    mkdirSync(join(root, 'block', d, p), { recursive: true });
    writeFileSync(join(root, 'block', d, p, 'partition'), '1\n');
  }
  // A /sys/block entry that says it is a partition (seen through symlinked views).
  mkdirSync(join(root, 'block', 'xvda1'), { recursive: true });
  writeFileSync(join(root, 'block', 'xvda1', 'partition'), '1\n');

  it('counts only whole physical disks, decided by /sys/block', () => {
    const names = ['sda', 'sda1', 'nvme0n1', 'nvme0n1p1', 'mmcblk0', 'mmcblk0p1', 'loop0', 'ram0', 'dm-0', 'md0', 'md0p1', 'zram0', 'nvme0c0n1', 'xvda1', 'sdz'];
    expect(names.filter((n) => isWholeDisk(n, root))).toEqual(['sda', 'nvme0n1', 'mmcblk0']);
  });

  it('decides by name when there is no /sys', () => {
    const none = join(root, 'missing');
    const names = ['sda', 'sda1', 'xvdb', 'xvdb3', 'nvme0n1', 'nvme0n1p1', 'mmcblk0', 'mmcblk0p1', 'loop0', 'dm-0', 'md0', 'md0p1', 'zram0', 'vda', 'vda1'];
    expect(names.filter((n) => isWholeDisk(n, none))).toEqual(['sda', 'xvdb', 'nvme0n1', 'mmcblk0', 'vda']);
  });

  it('caches decisions and forgets them after the refresh period', () => {
    const f = new WholeDiskFilter(root, 1000);
    expect(f.isWhole('sdb', 0)).toBe(false);
    mkdirSync(join(root, 'block', 'sdb'));
    expect(f.isWhole('sdb', 500)).toBe(false); // cached
    expect(f.isWhole('sdb', 1501)).toBe(true); // re-read after the refresh
  });

  it('drives the sampler fixture to sda + nvme0n1 + mmcblk0', () => {
    const d = parseDiskstats(fixture('diskstats'))!.filter((x) => isWholeDisk(x.name, root));
    expect(d.reduce((s, x) => s + x.sectorsRead + x.sectorsWritten, 0)).toBe(300000 + 100000 + 10000);
  });
});

describe('GPU tool output', () => {
  it('parses nvidia-smi CSV for two GPUs', () => {
    expect(parseNvidiaSmi('37, 1024, 81559\n5, 0, 81559\n')).toEqual([
      { util: 37, memUsed: 1024, memTotal: 81559 },
      { util: 5, memUsed: 0, memTotal: 81559 },
    ]);
  });

  it('reads [N/A] and [Not Supported] as null', () => {
    expect(parseNvidiaSmi('[N/A], 1024, 81559\n[Not Supported], [N/A], [N/A]\n')).toEqual([
      { util: null, memUsed: 1024, memTotal: 81559 },
      { util: null, memUsed: null, memTotal: null },
    ]);
  });

  it('refuses output of another shape', () => {
    expect(parseNvidiaSmi('NVIDIA-SMI has failed\n')).toBeNull();
    expect(parseNvidiaSmi('1, 2\n')).toBeNull();
    expect(parseNvidiaSmi('abc, 1, 2\n')).toBeNull();
  });

  it('parses rocm-smi JSON', () => {
    const json = JSON.stringify({
      card0: { 'GPU use (%)': '12', 'GPU memory use (%)': '40' },
      card1: { 'GPU use (%)': '4', 'GPU Memory Allocated (VRAM%)': '10' },
      system: { 'Driver version': '6.0' },
    });
    expect(parseRocmSmi(json)).toEqual([
      { util: 12, memUsed: 40, memTotal: 100 },
      { util: 4, memUsed: 10, memTotal: 100 },
    ]);
    expect(parseRocmSmi('not json')).toBeNull();
  });

  it('takes the busiest card and the fullest memory, and keeps each card', () => {
    const r = summarizeGpus([
      { util: 30, memUsed: 1000, memTotal: 4000 },
      { util: 10, memUsed: 3000, memTotal: 4000 },
    ]);
    expect(r).toEqual({
      gpu_percent: 30,
      gpu_memory_percent: 75,
      gpu_count: 2,
      cards: [
        { util_percent: 30, memory_percent: 25 },
        { util_percent: 10, memory_percent: 75 },
      ],
      unreadable: false,
    });
  });

  it('makes the reading unreadable when any GPU utilisation is N/A (fail safe)', () => {
    const r = summarizeGpus([
      { util: null, memUsed: 1000, memTotal: 4000 },
      { util: 10, memUsed: null, memTotal: null },
    ]);
    expect(r.unreadable).toBe(true);
    expect(r.gpu_count).toBe(2);
    expect(r.gpu_percent).toBe(10);
    expect(r.gpu_memory_percent).toBe(25);
  });

  it('no GPUs is not unreadable', () => {
    expect(summarizeGpus([])).toEqual({ gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, cards: [], unreadable: false });
  });
});
