/**
 * `snooze status [--json] [--watch]`: the one command that keeps the terminal, so its
 * redraw loop (subscribe, reconnect, a countdown that ticks between samples) lives apart
 * from the one-shot commands in main.ts.
 */
import { inertJson, inert } from '../../contract/text.js';
import type { Status } from '../../contract/protocol.js';
import { parseFlags } from './args.js';
import { renderStatus } from './format.js';
import { EXIT, type CliIO } from './io.js';

export async function status(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { json: { type: 'boolean' }, watch: { type: 'boolean' } });
  if (!values.watch) {
    const s = await io.request(io.socketPath, 'STATUS');
    io.out(values.json ? inertJson(JSON.stringify(s, null, 2)) : renderStatus(s));
    return EXIT.OK;
  }
  // --watch: snapshot then stream, reconnecting, until Ctrl-C; the countdown ticks every second between samples.
  return new Promise<number>((resolve) => {
    let last: { s: Status; at: number } | null = null;
    const draw = () => {
      if (!last) return;
      const { s, at } = last;
      if (values.json) return;
      // Clear the screen: the one escape sequence the CLI sends itself, so it bypasses the filter.
      if (io.isTTY) (io.raw ?? io.out)('\x1b[2J\x1b[H');
      io.out(`${renderStatus(s, { elapsedSecs: Math.floor((Date.now() - at) / 1000) })}\n`);
    };
    const onStatus = (s: Status) => {
      last = { s, at: Date.now() };
      if (values.json) io.out(inertJson(JSON.stringify(s)));
      else draw();
    };
    const sub = io.subscribe(io.socketPath, {
      onStatus,
      onOffline: (e) => io.err(`snooze: ${inert(e.message)}; retrying…`),
    });
    // Only a countdown changes between samples: redraw then, once a second.
    const ticker = setInterval(() => {
      if (last && last.s.seconds_until_stop !== null && !values.json) draw();
    }, 1000);
    const stop = () => {
      clearInterval(ticker);
      sub.close();
      resolve(EXIT.OK);
    };
    io.signal?.addEventListener('abort', stop, { once: true });
  });
}
