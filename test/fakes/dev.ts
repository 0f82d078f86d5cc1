/** A fake /dev with terminals of a given idle time, for the input sources. */
import { chownSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every fake /dev of this test file lives under this temp folder; removeDevs() deletes it. */
export const devBase = mkdtempSync(join(tmpdir(), 'cs-dev-'));
export const removeDevs = () => rmSync(devBase, { recursive: true, force: true });
let n = 0;

/** A fake /dev: `pts` maps pts numbers to seconds since last input; ttys likewise. */
export function fakeDev(opts: { pts?: Record<string, number>; ttys?: Record<string, { idle: number; user: boolean }>; now: number }): string {
  const dev = join(devBase, `dev${n++}`);
  mkdirSync(join(dev, 'pts'), { recursive: true });
  writeFileSync(join(dev, 'pts', 'ptmx'), ''); // always there, never a session
  for (const [name, idle] of Object.entries(opts.pts ?? {})) {
    const p = join(dev, 'pts', name);
    writeFileSync(p, '');
    const at = (opts.now - idle * 1000) / 1000;
    utimesSync(p, at, at);
  }
  for (const [name, t] of Object.entries(opts.ttys ?? {})) {
    const p = join(dev, name);
    writeFileSync(p, '');
    // Login gives the tty to the user; unused consoles stay root's.
    if (process.getuid?.() === 0) chownSync(p, t.user ? 1000 : 0, 0);
    const at = (opts.now - t.idle * 1000) / 1000;
    utimesSync(p, at, at);
  }
  return dev;
}
