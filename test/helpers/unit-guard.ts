/**
 * Setup file of the unit tier (vitest.config.ts): unit tests start no process, open no
 * server and make no connection. A test that tries fails, naming what it did, so the tier
 * stays fast and pure; such a test belongs in test/integration (or should inject a fake).
 * Files in temp folders are fine.
 */
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { afterEach } from 'vitest';

// Unit files share a worker (isolate: false): install once per worker, keep one record.
const KEY = Symbol.for('cloudsnooze.unitGuard');
const slot = globalThis as { [KEY]?: { refused: string[] } };
const installed = slot[KEY] !== undefined;
const refused = (slot[KEY] ??= { refused: [] }).refused;
// A refusal outside any test (in a hook or at import) already failed the file it came from;
// it is not this file's.
refused.length = 0;

const ADVICE = 'unit tests start no processes, servers or connections: move the test to test/integration or inject a fake';

function refuse(what: string): never {
  refused.push(what);
  throw new Error(`${what} refused in test/unit; ${ADVICE}`);
}

if (!installed) {
  const cp = childProcess as unknown as Record<string, unknown>;
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    cp[name] = () => refuse(`child_process.${name}`);
  }
  // ESM imports of node:child_process see the replaced functions too.
  syncBuiltinESMExports();
  net.Server.prototype.listen = function listen() {
    return refuse('listen (net or http server)');
  };
  net.Socket.prototype.connect = function connect() {
    return refuse('connect (net, http or fetch client)');
  };
  globalThis.fetch = () => refuse('fetch');
}

/** What the guard refused since the last call (for the guard's own test). */
export function takeRefusals(): string[] {
  return refused.splice(0);
}

// Code under test may catch the error (a sampler reports "unreadable"): the test fails anyway.
afterEach(() => {
  const what = takeRefusals();
  if (what.length) throw new Error(`${[...new Set(what)].join(', ')} refused in test/unit; ${ADVICE}`);
});
