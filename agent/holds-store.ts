/**
 * Holds (postpone, stay awake, process-bound `snooze run` holds) survive an agent restart:
 * a crash must not cancel "stay awake", nor forget a job that is still running.
 */
import * as fs from '../lib/fs-async.js';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import type { RunHold } from './keep-awake/run-holds.js';
import type { Holds } from './policy-types.js';

export const NO_HOLDS: Holds = { postponedUntil: null, stayAwake: null };

export interface SavedHolds {
  holds: Holds;
  /** Process holds as saved; RunHolds.restore checks each against its process. */
  runs: unknown[];
}

export async function loadHolds(file: string, now: number, warn: (msg: string) => void = () => undefined): Promise<SavedHolds> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot read holds from ${file}: ${(err as Error).message}; starting without holds`);
    return { holds: NO_HOLDS, runs: [] };
  }
  try {
    const raw = JSON.parse(text) as Partial<Holds> & { runs?: unknown };
    const postponedUntil = typeof raw.postponedUntil === 'number' && raw.postponedUntil > now ? raw.postponedUntil : null;
    const sa = raw.stayAwake;
    const stayAwake =
      sa && typeof sa === 'object' && typeof sa.reason === 'string' && (sa.until === null || (typeof sa.until === 'number' && sa.until > now))
        ? { until: sa.until, reason: sa.reason, ...(sa.admin === true ? { admin: true } : {}) }
        : null;
    return { holds: { postponedUntil, stayAwake, ...(postponedUntil !== null && raw.postponeAdmin === true ? { postponeAdmin: true } : {}) }, runs: Array.isArray(raw.runs) ? raw.runs : [] };
  } catch (err) {
    warn(`holds file ${file} is unreadable (${(err as Error).message}); starting without holds`);
    return { holds: NO_HOLDS, runs: [] };
  }
}

export async function saveHolds(file: string, holds: Holds, runs: readonly RunHold[]): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ ...holds, runs })}\n`, 0o640);
}
