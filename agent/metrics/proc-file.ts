/**
 * A /proc file read every sample. procfs regenerates a file's text at each read from
 * offset 0, so the file is opened once and then read with pread into a reused buffer:
 * one or two system calls a sample instead of open, fstat, read and close, and no new
 * buffer each time. Files elsewhere (fixture trees in tests, a bind-mounted copy) can be
 * replaced or removed between reads, so they are opened afresh each time.
 */
import { closeSync, openSync, readFileSync, readSync, statfsSync } from 'node:fs';

const PROC_SUPER_MAGIC = 0x9fa0;
/** Shared by every reader: reads are synchronous, one at a time. Grows for a big /proc/stat. */
let buffer = Buffer.allocUnsafe(16 * 1024);

function onProcfs(path: string): boolean {
  try {
    return statfsSync(path).type === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}

export class ProcFile {
  private fd: number | null = null;
  /** null: not decided yet (the file may not exist at first). */
  private procfs: boolean | null = null;

  constructor(readonly path: string) {}

  /** The file's text, or null when it cannot be read. Never throws. */
  read(): string | null {
    if (this.procfs === null) this.procfs = onProcfs(this.path);
    if (!this.procfs) {
      try {
        return readFileSync(this.path, 'latin1');
      } catch {
        return null;
      }
    }
    try {
      this.fd ??= openSync(this.path, 'r');
      let n = 0;
      for (;;) {
        if (n === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, n);
          buffer = bigger;
        }
        const r = readSync(this.fd, buffer, n, buffer.length - n, n);
        if (r === 0) break;
        n += r;
      }
      return buffer.toString('latin1', 0, n);
    } catch {
      this.close();
      return null;
    }
  }

  close(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already gone
      }
    }
    this.fd = null;
  }
}
