/**
 * The safety defect of issue 9: one busy GPU among idle ones must keep the box awake. A
 * stand-in nvidia-smi reports four cards; the real agent is driven over its socket.
 */
import { readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ALWAYS_IDLE, startAgent, tempDir, waitFor, type AgentHandle } from '../helpers/agent.js';
import { fakeExecutable } from '../helpers/fake-executable.js';

const running: AgentHandle[] = [];
afterEach(async () => {
  for (const a of running.splice(0)) {
    await a.stop();
    rmSync(a.dir, { recursive: true, force: true });
  }
});

async function gpuAgent(lines: string[], config: Record<string, unknown> = {}): Promise<AgentHandle> {
  const dir = tempDir('cs-gpu-int-');
  const smi = fakeExecutable(dir, 'nvidia-smi', `printf '${lines.join('\\n')}\\n'`);
  const a = await startAgent({
    dir,
    config: { ...ALWAYS_IDLE, gpu_threshold_percent: 5, gpu_monitoring_enabled: true, naptime_minutes: 0.05, warning_minutes: 0.02, ...config },
    env: { CLOUDSNOOZE_NVIDIA_SMI: smi },
  });
  running.push(a);
  return a;
}

const ONE_BUSY_OF_FOUR = ['0, 0, 81920', '18, 71680, 81920', '0, 0, 81920', '0, 0, 81920'];
const CACHED_MEMORY_ONLY = ['0, 0, 81920', '0, 71680, 81920', '0, 0, 81920', '0, 0, 81920'];

function stops(a: AgentHandle): number {
  return readFileSync(a.historyPath, 'utf8').split('\n').filter((l) => l.includes('"dry_run_stop"')).length;
}

describe('GPU: the busiest card decides (real agent, stand-in nvidia-smi)', () => {
  it('one busy card of four keeps the box awake, is named in blockers, and is reported per card', async () => {
    const a = await gpuAgent(ONE_BUSY_OF_FOUR);
    const s = await waitFor(async () => {
      const st = await a.req('STATUS');
      return st.metrics.gpu_count === 4 ? st : null;
    }, 10_000);
    expect(s.metrics.gpu_percent).toBe(18);
    expect(s.metrics.gpu_cards).toEqual([
      { util_percent: 0, memory_percent: 0 },
      { util_percent: 18, memory_percent: 87.5 },
      { util_percent: 0, memory_percent: 0 },
      { util_percent: 0, memory_percent: 0 },
    ]);
    expect(s.state).toBe('active');
    expect(s.blockers.map((b) => b.reason)).toContain('GPU 18.0 % on card 1 of 4 (threshold 5 %)');
    const { samples } = await a.req('SAMPLES', { seconds: 60 });
    expect(samples.at(-1)!.gpu_cards).toHaveLength(4);
    // Well past the 3 s naptime: still no stop.
    await new Promise((r) => setTimeout(r, 5000));
    expect(stops(a)).toBe(0);
  });

  it('memory in use on an idle card: idle by default, awake when gpu_memory_threshold_percent is set', async () => {
    const idle = await gpuAgent(CACHED_MEMORY_ONLY);
    await waitFor(() => stops(idle) > 0 || null, 20_000);
    const kept = await gpuAgent(CACHED_MEMORY_ONLY, { gpu_memory_threshold_percent: 50 });
    const s = await waitFor(async () => {
      const st = await kept.req('STATUS');
      return st.metrics.gpu_count === 4 ? st : null;
    }, 10_000);
    expect(s.blockers.map((b) => b.reason)).toContain('GPU memory 87.5 % in use on card 1 of 4 (threshold 50 %)');
    await new Promise((r) => setTimeout(r, 5000));
    expect(stops(kept)).toBe(0);
  });
});

