/**
 * Append-only JSON-lines history. Each append is fsynced before it is acknowledged,
 * a torn last line (crash mid-write) is cut off at open, and the file is compacted
 * atomically once it grows past its bound.
 */
import * as fs from '../lib/fs-async.js';
import path from 'node:path';
import { writeFileAtomic } from '../lib/fs-atomic.js';
import { HISTORY_TYPES, rfc3339Seconds, type HistoryEvent, type HistoryRequester, type HistoryType } from '../contract/protocol.js';
import type { LogFn } from './log.js';

export interface HistoryQueryOptions {
  limit: number;
  since?: string;
  type?: HistoryType;
  /** Only events with a smaller id (older): the next page. */
  before_id?: number;
  details: boolean;
}

export interface NewEvent {
  type: HistoryType;
  message: string;
  by?: HistoryRequester;
  details?: Record<string, unknown>;
}

const types = new Set<string>(HISTORY_TYPES);

function isEvent(v: unknown): v is HistoryEvent {
  const e = v as HistoryEvent;
  return !!e && typeof e === 'object' && typeof e.id === 'number' && typeof e.time === 'string' && types.has(e.type) && typeof e.message === 'string';
}

export class History {
  private events: HistoryEvent[] = [];
  private nextId = 1;
  /** The history file, open for appending. */
  private fd: number | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly file: string,
    private maxEvents: number,
    private readonly log: LogFn,
    private readonly now: () => number,
  ) {}

  static async open(file: string, maxEvents: number, log: LogFn, now: () => number = Date.now): Promise<History> {
    const h = new History(file, maxEvents, log, now);
    await h.load();
    return h;
  }

  private async load(): Promise<void> {
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    let text = '';
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let good = 0;
    let bad = 0;
    const lines = text.split('\n');
    // The last element is "" for a file ending in a newline; anything else is a torn write.
    const tail = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const e: unknown = JSON.parse(line);
        if (isEvent(e)) {
          this.events.push(e);
          good++;
        } else bad++;
      } catch {
        bad++;
      }
    }
    if (tail.length > 0) {
      this.log('warn', `history ${this.file}: skipped a torn last line (${tail.length} bytes) left by an interrupted write`);
      await fs.truncate(this.file, Buffer.byteLength(text) - Buffer.byteLength(tail));
    }
    if (bad > 0) this.log('warn', `history ${this.file}: skipped ${bad} unreadable line(s), kept ${good}`);
    this.nextId = (this.events.at(-1)?.id ?? 0) + 1;
    if (this.events.length > this.maxEvents) await this.compact();
    this.fd ??= await fs.open(this.file, 'a', 0o640);
  }

  /** Appends and fsyncs; resolves once the event is durable. */
  append(ev: NewEvent): Promise<HistoryEvent> {
    const event: HistoryEvent = { id: this.nextId++, time: rfc3339Seconds(this.now()), type: ev.type, message: ev.message };
    if (ev.by) event.by = ev.by;
    if (ev.details) event.details = ev.details;
    this.events.push(event);
    const write = this.chain.then(async () => {
      if (this.closed || this.fd === null) throw new Error('history is closed');
      await fs.writeAll(this.fd, `${JSON.stringify(event)}\n`);
      await fs.fsync(this.fd);
      // Compact with slack so a steady stream does not rewrite the file on every event.
      if (this.events.length > this.maxEvents + Math.max(10, Math.floor(this.maxEvents / 10))) await this.compact(event.id);
      return event;
    });
    this.chain = write.catch((err: Error) => this.log('error', `history: append failed: ${err.message}`));
    return write;
  }

  /**
   * Rewrites the file with the newest written events. Events queued but not yet written
   * (id above `writtenUpTo`) stay out of the file: their own appends follow.
   */
  private async compact(writtenUpTo = Infinity): Promise<void> {
    const written = this.events.filter((e) => e.id <= writtenUpTo);
    const pending = this.events.filter((e) => e.id > writtenUpTo);
    const kept = written.slice(-this.maxEvents);
    await this.closeFile();
    try {
      await writeFileAtomic(this.file, kept.map((e) => JSON.stringify(e)).join('\n') + (kept.length ? '\n' : ''), 0o640);
      this.events = [...kept, ...pending];
    } finally {
      // Even when the rewrite failed (disk full), keep appending to the file as it is.
      if (!this.closed) this.fd = await fs.open(this.file, 'a', 0o640);
    }
  }

  setMaxEvents(n: number): void {
    this.maxEvents = n;
  }

  /** Newest first. */
  query(opts: HistoryQueryOptions): HistoryEvent[] {
    const sinceMs = opts.since ? Date.parse(opts.since) : -Infinity;
    const out: HistoryEvent[] = [];
    let i = this.events.length - 1;
    // Ids grow with the array: skip the newer ones by bisection, not a scan of up to max_events.
    if (opts.before_id !== undefined) {
      let lo = 0;
      let hi = this.events.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.events[mid]!.id < opts.before_id) lo = mid + 1;
        else hi = mid;
      }
      i = lo - 1;
    }
    for (; i >= 0 && out.length < opts.limit; i--) {
      const e = this.events[i]!;
      if (Date.parse(e.time) < sinceMs) break;
      if (opts.type && e.type !== opts.type) continue;
      // `by` is kept without details: who placed a hold is the point of reading the history.
      out.push(opts.details || !e.details ? e : { id: e.id, time: e.time, type: e.type, message: e.message, ...(e.by ? { by: e.by } : {}) });
    }
    return out;
  }

  get size(): number {
    return this.events.length;
  }

  /** Waits for pending appends and closes the file. */
  async close(): Promise<void> {
    await this.chain;
    this.closed = true;
    await this.closeFile();
  }

  private async closeFile(): Promise<void> {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) await fs.close(fd);
  }
}
