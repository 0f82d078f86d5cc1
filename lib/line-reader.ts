/**
 * The one newline-delimited JSON splitter: the socket client's replies and frames, and the
 * pipes between the agent and its `--cloud-task` child. Bytes are decoded across chunk
 * boundaries: a character whose bytes arrive in two reads (any reply longer than one read,
 * with a name tag or reason that is not ASCII) stays one character, not two U+FFFD.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineReader {
  private buf = '';
  private readonly decoder = new StringDecoder('utf8');
  constructor(private readonly onLine: (line: string) => void) {}

  /** Blank lines are skipped. */
  push(chunk: Buffer | string): void {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (line.trim()) this.onLine(line);
    }
  }
}
