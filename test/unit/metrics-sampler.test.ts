import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeRoot, removeTrees, start, step, Tree } from '../fakes/proc-tree.js';
import { createSampler } from '../../agent/metrics/sampler.js';

afterAll(removeTrees);

describe('createSampler on a fake /proc', () => {
  it('computes rates over the interval between samples', async () => {
    const tree = new Tree(start);
    const sampler = createSampler(tree.opts());
    const b = step(start, { busy: 300, idle: 700, self: 100, eth0: [1000, 1000], sda: [100, 100] });
    tree.write(b);
    const t1 = Date.now();
    const s1 = await sampler.sample(t1);
    expect(s1.t).toBe(t1);
    // (300 busy - 100 of the agent's own) / 1000 ticks
    expect(s1.cpu_percent).toBe(20);

    const c = step(b, {
      busy: 500,
      idle: 500,
      eth0: [10 * 1024, 10 * 1024],
      lo: [1e9, 1e9], // loopback: not counted
      sda: [1024, 1024], // 1 MiB in 512-byte sectors
      sda1: [1024, 1024], // the same I/O again through the partition
      loop0: [4096, 0],
    });
    tree.write(c);
    const s2 = await sampler.sample(t1 + 2000);
    expect(s2).toEqual({
      t: t1 + 2000,
      cpu_percent: 50,
      memory_percent: 25,
      network_kbps: 10, // 20 KiB over 2 s
      disk_io_kbps: 512, // 1 MiB over 2 s
      gpu_percent: null,
      gpu_memory_percent: null,
      gpu_count: 0,
      gpu_cards: [],
      input_idle_secs: null,
      unreadable: [],
      keep_awake: [],
    });
    expect(sampler.inputSources()).toEqual([]);
  });

  it('reads the keep-awake sources with every sample, and alone for the re-check; the patterns are read each time', async () => {
    const tree = new Tree(start);
    mkdirSync(join(tree.proc, '4711'));
    writeFileSync(join(tree.proc, '4711', 'cmdline'), 'rsync\0-a\0data/\0');
    mkdirSync(join(tree.root, 'inhibit'));
    writeFileSync(join(tree.root, 'inhibit', '3'), `WHAT=shutdown\nMODE=block\nPID=${process.pid}\nWHO=backup\nWHY=nightly\n`);
    let patterns: string[] = [];
    const sampler = createSampler(tree.opts({ keepAwakeProcesses: () => patterns }));
    tree.advance();
    expect((await sampler.sample(Date.now())).keep_awake).toEqual([{ kind: 'inhibitor', reason: `systemd-inhibit: backup — nightly (pid ${process.pid})` }]);
    patterns = ['rsync'];
    tree.advance();
    const s = await sampler.sample(Date.now() + 1000);
    expect(s.keep_awake.map((k) => k.reason)).toEqual(['Process rsync (pid 4711): rsync -a data/', `systemd-inhibit: backup — nightly (pid ${process.pid})`]);
    expect(sampler.keepAwake(Date.now() + 2000)).toEqual(s.keep_awake);
  });

  it('has values on the first sample, measured from a baseline taken at creation', async () => {
    const tree = new Tree(start);
    const sampler = createSampler(tree.opts());
    tree.write(step(start, { busy: 90, idle: 10, eth0: [1, 1] }));
    const s = await sampler.sample(Date.now());
    expect(s.cpu_percent).toBe(90);
    expect(s.network_kbps).toBeGreaterThan(0);
    expect(s.disk_io_kbps).toBe(0);
    expect(s.unreadable).toEqual([]);
  });

  it('takes the agent’s own CPU out, never below 0', async () => {
    const tree = new Tree(start);
    const sampler = createSampler(tree.opts());
    tree.write(step(start, { busy: 50, idle: 950, self: 80 }));
    expect((await sampler.sample(Date.now())).cpu_percent).toBe(0);
  });

  it('handles a 32-bit counter wrap and a device reset without a spike', async () => {
    const wrapStart = { ...start, eth0: [2 ** 32 - 1024, 5_000_000] as [number, number] };
    const tree = new Tree(wrapStart);
    const sampler = createSampler(tree.opts());
    const t = Date.now();
    await sampler.sample(t);
    tree.write({ ...wrapStart, eth0: [1024, 5_000_000] }); // wrapped: +2048 bytes
    expect((await sampler.sample(t + 1000)).network_kbps).toBe(2);
    tree.write({ ...wrapStart, eth0: [1024, 10], sda: [0, 0] }); // tx and sda reset (driver reload)
    const s = await sampler.sample(t + 2000);
    expect(s.network_kbps).toBe(0);
    expect(s.disk_io_kbps).toBe(0);
  });

  it('reports a missing or garbled file as unreadable and never throws', async () => {
    const tree = new Tree(start);
    const sampler = createSampler(tree.opts());
    rmSync(join(tree.proc, 'net', 'dev'));
    writeFileSync(join(tree.proc, 'meminfo'), 'garbage');
    rmSync(join(tree.proc, 'self', 'stat'));
    writeFileSync(join(tree.proc, 'diskstats'), '8 0 sda x\n');
    const t = Date.now();
    const s = await sampler.sample(t);
    expect(s).toMatchObject({ cpu_percent: null, memory_percent: null, network_kbps: null, disk_io_kbps: null });
    expect(s.unreadable).toEqual(['cpu', 'memory', 'network', 'disk_io']);

    // Back again: the first reading is only a new baseline (still unreadable), then values.
    tree.write(start);
    writeFileSync(join(tree.proc, 'meminfo'), 'MemTotal: 1000 kB\nMemAvailable: 500 kB\n');
    const s2 = await sampler.sample(t + 1000);
    expect(s2.memory_percent).toBe(50);
    expect(s2.unreadable).toEqual(['cpu', 'network', 'disk_io']);
    tree.write(step(start, { busy: 10, idle: 90, eth0: [512, 512] }));
    const s3 = await sampler.sample(t + 2000);
    expect(s3).toMatchObject({ cpu_percent: 10, network_kbps: 1, disk_io_kbps: 0, unreadable: [] });
  });

  it('a whole missing /proc is every /proc metric unreadable', async () => {
    const s = await createSampler({ procRoot: join(fakeRoot, 'none'), sysRoot: join(fakeRoot, 'none'), devRoot: join(fakeRoot, 'none'), gpuEnabled: () => false, env: {} }).sample(Date.now());
    expect(s.unreadable).toEqual(['cpu', 'memory', 'network', 'disk_io']);
    expect(s.input_idle_secs).toBeNull();
  });
});

