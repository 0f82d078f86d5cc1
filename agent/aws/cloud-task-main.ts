/**
 * The child side of `snoozed --cloud-task`: the task as the first JSON line on stdin, one
 * EC2 task with the SDK, messages as JSON lines on stdout (see child-tasks.ts), then exit. Loaded only in
 * that child, never by the agent itself.
 */
import type { CloudTask } from './cloud-task.js';
import { runCloudTask } from './cloud-task.js';
import { Ec2 } from './ec2.js';
import { failureOf } from './errors.js';
import { LineReader } from '../../lib/line-reader.js';

const KINDS = new Set(['stop', 'dry_run_stop', 'mark_restart', 'read_tags', 'sns_publish']);

function parseTask(value: unknown): CloudTask {
  const t = value as Partial<CloudTask> | null;
  if (!t || typeof t !== 'object' || !KINDS.has(String(t.kind)) || typeof t.region !== 'string' || typeof t.instanceId !== 'string') {
    throw new Error(`expected a task: {"kind":${[...KINDS].map((k) => `"${k}"`).join('|')},"region":...,"instanceId":...}`);
  }
  return t as CloudTask;
}

/** Answers from the parent on stdin, one JSON line each; null once stdin ends. */
function stdinLines(): () => Promise<unknown> {
  let ended = false;
  const lines: string[] = [];
  let waiting: (() => void) | null = null;
  const wake = () => {
    const w = waiting;
    waiting = null;
    w?.();
  };
  const reader = new LineReader((line) => lines.push(line));
  process.stdin.on('data', (d: Buffer) => {
    reader.push(d);
    wake();
  });
  process.stdin.on('end', () => {
    ended = true;
    wake();
  });
  process.stdin.on('error', () => {
    ended = true;
    wake();
  });
  return async () => {
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) {
        try {
          return JSON.parse(line) as unknown;
        } catch {
          continue;
        }
      }
      if (ended) return null;
      await new Promise<void>((r) => (waiting = r));
    }
  };
}

function send(o: unknown): Promise<void> {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(o)}\n`, () => resolve()));
}

async function refreshPrice(region: string, instanceType: string, file: string): Promise<void> {
  try {
    const [{ fetchOnDemandPrices }, { writePrices }] = await Promise.all([import('./price-list.js'), import('./price-cache.js')]);
    const prices = await fetchOnDemandPrices(region, [instanceType], { retry: { maxAttempts: 2 }, requestTimeoutMs: 5_000 });
    if (Object.keys(prices).length > 0) await writePrices(file, region, prices, Date.now());
    else await send({ log: { level: 'info', msg: `price list: no on-demand Linux price for ${instanceType} in ${region}; savings use the built-in table` } });
  } catch (err) {
    await send({ log: { level: 'info', msg: `price list: ${failureOf(err).message}; savings use the built-in table` } });
  }
}

export async function cloudTaskMain(): Promise<void> {
  const next = stdinLines();
  let task: CloudTask;
  try {
    task = parseTask(await next());
  } catch (err) {
    process.stderr.write(`snoozed --cloud-task: ${(err as Error).message} as the first line on stdin\n`);
    process.exit(2);
  }
  const ec2 = new Ec2({ region: task.region });
  let code = 0;
  try {
    const result = await runCloudTask(task, ec2, {
      log: (level, msg) => void send({ log: { level, msg } }),
      stillWanted: async () => {
        await send({ ask: 'still_wanted' });
        // The agent is gone (stdin closed): nobody can confirm that the stop is still wanted.
        const a = (await next()) as { still_wanted?: unknown } | null;
        return a?.still_wanted === true;
      },
    });
    // After a stop this task runs at the next start, the moment savings begin to count: the
    // same child (SDK and credentials already loaded) refreshes this type's price. A failure
    // (no pricing:GetProducts permission, no route) leaves the built-in table in use.
    if (task.kind === 'mark_restart' && task.prices) await refreshPrice(task.region, task.prices.instanceType, task.prices.file);
    await send({ result });
  } catch (err) {
    code = 1;
    await send({ error: failureOf(err) });
  } finally {
    ec2.destroy();
  }
  process.exit(code);
}
