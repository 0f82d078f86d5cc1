/**
 * Runs `snooze fleet …` in-process with a stdout that never drains until told to, to see that
 * the CLI fetches a page only after the previous one is written out (issue 10: memory bounded
 * by streaming pages). Shared by the list and policy-show tests.
 */
import { expect } from 'vitest';
import { runFleet } from '../../agent/cli/fleet.js';

const fastRetry = { baseDelayMs: 2, maxDelayMs: 10 };

/**
 * Starts the command, waits for its first page, calls `whileBlocked` while stdout is held, then
 * lets `pages` pages through. Returns the exit code and everything written.
 */
export async function runWithBlockedDrain(args: string[], pages: number, whileBlocked: (out: readonly string[]) => void): Promise<{ code: number; text: string }> {
  let release: () => void = () => {};
  let drains = 0;
  const out: string[] = [];
  const run = runFleet(args, {
    out: (x) => out.push(x),
    err: () => {},
    env: process.env,
    drain: () => {
      drains++;
      return new Promise<void>((r) => (release = r));
    },
  }, { retry: fastRetry });
  await expect.poll(() => drains, { timeout: 20_000 }).toBe(1);
  // Time for a fetch that should not happen to show up in the fake's call counts.
  await new Promise((r) => setTimeout(r, 300));
  whileBlocked(out);
  for (let page = 1; page <= pages; page++) {
    release();
    if (page < pages) await expect.poll(() => drains, { timeout: 20_000 }).toBe(page + 1);
  }
  return { code: await run, text: out.join('\n') };
}
