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

const refused: string[] = [];

function refuse(what: string): never {
  refused.push(what);
  throw new Error(`unit tests ${what}: not in test/unit (no processes, servers or connections); move the test to test/integration or inject a fake`);
}

const GUARDED = Symbol.for('cloudsnooze.unitGuard');
const g = globalThis as { [GUARDED]?: true };
if (!g[GUARDED]) {
  g[GUARDED] = true;
  const cp = childProcess as unknown as Record<string, unknown>;
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    cp[name] = () => refuse(`start a process (child_process.${name})`);
  }
  // ESM imports of node:child_process see the replaced functions too.
  syncBuiltinESMExports();
  net.Server.prototype.listen = function listen() {
    return refuse('listen (net/http server)');
  };
  net.Socket.prototype.connect = function connect() {
    return refuse('connect (net/http/fetch client)');
  };
  globalThis.fetch = () => refuse('fetch');
}

// Code under test may catch the error (a sampler reports "unreadable"): the test fails anyway.
afterEach(() => {
  const what = refused.splice(0);
  if (what.length) throw new Error(`unit tests must not ${[...new Set(what)].join(', ')}; move the test to test/integration or inject a fake`);
});
