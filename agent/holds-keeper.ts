/**
 * Keeps holds.json in step with the holds in force, and drops process holds whose process
 * ended. Its own file because of one ordering rule the rest of the agent relies on: a hold
 * is on disk before the client that placed it is answered and before its history row is
 * written, and writes never overlap (each one chained after the last writes the holds as
 * they are then), so the file always ends at the latest state. A crash after the answer
 * must never lose a hold the user was told they have.
 */
import type { HistoryEvent, KeepAwake } from '../contract/protocol.js';
import type { DaemonState } from './daemon-state.js';
import type { NewEvent } from './history.js';
import { loadHolds, saveHolds } from './holds-store.js';
import { endedEvent, runsKeepAwake } from './keep-awake/run-holds.js';
import type { LogFn } from './log.js';

export interface HoldsKeeperDeps {
  state: DaemonState;
  /** holds.json, beside the history file. */
  file: string;
  log: LogFn;
  record: (ev: NewEvent) => Promise<HistoryEvent>;
}

export class HoldsKeeper {
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly deps: HoldsKeeperDeps) {}

  /** Restores holds saved by an earlier run. Call before the socket listens, so no new hold is overwritten. */
  async restore(now: number): Promise<void> {
    const s = this.deps.state;
    const saved = await loadHolds(this.deps.file, now, (msg) => this.deps.log('warn', msg));
    s.policy = { ...s.policy, holds: saved.holds };
    // Those whose process ended while the agent was down are dropped (and recorded) by the first sample.
    s.runHolds.restore(saved.runs);
  }

  /** Writes run one after another and each writes the holds as they are then, so the file ends at the latest state. */
  persist(): Promise<void> {
    const s = this.deps.state;
    const run = this.writes.then(() =>
      saveHolds(this.deps.file, s.policy.holds, s.runHolds.list).catch((err: Error) => this.deps.log('error', `cannot save holds to ${this.deps.file}: ${err.message}`)),
    );
    this.writes = run;
    return run;
  }

  /**
   * Process holds whose process still runs, as keep-awake entries for the decision; those that
   * ended are dropped, saved and recorded. A few /proc reads, no child process.
   */
  async runsNow(now: number): Promise<KeepAwake[]> {
    const runHolds = this.deps.state.runHolds;
    const { ended } = runHolds.check();
    if (ended.length) {
      runHolds.drop(ended.map((e) => e.hold));
      await this.persist();
      for (const e of ended) {
        await this.deps.record(endedEvent(e, now)).catch((err: Error) => this.deps.log('error', `history: could not record the end of a snooze run: ${err.message}`));
      }
    }
    // The list as it is now: the checked ones still running (or unreadable) plus any hold placed during the awaits.
    return runsKeepAwake(runHolds.list, now);
  }
}
