/**
 * How every launcher starts the agent: `npm run agent` and /usr/bin/snoozed through the
 * bundle's `#!/usr/bin/env -S node …` line, the desktop unit's ExecStart and the desktop
 * app's own spawn (both on Electron's binary in Node mode) with these arguments before
 * the script. They keep a long-lived, mostly idle process small (see docs/architecture.md):
 * - `--lite-mode`: no optimizing compiler and lazily allocated feedback. The agent's work
 *   per sample is tiny; the optimizing JIT would cost it several MB once code turns hot.
 * - `--no-expose-wasm`: lite mode turns WebAssembly off anyway; saying so keeps V8 from
 *   printing a warning about the conflict at every start.
 * - `--gc-memory-reducer-start-delay-ms=500`: the start-up garbage is given back within a
 *   second rather than eight.
 * Plain data, no Node: scripts/build.mjs and the desktop app read it too.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--lite-mode', '--no-expose-wasm', '--gc-memory-reducer-start-delay-ms=500'];

/**
 * Node options Electron refuses when its binary runs as Node (ELECTRON_RUN_AS_NODE, how the
 * desktop unit and the desktop app start the agent): its crypto is BoringSSL, not OpenSSL
 * (Electron 41 docs, "Environment Variables"). Any other node or V8 option is accepted, so
 * today every agent flag passes; one of these added to AGENT_NODE_FLAGS is left out there.
 */
export const ELECTRON_REFUSED_NODE_FLAGS: readonly string[] = ['--openssl-config', '--use-bundled-ca', '--use-openssl-ca', '--force-fips', '--enable-fips'];

/** The flags a launcher on Electron's binary (ELECTRON_RUN_AS_NODE=1) may pass. */
export function electronNodeFlags(flags: readonly string[] = AGENT_NODE_FLAGS): string[] {
  return flags.filter((f) => !ELECTRON_REFUSED_NODE_FLAGS.includes(f.split('=')[0]!));
}

/** The bundle's first line: running the file (npm run agent, /usr/bin/snoozed) gives node these flags. */
export function agentShebang(flags: readonly string[] = AGENT_NODE_FLAGS): string {
  return `#!/usr/bin/env -S node ${flags.join(' ')}`;
}

/** The node flags a bundle's first line names, or null when it is not an agentShebang line. */
export function shebangFlags(line: string): string[] | null {
  const m = /^#!\/usr\/bin\/env -S node( .*)?$/.exec(line);
  return m ? (m[1] ?? '').split(' ').filter(Boolean) : null;
}
