/** Writes an executable shell script standing in for a vendor tool (nvidia-smi, xprintidle ...). */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function fakeExecutable(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
