import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectGpuTool, readGpu } from '../../agent/metrics/gpu.js';
import { fakeExecutable } from '../helpers/fake-executable.js';

const dir = mkdtempSync(join(tmpdir(), 'cs-gpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake vendor tool: a shell script that records its arguments and does `body`. */
function fakeTool(name: string, body: string): string {
  return fakeExecutable(dir, name, `echo "$@" > "${join(dir, name)}.args"\n${body}`);
}

const twoGpus = fakeTool('nv-two', "printf '40, 2048, 8192\\n20, 0, 8192\\n'");
const naGpu = fakeTool('nv-na', "printf '[N/A], 1024, 8192\\n'");
const failing = fakeTool('nv-fail', "echo 'Unable to determine the device handle' >&2; exit 9");
const hanging = fakeTool('nv-hang', 'exec sleep 30');
const noDevices = fakeTool('nv-none', "echo 'No devices were found'; exit 6");
const noDriver = fakeTool('nv-nodriver', "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"; exit 9");
const garbage = fakeTool('nv-garbage', "echo 'hello'");

describe('detectGpuTool', () => {
  it('uses CLOUDSNOOZE_NVIDIA_SMI when it names an executable', () => {
    expect(detectGpuTool({ CLOUDSNOOZE_NVIDIA_SMI: twoGpus, PATH: '' })).toEqual({ tool: 'nvidia-smi', path: twoGpus });
  });

  it('finds nvidia-smi, then rocm-smi, on PATH', () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    expect(detectGpuTool({ PATH: bin })).toEqual({ tool: null, path: null });
    writeFileSync(join(bin, 'rocm-smi'), '#!/bin/sh\n');
    chmodSync(join(bin, 'rocm-smi'), 0o755);
    expect(detectGpuTool({ PATH: `/nonexistent:${bin}` })).toEqual({ tool: 'rocm-smi', path: join(bin, 'rocm-smi') });
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\n');
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    expect(detectGpuTool({ PATH: bin })).toEqual({ tool: 'nvidia-smi', path: join(bin, 'nvidia-smi') });
    // The override wins over PATH; empty turns the vendor off.
    expect(detectGpuTool({ PATH: bin, CLOUDSNOOZE_NVIDIA_SMI: '', CLOUDSNOOZE_ROCM_SMI: '' })).toEqual({ tool: null, path: null });
  });

  it('ignores a file that is not executable', () => {
    const p = join(dir, 'not-exec');
    writeFileSync(p, '');
    chmodSync(p, 0o644);
    expect(detectGpuTool({ CLOUDSNOOZE_NVIDIA_SMI: p, CLOUDSNOOZE_ROCM_SMI: '' }).tool).toBeNull();
  });
});

describe('readGpu with a fake nvidia-smi', () => {
  it('takes the busiest and the fullest of two GPUs, keeps each card, and passes the documented query', async () => {
    const r = await readGpu({ tool: 'nvidia-smi', path: twoGpus });
    expect(r).toEqual({
      gpu_percent: 40,
      gpu_memory_percent: 25,
      gpu_count: 2,
      cards: [
        { util_percent: 40, memory_percent: 25 },
        { util_percent: 20, memory_percent: 0 },
      ],
      unreadable: false,
    });
    expect(readFileSync(`${twoGpus}.args`, 'utf8').trim()).toBe(
      '--query-gpu=utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits',
    );
  });

  it('[N/A] utilisation is unreadable (counts as activity), the GPU still counted', async () => {
    const r = await readGpu({ tool: 'nvidia-smi', path: naGpu });
    expect(r).toMatchObject({ gpu_percent: null, gpu_memory_percent: 12.5, gpu_count: 1, unreadable: true });
  });

  it('a tool that exits non-zero is unreadable', async () => {
    const r = await readGpu({ tool: 'nvidia-smi', path: failing });
    expect(r).toMatchObject({ gpu_percent: null, gpu_count: 0, unreadable: true });
    expect(r.error).toMatch(/exited with 9/);
  });

  it('a tool that hangs is killed at the timeout and is unreadable', async () => {
    const t0 = Date.now();
    const r = await readGpu({ tool: 'nvidia-smi', path: hanging }, 300);
    expect(r).toMatchObject({ gpu_percent: null, unreadable: true });
    expect(r.error).toMatch(/timed out/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('output it cannot parse is unreadable', async () => {
    expect((await readGpu({ tool: 'nvidia-smi', path: garbage })).unreadable).toBe(true);
  });

  it('"no devices" and "no driver" mean no GPU, not unreadable', async () => {
    const none = { gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, cards: [], unreadable: false };
    expect(await readGpu({ tool: 'nvidia-smi', path: noDevices })).toEqual(none);
    expect(await readGpu({ tool: 'nvidia-smi', path: noDriver })).toEqual(none);
  });

  it('no tool is no GPU', async () => {
    expect(await readGpu({ tool: null, path: null })).toEqual({ gpu_percent: null, gpu_memory_percent: null, gpu_count: 0, cards: [], unreadable: false });
  });

  it('reads a fake rocm-smi', async () => {
    const p = fakeTool('rocm', `echo '{"card0": {"GPU use (%)": "8", "GPU memory use (%)": "50"}}'`);
    expect(await readGpu({ tool: 'rocm-smi', path: p })).toEqual({ gpu_percent: 8, gpu_memory_percent: 50, gpu_count: 1, cards: [{ util_percent: 8, memory_percent: 50 }], unreadable: false });
  });
});

describe('one busy card among many', () => {
  // The safety defect this guards: one job at 18 % on one of four cards averaged to 4.5 %.
  for (const n of [1, 4, 8]) {
    it(`${n} card(s), the last one busy: the busy card decides`, async () => {
      const lines = Array.from({ length: n }, (_, i) => (i === n - 1 ? '18, 71680, 81920' : '0, 0, 81920')).join('\\n');
      const tool = fakeTool(`nv-${n}`, `printf '${lines}\\n'`);
      const r = await readGpu({ tool: 'nvidia-smi', path: tool });
      expect(r.gpu_count).toBe(n);
      expect(r.gpu_percent).toBe(18);
      expect(r.gpu_memory_percent).toBe(87.5);
      expect(r.cards).toHaveLength(n);
      expect(r.cards[n - 1]).toEqual({ util_percent: 18, memory_percent: 87.5 });
    });
  }
  it('rocm-smi: the busiest of four AMD cards', async () => {
    const json = JSON.stringify(Object.fromEntries([0, 1, 2, 3].map((i) => [`card${i}`, { 'GPU use (%)': i === 2 ? '35' : '0', 'GPU memory use (%)': i === 2 ? '60' : '1' }])));
    const tool = fakeTool('rocm-4', `printf '%s' '${json}'`);
    const r = await readGpu({ tool: 'rocm-smi', path: tool });
    expect(r).toMatchObject({ gpu_percent: 35, gpu_memory_percent: 60, gpu_count: 4 });
  });
});
