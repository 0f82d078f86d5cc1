import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeExecutable } from '../helpers/fake-executable.js';
import { createSampler, type SamplerOptions } from '../../agent/metrics/sampler.js';

const base = mkdtempSync(join(tmpdir(), 'cs-sampler-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let treeN = 0;

interface Counters {
  busy: number;
  idle: number;
  self: number;
  eth0: [number, number];
  lo: [number, number];
  sda: [number, number];
  sda1: [number, number];
  loop0: [number, number];
}

const start: Counters = {
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
class Tree {
  readonly root = join(base, `t${treeN++}`);
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

function step(c: Counters, d: Partial<Record<keyof Counters, number | [number, number]>>): Counters {
  const out = structuredClone(c);
  for (const [k, v] of Object.entries(d) as Array<[keyof Counters, number | [number, number]]>) {
    const cur = out[k];
    if (typeof cur === 'number' && typeof v === 'number') (out[k] as number) = cur + v;
    else if (Array.isArray(cur) && Array.isArray(v)) (out[k] as [number, number]) = [cur[0] + v[0], cur[1] + v[1]];
  }
  return out;
}

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
    const s = await createSampler({ procRoot: join(base, 'none'), sysRoot: join(base, 'none'), devRoot: join(base, 'none'), gpuEnabled: () => false, env: {} }).sample(Date.now());
    expect(s.unreadable).toEqual(['cpu', 'memory', 'network', 'disk_io']);
    expect(s.input_idle_secs).toBeNull();
  });
});

describe('createSampler GPU', () => {
  const bin = join(base, 'gpu-bin');
  mkdirSync(bin);
  const tool = (name: string, body: string) => fakeExecutable(bin, name, body);
  const two = tool('two', "printf '90, 1000, 4000\\n10, 1000, 4000\\n'");
  const na = tool('na', "printf '[N/A], [N/A], [N/A]\\n'");
  const fail = tool('fail', 'exit 9');
  const hang = tool('hang', 'exec sleep 30');

  it('reads GPUs through nvidia-smi while gpu monitoring is on, and stops when it is turned off', async () => {
    const tree = new Tree(start);
    let enabled = true;
    const sampler = createSampler(tree.opts({ gpuEnabled: () => enabled, env: { PATH: '', CLOUDSNOOZE_NVIDIA_SMI: two } }));
    tree.advance();
    // The busiest card, not the average (50): one busy GPU of two is a busy box.
    expect(await sampler.sample(Date.now())).toMatchObject({
      gpu_percent: 90,
      gpu_memory_percent: 25,
      gpu_count: 2,
      gpu_cards: [
        { util_percent: 90, memory_percent: 25 },
        { util_percent: 10, memory_percent: 25 },
      ],
      unreadable: [],
      keep_awake: [],
    });
    enabled = false;
    tree.advance();
    expect(await sampler.sample(Date.now())).toMatchObject({ gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, unreadable: [] });
  });

  it('[N/A], an error exit or a hang make gpu unreadable', async () => {
    const tree = new Tree(start);
    for (const p of [na, fail, hang]) {
      const env = { PATH: '', CLOUDSNOOZE_NVIDIA_SMI: p, CLOUDSNOOZE_GPU_TIMEOUT_MS: '300' };
      const sampler = createSampler(tree.opts({ gpuEnabled: () => true, env }));
      tree.advance();
      const s = await sampler.sample(Date.now());
      expect(s.unreadable, p).toEqual(['gpu']);
      expect(s.gpu_percent).toBeNull();
    }
  });

  it('a driver that vanishes on a host that had GPUs is unreadable (activity), not "no GPU"', async () => {
    const flag = join(bin, 'driver-gone');
    const flaky = tool('flaky', `if [ -e '${flag}' ]; then echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."; exit 9; fi\nprintf '3, 10, 4000\\n'`);
    const tree = new Tree(start);
    const sampler = createSampler(tree.opts({ gpuEnabled: () => true, env: { PATH: '', CLOUDSNOOZE_NVIDIA_SMI: flaky } }));
    tree.advance();
    expect(await sampler.sample(Date.now())).toMatchObject({ gpu_count: 1, unreadable: [] });
    writeFileSync(flag, '');
    tree.advance();
    expect((await sampler.sample(Date.now())).unreadable).toEqual(['gpu']);
  });

  it('no GPU tool: null and 0, not unreadable', async () => {
    const tree = new Tree(start);
    const env = { PATH: '', CLOUDSNOOZE_NVIDIA_SMI: '', CLOUDSNOOZE_ROCM_SMI: '' };
    const sampler = createSampler(tree.opts({ gpuEnabled: () => true, env }));
    tree.advance();
    const s = await sampler.sample(Date.now());
    expect(s).toMatchObject({ gpu_percent: null, gpu_count: 0, unreadable: [] });
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
