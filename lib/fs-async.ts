/**
 * The agent's file calls, as promises over Node's callback API rather than `fs.promises`:
 * the first use of `fs.promises` loads six more internal modules (readline among them)
 * that then stay resident in a long-lived process for good. Files are plain descriptors
 * (numbers) here, not FileHandles.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export const readFile = promisify(fs.readFile);
export const mkdir = promisify(fs.mkdir);
export const readdir = promisify(fs.readdir);
export const stat = promisify(fs.stat);
export const lstat = promisify(fs.lstat);
export const unlink = promisify(fs.unlink);
export const rename = promisify(fs.rename);
export const truncate = promisify(fs.truncate);
export const chmod = promisify(fs.chmod);
export const chown = promisify(fs.chown);
export const fchmod = promisify(fs.fchmod);
export const fchown = promisify(fs.fchown);
export const open = promisify(fs.open);
export const close = promisify(fs.close);
export const fsync = promisify(fs.fsync);

/**
 * Deletes one file; a file already gone is not an error. Not `fs.rm`: its first use loads
 * Node's rimraf module, which then stays resident for good (about 0.2 MB measured in the
 * agent on EC2, where the stop marker is cleared at every start) for what one unlink does.
 */
export async function removeFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Writes all of `text` at the descriptor's position (append mode: at the end); a short write continues. */
export async function writeAll(fd: number, text: string): Promise<void> {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) off += await writeBuffer(fd, buf, off, buf.length - off);
}

function writeBuffer(fd: number, buf: Buffer, off: number, len: number): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, buf, off, len, null, (err, n) => (err ? reject(err) : resolve(n))));
}
