/**
 * The socket contract: every request, reply, frame and event shape, defined once.
 * The CLI, the Electron main process, the dashboard bridge and the renderer all
 * import these types; the agent validates every request against the schemas here.
 *
 * This is the one import point; each part lives in a file named for its job:
 *   socket-limits.ts  the bounds both ends agree on
 *   sample.ts         one reading of the machine, keep-awake sources
 *   status.ts         STATUS, blockers, savings, hold replies
 *   history-event.ts  the history log's entry
 *   commands.ts       each command's params schema and result
 *   replies.ts        reply envelope, error codes, subscriber frames
 *   rfc3339.ts        the machines' timestamp
 */
export * from './socket-limits.js';
export * from './sample.js';
export * from './status.js';
export * from './history-event.js';
export * from './commands.js';
export * from './replies.js';
export * from './rfc3339.js';
