// One tsconfig per runtime; each is checked on its own so a DOM type cannot leak into the agent.
import { spawnSync } from 'node:child_process';
const projects = ['contract', 'lib', 'agent', 'electron', 'renderer', 'test'];
let failed = false;
for (const p of projects) {
  const r = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `${p}/tsconfig.json`, '--noEmit'], { stdio: 'inherit' });
  console.log(`typecheck ${p}: ${r.status === 0 ? 'ok' : 'FAILED'}`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
