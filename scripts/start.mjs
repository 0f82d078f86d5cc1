// `npm start`: the desktop app when the Electron runtime is installed; otherwise (as on
// these build machines, where its binary cannot be downloaded) the same dashboard in a
// browser, served by `snooze dashboard` against a local agent. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentFlagsOfBundle } from './agent-launch.mjs';
import { electronLaunch, findElectron } from './electron-binary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Resolves 'ok' when an agent answers STATUS on the socket, 'denied' when we may not connect, else 'no'. */
function probe(socketPath, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath);
    const done = (v) => {
      clearTimeout(t);
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done('no'), timeoutMs);
    s.on('connect', () => s.write('{"command":"STATUS","params":{}}\n'));
    s.on('data', (d) => done(d.toString().includes('"success":true') ? 'ok' : 'no'));
    s.on('error', (err) => done(err.code === 'EACCES' || err.code === 'EPERM' ? 'denied' : 'no'));
  });
}

const answers = async (socketPath, timeoutMs) => (await probe(socketPath, timeoutMs)) === 'ok';

const electron = findElectron().path;
if (electron) {
  // The bundled agent it starts runs --dry-run, like the browser fallback's below.
  const launch = electronLaunch(electron, root);
  const child = spawn(launch.command, launch.args, { cwd: root, stdio: 'inherit', env: launch.env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  console.log('The Electron runtime is not installed, so this serves the dashboard in your browser instead (with a local agent).');
  await runBrowserMode();
}

async function runBrowserMode() {
  const snoozed = path.join(root, 'dist/agent/snoozed.js');
  const snooze = path.join(root, 'dist/agent/snooze.js');
  for (const f of [snoozed, snooze, path.join(root, 'dist/renderer/index.html')]) {
    if (!existsSync(f)) {
      console.error(`start: ${path.relative(root, f)} is missing; run node scripts/build.mjs first`);
      process.exit(1);
    }
  }

  const children = new Set();
  let stopping = false;
  const stopAll = (code) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const c of children) c.kill('SIGKILL');
    }, 5000);
    force.unref();
    const wait = [...children].map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r))));
    Promise.all(wait).then(() => process.exit(code));
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  // A system agent that already runs is the one to show; never start a second one beside it.
  const systemSocket = process.env.CLOUDSNOOZE_SOCKET || '/var/run/cloudsnooze.sock';
  let socket = systemSocket;
  const system = await probe(systemSocket);
  if (system === 'denied') {
    // It is there, just not ours to talk to: a second agent beside it could stop the instance twice over.
    console.error(
      `start: a system agent runs on ${systemSocket} but you may not connect to it (permission denied); join the cloudsnooze group or run with sudo. Not starting a second agent.`,
    );
    process.exit(1);
  }
  if (system !== 'ok') {
    const dir = path.join(root, '.tmp', 'start');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const local = path.join(dir, 'agent.sock');
    // sun_path holds 108 bytes; the agent's schema allows 100.
    socket = Buffer.byteLength(local) <= 100 ? local : path.join(os.tmpdir(), `cloudsnooze-start-${process.getuid?.() ?? 'u'}.sock`);
    const config = path.join(dir, 'snooze.json');
    if (!existsSync(config)) writeFileSync(config, `${JSON.stringify({ history_path: path.join(dir, 'history.jsonl'), socket_path: socket }, null, 2)}\n`);
    const logFile = path.join(dir, 'agent.log');
    const log = openSync(logFile, 'a');
    // --dry-run: a demo started from a checkout must never stop the machine it runs on.
    // The node flags every launcher gives the agent (contract/agent-launch.ts), from the bundle's #! line.
    const agent = spawn(process.execPath, [...agentFlagsOfBundle(snoozed), snoozed, '--config', config, '--socket', socket, '--dry-run'], { stdio: ['ignore', log, log] });
    children.add(agent);
    agent.on('exit', (code, signal) => {
      children.delete(agent);
      if (!stopping) {
        console.error(`start: the agent exited (${signal ?? `code ${code}`}); see ${path.relative(process.cwd(), logFile)}`);
        stopAll(1);
      }
    });
    let ready = false;
    for (let i = 0; i < 100 && !ready && !stopping; i++) {
      ready = await answers(socket, 500);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ready) {
      console.error(`start: the agent did not answer on ${socket} within 10 s; see ${path.relative(process.cwd(), logFile)}`);
      stopAll(1);
      return;
    }
  }

  // snooze dashboard prints its URL (with the token) on one line.
  const dash = spawn(process.execPath, [snooze, '--socket', socket, 'dashboard'], { stdio: ['ignore', 'inherit', 'inherit'] });
  children.add(dash);
  dash.on('exit', (code, signal) => {
    children.delete(dash);
    if (!stopping) {
      console.error(`start: the dashboard exited (${signal ?? `code ${code}`})`);
      stopAll(code || 1);
    }
  });
}
