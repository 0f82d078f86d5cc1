/** Holds (postpone, stay awake) survive an agent restart: a crash must not cancel "stay awake". */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import type { Holds } from './policy-types.js';

export const NO_HOLDS: Holds = { postponedUntil: null, stayAwake: null };

export async function loadHolds(file: string, now: number, warn: (msg: string) => void = () => undefined): Promise<Holds> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot read holds from ${file}: ${(err as Error).message}; starting without holds`);
    return NO_HOLDS;
  }
  try {
    const raw = JSON.parse(text) as Partial<Holds>;
    const postponedUntil = typeof raw.postponedUntil === 'number' && raw.postponedUntil > now ? raw.postponedUntil : null;
    const sa = raw.stayAwake;
    const stayAwake =
      sa && typeof sa === 'object' && typeof sa.reason === 'string' && (sa.until === null || (typeof sa.until === 'number' && sa.until > now))
        ? { until: sa.until, reason: sa.reason, ...(sa.admin === true ? { admin: true } : {}) }
        : null;
    return { postponedUntil, stayAwake, ...(postponedUntil !== null && raw.postponeAdmin === true ? { postponeAdmin: true } : {}) };
  } catch (err) {
    warn(`holds file ${file} is unreadable (${(err as Error).message}); starting without holds`);
    return NO_HOLDS;
  }
}

export async function saveHolds(file: string, holds: Holds): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(holds)}\n`, 0o640);
}
