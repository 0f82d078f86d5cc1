/** What the renderer finds on `window` beyond the DOM: the preload's API and the bench hook. */
import type { CloudSnoozeApi } from '../contract/ipc.js';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in a browser, where the HTTP transport stands in. */
    cloudsnooze?: CloudSnoozeApi;
    /** Bench hook, present only with ?bench=1: pushes n status frames and returns ms per tick. */
    __csBench?: (n: number, mode?: 'tick' | 'floor') => Promise<number[]>;
  }
}

declare module '*.css';
