/** The sampler reading GPUs through stand-in vendor tools (shell scripts run as child processes). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeExecutable } from '../helpers/fake-executable.js';
import { fakeRoot, removeTrees, start, Tree } from '../fakes/proc-tree.js';
import { createSampler } from '../../agent/metrics/sampler.js';

afterAll(removeTrees);

describe('createSampler GPU', () => {
  const bin = join(fakeRoot, 'gpu-bin');
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
