/**
 * The `metrics_textfile` writer: node_exporter's textfile collector reads a file, so the
 * exposition text is rewritten atomically on an interval. Its own file because its failure
 * handling (one log line per distinct error, writes never overlapping) has nothing to do
 * with serving HTTP.
 */
import { writeFileAtomic } from '../../lib/fs-atomic.js';

export interface TextfileWriter {
  /** Stops the interval and waits for a write under way. */
  close(): Promise<void>;
}

/** Writes `text()` to `file` now and every `intervalMs`; a failure is logged, never thrown. */
export function startTextfileWriter(file: string, intervalMs: number, text: () => Promise<string>, log: (level: 'warn', msg: string) => void): TextfileWriter {
  let writing: Promise<void> = Promise.resolve();
  let lastError = '';
  const writeTextfile = () => {
    writing = writing
      .then(async () => writeFileAtomic(file, await text(), 0o644))
      .then(
        () => {
          lastError = '';
        },
        (err: Error) => {
          // Said once per distinct failure, not every interval.
          if (err.message !== lastError) log('warn', `metrics: cannot write ${file}: ${err.message}`);
          lastError = err.message;
        },
      );
  };
  writeTextfile();
  const timer = setInterval(writeTextfile, intervalMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await writing;
    },
  };
}
