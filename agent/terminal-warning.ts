/**
 * The tty message before a stop: written straight to each terminal device
 * (like wall(1), without a child process), never blocking on a stuck terminal.
 */
import { constants } from 'node:fs';
import * as fs from '../lib/fs-async.js';
import path from 'node:path';
import { inert } from '../contract/text.js';

/** `hint`: the banner before a stop says how to keep the instance; a cancellation needs no advice. */
export async function warnTerminals(message: string, devRoot = '/dev', opts: { hint?: boolean } = {}): Promise<number> {
  const targets: string[] = [];
  try {
    for (const name of await fs.readdir(path.join(devRoot, 'pts'))) if (/^\d+$/.test(name)) targets.push(path.join(devRoot, 'pts', name));
  } catch {
    // No pseudo-terminals: nobody is logged in over SSH.
  }
  // The banner's own CR LF and bell are ours; the message may quote a user's reason and is
  // written to every logged-in user's terminal, so it is made inert and kept on one line.
  const hint = opts.hint === false ? '' : '(postpone: snooze postpone 30m · keep running: snooze stay-awake)\r\n';
  const text = `\r\n${opts.hint === false ? '' : '\x07'}*** CloudSnooze: ${inert(message)} ***\r\n${hint}`;
  let written = 0;
  await Promise.all(
    targets.map(async (t) => {
      let fd: number | undefined;
      try {
        fd = await fs.open(t, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK | constants.O_APPEND);
        await fs.writeAll(fd, text);
        written++;
      } catch {
        // A terminal we may not write to, or one that went away: skip it.
      } finally {
        if (fd !== undefined) await fs.close(fd).catch(() => undefined);
      }
    }),
  );
  return written;
}
