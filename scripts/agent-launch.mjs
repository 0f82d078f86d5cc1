// Launchers outside the bundle (scripts/start.mjs's dev agent, the desktop unit built by
// scripts/build.mjs) take the agent's node flags from contract/agent-launch.ts: the desktop
// unit through the flags build.mjs reads from it, start.mjs from the built bundle's #! line,
// which build.mjs writes from it. Plain JavaScript: these scripts run before any build.
import { readFileSync } from 'node:fs';

/** The node flags in a built agent bundle's `#!/usr/bin/env -S node …` line; throws when it has none. */
export function agentFlagsOfBundle(file) {
  const line = readFileSync(file, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node( .*)?$/.exec(line);
  if (!m) throw new Error(`${file}: the first line is not "#!/usr/bin/env -S node …"; rebuild with node scripts/build.mjs agent`);
  return (m[1] ?? '').split(' ').filter(Boolean);
}

/**
 * The desktop .deb's unit from the headless one: the same hardened unit, run on the app's
 * own Electron binary in Node mode with `electronFlags` (contract/agent-launch.ts's
 * electronNodeFlags: the agent's flags less those Electron refuses there).
 */
export function desktopUnit(unit, electronFlags) {
  const out = unit
    .replace(/^ExecStart=\/usr\/bin\/snoozed /m, `Environment=ELECTRON_RUN_AS_NODE=1\nExecStart=/opt/CloudSnooze/cloudsnooze ${electronFlags.join(' ')} /opt/CloudSnooze/resources/agent/snoozed.js `)
    .replace(/^Documentation=.*$/m, 'Documentation=file:///opt/CloudSnooze/resources/agent/');
  if (out === unit || !out.includes('ELECTRON_RUN_AS_NODE')) throw new Error('packaging/systemd/snoozed.service: ExecStart line not found');
  return out;
}
