/**
 * Keeps the bundled agent running while the desktop app runs: restarts it with
 * backoff when it exits, gives up after a run of rapid crashes (a broken config
 * would otherwise spin forever) and stops it on quit. The spawn function is
 * injected so the unit test drives real child processes without Electron.
 */
import type { Readable } from 'node:stream';
import { Backoff } from '../contract/backoff.js';

export interface ChildLike {
  readonly pid?: number | undefined;
  readonly stderr?: Readable | null;
  /** After the process exited and its stdio closed, so the stderr tail is complete. */
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

export type SpawnFn = (command: string, args: string[], options: { env: NodeJS.ProcessEnv }) => ChildLike;

export type SupervisorState =
  | { state: 'stopped' }
  | { state: 'running'; pid: number | undefined; restarts: number }
  | { state: 'restarting'; inMs: number; lastExit: string }
  | { state: 'failed'; error: string };

export interface SupervisorOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  spawn: SpawnFn;
  onState?: (s: SupervisorState) => void;
  /** First restart delay (doubling from there); 500 ms. */
  minBackoffMs?: number;
  /** Longest restart delay; 10 s. */
  maxBackoffMs?: number;
  /** A run shorter than this counts as a crash at start-up. */
  stableMs?: number;
  /** Consecutive rapid crashes before giving up. */
  maxRapidCrashes?: number;
  /** SIGTERM, then SIGKILL after this long. */
  killTimeoutMs?: number;
}

const STDERR_TAIL = 2048;

export class AgentSupervisor {
  private child: ChildLike | null = null;
  private startedAt = 0;
  private rapidCrashes = 0;
  private restarts = 0;
  private readonly backoff: Backoff;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private stderrTail = '';
  private current: SupervisorState = { state: 'stopped' };

  constructor(private readonly o: SupervisorOptions) {
    this.backoff = new Backoff({ baseMs: o.minBackoffMs ?? 500, maxMs: o.maxBackoffMs ?? 10_000 });
  }

  get state(): SupervisorState {
    return this.current;
  }

  start(): void {
    // Also the tray's "Restart agent": never a second child beside a live one.
    if (this.child) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopping = false;
    this.rapidCrashes = 0;
    this.backoff.reset();
    this.launch();
  }

  private set(s: SupervisorState): void {
    this.current = s;
    this.o.onState?.(s);
  }

  private launch(): void {
    this.timer = null;
    if (this.stopping) return;
    this.stderrTail = '';
    let child: ChildLike;
    try {
      child = this.o.spawn(this.o.command, this.o.args, { env: this.o.env });
    } catch (err) {
      this.exited(`could not start: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    this.startedAt = Date.now();
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-STDERR_TAIL);
    });
    let gone = false;
    child.once('error', (err) => {
      if (gone) return;
      gone = true;
      this.child = null;
      this.exited(`could not start: ${err.message}`);
    });
    child.once('close', (code, signal) => {
      if (gone) return;
      gone = true;
      this.child = null;
      this.exited(signal ? `killed by ${signal}` : `exit code ${code}`);
    });
    this.set({ state: 'running', pid: child.pid, restarts: this.restarts });
  }

  private exited(how: string): void {
    if (this.stopping) {
      this.set({ state: 'stopped' });
      return;
    }
    const lived = Date.now() - this.startedAt;
    const lastLine = this.stderrTail.trim().split('\n').pop()?.trim();
    const detail = lastLine ? `${how}: ${lastLine}` : how;
    const stableMs = this.o.stableMs ?? 10_000;
    if (lived < stableMs) this.rapidCrashes++;
    else {
      this.rapidCrashes = 1;
      // One step shorter per stable period lived (each halves the delay): an agent that
      // crashes every few minutes keeps a long backoff instead of restarting at the shortest
      // one each time.
      this.backoff.forgive(lived / stableMs);
    }
    if (this.rapidCrashes >= (this.o.maxRapidCrashes ?? 5)) {
      this.set({ state: 'failed', error: `the bundled agent exited ${this.rapidCrashes} times in a row (${detail})` });
      return;
    }
    const inMs = this.backoff.next();
    this.restarts++;
    this.set({ state: 'restarting', inMs, lastExit: detail });
    this.timer = setTimeout(() => this.launch(), inMs);
  }

  /** Stops the agent and any pending restart; resolves once the child has exited. */
  stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    if (!child) {
      if (this.current.state !== 'failed') this.set({ state: 'stopped' });
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), this.o.killTimeoutMs ?? 3000);
      child.once('close', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