describe('createSampler input', () => {
  it('reads pts idle, desktop reports win while fresh and then expire', async () => {
    const tree = new Tree(start);
    const now = Date.now();
    writeFileSync(join(tree.dev, 'pts', '0'), '');
    utimesSync(join(tree.dev, 'pts', '0'), (now - 600_000) / 1000, (now - 600_000) / 1000);
    const sampler = createSampler(tree.opts());
    expect(sampler.inputSources()).toEqual(['pts']);
    expect((await sampler.sample(now)).input_idle_secs).toBe(600);

    sampler.reportInput('desktop', 20, now);
    expect(sampler.inputSources()).toEqual(['pts', 'desktop']);
    expect((await sampler.sample(now + 10_000)).input_idle_secs).toBe(30);
    // Two minutes later the report no longer counts; the pts has aged too.
    expect((await sampler.sample(now + 121_000)).input_idle_secs).toBe(721);
  });

  it('no input source: null and no sources, not unreadable', async () => {
    const tree = new Tree(start);
    const sampler = createSampler(tree.opts());
    tree.advance();
    const s = await sampler.sample(Date.now());
    expect(s.input_idle_secs).toBeNull();
    expect(s.unreadable).toEqual([]);
    expect(sampler.inputSources()).toEqual([]);
  });

  it('no tick of CPU time between samples: cpu is unknown, so unreadable (fail safe)', async () => {
    const tree = new Tree(start);
    const s = await createSampler(tree.opts()).sample(Date.now());
    expect(s.cpu_percent).toBeNull();
    expect(s.unreadable).toEqual(['cpu']);
  });
});
