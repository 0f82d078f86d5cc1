/**
 * Finds where one JSON request ends in a byte stream. The guide's Go client sends one
 * object with no newline and then waits, so a newline cannot be the only delimiter:
 * we track braces outside strings and cut when the top-level object closes.
 */
export type Frame = { kind: 'json'; text: string } | { kind: 'garbage'; text: string } | { kind: 'too_deep' };

export const MAX_DEPTH = 32;

export class JsonFramer {
  private buf = '';
  /** Scan position and state, kept across chunks so each byte is scanned once. */
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  private tooDeep = false;

  get pending(): number {
    return this.buf.length;
  }

  push(chunk: string): Frame[] {
    this.buf += chunk;
    const out: Frame[] = [];
    while (this.pos < this.buf.length) {
      const c = this.buf.charCodeAt(this.pos);
      if (this.start < 0) {
        // Between requests: skip whitespace; anything but '{' is garbage up to the next newline.
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
          this.pos++;
          continue;
        }
        if (c !== 0x7b) {
          const nl = this.buf.indexOf('\n', this.pos);
          if (nl < 0) {
            // Wait for the rest of the line so one reply covers one bad line.
            return out;
          }
          out.push({ kind: 'garbage', text: this.buf.slice(this.pos, nl) });
          this.consume(nl + 1);
          continue;
        }
        this.start = this.pos;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        this.depth++;
        if (this.depth > MAX_DEPTH) this.tooDeep = true;
      } else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          const text = this.buf.slice(this.start, this.pos + 1);
          out.push(this.tooDeep ? { kind: 'too_deep' } : { kind: 'json', text });
          this.consume(this.pos + 1);
          continue;
        }
      } else if (c === 0x0a && this.depth > 0 && !this.inString) {
        // JSON allows newlines inside objects; keep going.
      }
      this.pos++;
    }
    // Whitespace between requests is not kept (it would count against the size limit).
    if (this.start < 0) this.consume(this.pos);
    return out;
  }

  /** Garbage without a newline yet (e.g. a client that sends junk and waits): flush it as one frame. */
  flushGarbage(): Frame | null {
    if (this.start >= 0 || this.pos >= this.buf.length) return null;
    const text = this.buf.slice(this.pos);
    this.consume(this.buf.length);
    return { kind: 'garbage', text };
  }

  private consume(upTo: number): void {
    this.buf = this.buf.slice(upTo);
    this.pos = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.start = -1;
    this.tooDeep = false;
  }
}
