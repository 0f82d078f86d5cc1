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
