/**
 * Monotonic milliseconds (any origin): the clock for elapsed time. `performance.now()`
 * would do the same but loads perf_hooks and its ten modules into the agent.
 */
export function monoNowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
