/** Types of the idle decision (policy.ts): a pure function of (state, sample, now, config). */
import type { AgentState, Blocker, Thresholds } from '../contract/protocol.js';

export interface PolicyConfig {
  naptimeMs: number;
  warningMs: number;
  thresholds: Thresholds;
  gpuEnabled: boolean;
}

export interface Holds {
  /** Epoch ms; the stop is not before this. */
  postponedUntil: number | null;
  /** until null = until released. */
  stayAwake: { until: number | null; reason: string; admin?: boolean } | null;
  /**
   * Placed (or joined) on the admin channel: only that channel releases it. Kept here, beside
   * the hold, so it is saved and restored with it; the pure policy never reads it.
   */
  postponeAdmin?: boolean;
}

export interface PolicyState {
  /** Epoch ms of the first sample of the current continuous idle run, or null when active. */
  idleSince: number | null;
  /** Epoch ms the warning for the current countdown was given, or null. */
  warnedAt: number | null;
  /** Earliest stop allowed after a hold ended (so a warning always comes first), or null. */
  notBefore: number | null;
  holds: Holds;
}

/** 'cancel': activity ended a countdown that had been warned (tell the people who were warned). */
export type PolicyAction = 'none' | 'warn' | 'stop' | 'cancel';

export interface Decision {
  state: PolicyState;
  status: Exclude<AgentState, 'stopping' | 'monitor_only'>;
  blockers: Blocker[];
  /** Epoch ms the stop will happen if nothing changes, or null when not counting down. */
  stopAt: number | null;
  action: PolicyAction;
}
